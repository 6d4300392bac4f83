// Plain text, Markdown and HTML books (fixtures written by the test), and readBook's format dispatch and errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHtml } from '../src/book/html-reader.js';
import { parseMarkdown } from '../src/book/markdown-reader.js';
import { readBook } from '../src/book/read-book.js';
import { DEFAULT_HEADING_PATTERN, parseText } from '../src/book/text-reader.js';
import { isParlaError } from '../src/errors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'parla-book-text-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const summary = (book: ReturnType<typeof parseText>): [string, string[], string][] =>
  book.chapters.map((c) => [c.title, c.paragraphs, c.isFrontMatter ? 'front' : c.isBackMatter ? 'back' : 'body']);

describe('default chapter heading pattern', () => {
  it.each([
    ['CHAPTER I.', true],
    ['Chapter 1', true],
    ['Chapter 12: The End', true],
    ['Chapter One', true],
    ['CHAPTER TWENTY-ONE', true],
    ['PART II', true],
    ['Book the First', true],
    ['Prologue', true],
    ['EPILOGUE.', true],
    ['Part of the problem was the rain.', false],
    ['Chapters of my life went by.', false],
    ['The chapter 1 summary', false],
    ['Chapter mixed up', false],
  ])('%j -> %s', (line, expected) => {
    expect(DEFAULT_HEADING_PATTERN.test(line)).toBe(expected);
  });
});

describe('plain text', () => {
  it('chapters from heading lines with subtitles, paragraphs at blank lines, hard wraps joined, title page as front matter', () => {
    const text = [
      'THE TEST BOOK',
      '',
      'by Someone',
      '',
      'CHAPTER I.',
      'Down the Hole',
      '',
      'First paragraph, which is',
      'wrapped over two lines.',
      '',
      'Second paragraph.',
      '',
      '',
      'Chapter 2',
      '',
      'Only paragraph of two.',
      '',
      'PART THREE',
      '',
      'Third.',
    ].join('\r\n');
    expect(summary(parseText(text))).toEqual([
      ['Opening', ['THE TEST BOOK', 'by Someone'], 'front'],
      ['CHAPTER I. Down the Hole', ['First paragraph, which is wrapped over two lines.', 'Second paragraph.'], 'body'],
      ['Chapter 2', ['Only paragraph of two.'], 'body'],
      ['PART THREE', ['Third.'], 'body'],
    ]);
  });

  it('a custom heading pattern replaces the default', () => {
    const text = '§ 1\n\nAlpha.\n\n§ 2\n\nBeta.\n\nChapter 3\n\nGamma.';
    expect(summary(parseText(text, { headingPattern: /^§ \d+$/ }))).toEqual([
      ['§ 1', ['Alpha.'], 'body'],
      ['§ 2', ['Beta.', 'Chapter 3', 'Gamma.'], 'body'],
    ]);
  });

  it('no headings -> one chapter named after the book', () => {
    const book = parseText('Just a story.\n\nThe end.', { fallbackTitle: 'story' });
    expect(book.title).toBe('story');
    expect(summary(book)).toEqual([['story', ['Just a story.', 'The end.'], 'body']]);
  });

  it('Project Gutenberg: title/author from the header, header and license split off as front/back matter', () => {
    const text = [
      'The Project Gutenberg eBook of Tiny Tale',
      '',
      'Title: Tiny Tale',
      'Author: A. Writer',
      '',
      '*** START OF THE PROJECT GUTENBERG EBOOK TINY TALE ***',
      '',
      'CHAPTER I',
      '',
      'Once upon a time.',
      '',
      '*** END OF THE PROJECT GUTENBERG EBOOK TINY TALE ***',
      '',
      'Section 1. General Terms of Use and Redistributing Project Gutenberg works',
    ].join('\n');
    const book = parseText(text);
    expect(book).toMatchObject({ title: 'Tiny Tale', author: 'A. Writer' });
    expect(summary(book).map(([t, , kind]) => `${t}:${kind}`)).toEqual([
      'Project Gutenberg header:front',
      'CHAPTER I:body',
      'Project Gutenberg license:back',
    ]);
    expect(book.chapters[1].paragraphs).toEqual(['Once upon a time.']);
  });
});

describe('markdown', () => {
  const md = `---
title: "Markdown Book"
author: Jo Writer
---

# Markdown Book

A preface under the title with **bold**, _emphasis_ and \`inline code\`.

## The First Chapter

Text with a [link](https://example.com/x) and an image ![alt text](pic.png) here.

\`\`\`js
const dropped = true;
\`\`\`

> A quoted line.

- item one
- item two

### A subsection

More text.

## The Second Chapter

Last words.
`;

  it('chapters at the auto-detected level (##), markdown syntax stripped, code dropped, front matter used', () => {
    const book = parseMarkdown(md);
    expect(book).toMatchObject({ title: 'Markdown Book', author: 'Jo Writer' });
    expect(summary(book)).toEqual([
      ['Markdown Book', ['A preface under the title with bold, emphasis and inline code.'], 'body'],
      ['The First Chapter', ['Text with a link and an image here.', 'A quoted line.', 'item one', 'item two', 'A subsection', 'More text.'], 'body'],
      ['The Second Chapter', ['Last words.'], 'body'],
    ]);
  });

  it('an explicit chapter level (###) cuts there', () => {
    const titles = parseMarkdown(md, { chapterLevel: 3 }).chapters.map((c) => c.title);
    expect(titles).toEqual(['Markdown Book', 'A subsection']);
  });
});

describe('html', () => {
  it('chapters at h2 under a single h1, metadata from <title>, <meta name=author>, lang', () => {
    const html = `<!DOCTYPE html><html lang="en-GB"><head><title>Web Book</title><meta name="author" content="H. Tml"><script>x()</script></head>
      <body><h1>Web Book</h1><h2>Contents</h2><ul><li><a href="#a">A</a></li><li><a href="#b">B</a></li></ul>
      <h2 id="a">Chapter A</h2><p>Alpha text.</p><h2 id="b">Chapter B</h2><p>Beta<sup><a href="#fn1">1</a></sup> text.</p></body></html>`;
    const book = parseHtml(html);
    expect(book).toMatchObject({ title: 'Web Book', author: 'H. Tml', language: 'en-GB' });
    expect(summary(book)).toEqual([
      ['Contents', ['A', 'B'], 'front'],
      ['Chapter A', ['Alpha text.'], 'body'],
      ['Chapter B', ['Beta text.'], 'body'],
    ]);
  });
});

describe('readBook', () => {
  it('dispatches on the extension', () => {
    const files: Record<string, string> = { 'b.txt': 'Chapter 1\n\nHello.', 'b.md': '## One\n\nHello.\n\n## Two\n\nBye.', 'b.html': '<h1>X</h1><p>Hello.</p>' };
    const counts: Record<string, number> = {};
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(path.join(dir, name), content);
      counts[name] = readBook(path.join(dir, name)).chapters.length;
    }
    expect(counts).toEqual({ 'b.txt': 1, 'b.md': 2, 'b.html': 1 });
  });

  it.each([
    ['book.pdf', 'x', 'unsupported_format', /book\.pdf: unknown book format; supported: \.epub, \.txt/],
    ['missing.txt', undefined, 'file_not_found', /cannot read book .*missing\.txt/],
    ['blank.txt', '  \n\n \n', 'empty_input', /blank\.txt contains no readable text/],
    ['blank.md', '```\ncode only\n```\n![img](x.png)', 'empty_input', /blank\.md contains no readable text/],
  ])('%s -> %s', (name, content, code, message) => {
    const file = path.join(dir, name);
    if (content !== undefined) writeFileSync(file, content);
    let err: unknown;
    try {
      readBook(file);
    } catch (e) {
      err = e;
    }
    expect(isParlaError(err) && err.code).toBe(code);
    expect((err as Error).message).toMatch(message);
  });
});
