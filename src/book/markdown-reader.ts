/** Reads a Markdown book: rendered with `marked`, then cut into chapters at `#`/`##` headings like an HTML book. */
import { marked } from 'marked';
import { finalizeChapters } from './chapter-build.js';
import { splitAtHeadings } from './heading-chapters.js';
import type { Book } from './types.js';
import { extractDocument } from './xhtml-text.js';

export interface MarkdownOptions {
  /** Heading level (1 = `#`, 2 = `##`) that starts a chapter; default: the highest level used at least twice. */
  chapterLevel?: number;
  title?: string;
  fallbackTitle?: string;
}

/**
 * Emphasis and inline code keep their text, links keep their text without the URL, images and fenced code blocks
 * are dropped (code is not read aloud), block quotes and list items become paragraphs.
 */
export function parseMarkdown(source: string, options: MarkdownOptions = {}): Book {
  // YAML front matter is metadata, not text; its title is used when present.
  const front = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(source);
  const body = front ? source.slice(front[0].length) : source;
  const frontField = (name: string): string | undefined =>
    front ? new RegExp(`^${name}:\\s*["']?(.+?)["']?\\s*$`, 'mi').exec(front[1])?.[1] : undefined;

  const html = marked.parse(body, { async: false, gfm: true });
  const { blocks } = extractDocument(html, { dropCode: true });
  const split = splitAtHeadings(blocks, options.chapterLevel);
  const book: Book = {
    title: options.title ?? frontField('title') ?? split.bookTitle ?? options.fallbackTitle ?? 'Untitled',
    chapters: finalizeChapters(split.chapters),
  };
  const author = frontField('author');
  if (author) book.author = author;
  const language = frontField('lang') ?? frontField('language');
  if (language) book.language = language;
  return book;
}
