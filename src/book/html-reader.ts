/** Reads a single HTML/XHTML book: chapters at h1/h2 headings (auto-detected level), metadata from <title>, <meta>, lang. */
import { parseDocument } from 'htmlparser2';
import { finalizeChapters } from './chapter-build.js';
import { findAll, findFirst } from './dom-query.js';
import { splitAtHeadings } from './heading-chapters.js';
import type { Book } from './types.js';
import { extractDocument } from './xhtml-text.js';

export interface HtmlOptions {
  /** Heading level that starts a chapter; default: the highest level used at least twice. */
  chapterLevel?: number;
  title?: string;
  fallbackTitle?: string;
}

export function parseHtml(source: string, options: HtmlOptions = {}): Book {
  const { blocks, title: docTitle } = extractDocument(source);
  const split = splitAtHeadings(blocks, options.chapterLevel);
  const doc = parseDocument(source, { lowerCaseTags: true });
  const metaContent = (name: string): string | undefined =>
    findAll(doc.children, 'meta').find((m) => (m.attribs.name ?? '').toLowerCase() === name)?.attribs.content?.trim() || undefined;

  const book: Book = {
    title: options.title ?? metaContent('dc.title') ?? docTitle ?? split.bookTitle ?? options.fallbackTitle ?? 'Untitled',
    chapters: finalizeChapters(split.chapters),
  };
  const author = metaContent('author') ?? metaContent('dc.creator');
  if (author) book.author = author;
  const lang = findFirst(doc.children, 'html')?.attribs.lang ?? findFirst(doc.children, 'html')?.attribs['xml:lang'];
  if (lang) book.language = lang;
  return book;
}
