/** One entry point for every book format: picks the reader from the file extension and checks the result is not empty. */
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ParlaError } from '../errors.js';
import { type EpubOptions, readEpub } from './epub-reader.js';
import { parseHtml } from './html-reader.js';
import { parseMarkdown } from './markdown-reader.js';
import { parseText } from './text-reader.js';
import type { Book } from './types.js';

export interface ReadBookOptions extends EpubOptions {
  /** Plain text: chapter heading pattern, tested on the first line of each paragraph. */
  headingPattern?: RegExp;
  /** Markdown/HTML: heading level that starts a chapter. */
  chapterLevel?: number;
}

const READERS: Record<string, 'epub' | 'text' | 'markdown' | 'html'> = {
  '.epub': 'epub',
  '.txt': 'text',
  '.text': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.xhtml': 'html',
};

export const SUPPORTED_BOOK_EXTENSIONS = Object.keys(READERS);

export function readBook(path: string, options: ReadBookOptions = {}): Book {
  const kind = READERS[extname(path).toLowerCase()];
  if (!kind) {
    throw new ParlaError('unsupported_format', `${basename(path)}: unknown book format; supported: ${SUPPORTED_BOOK_EXTENSIONS.join(', ')}`, {
      param: path,
    });
  }
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
  } catch (err) {
    throw new ParlaError('file_not_found', `cannot read book ${path}: ${(err as Error).message}`, { param: path, cause: err });
  }
  if (kind === 'epub') return readEpub(path, options);

  const source = readFileSync(path, 'utf8');
  const fallbackTitle = basename(path, extname(path));
  const book =
    kind === 'text'
      ? parseText(source, { headingPattern: options.headingPattern, fallbackTitle })
      : kind === 'markdown'
        ? parseMarkdown(source, { chapterLevel: options.chapterLevel, fallbackTitle })
        : parseHtml(source, { chapterLevel: options.chapterLevel, fallbackTitle });
  // Chapters whose paragraphs hold no letter or digit (emoji, punctuation) would only speak their titles: the file name.
  if (!book.chapters.some((c) => c.paragraphs.some((p) => /[\p{L}\p{N}]/u.test(p)))) {
    throw new ParlaError('empty_input', `${basename(path)} contains no readable text`, { param: path });
  }
  return book;
}
