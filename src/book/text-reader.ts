/** Reads a plain-text book: chapters from heading lines ("CHAPTER I", "Part Two"), paragraphs at blank lines. */
import { finalizeChapters, paragraphBlocks, type RawChapter } from './chapter-build.js';
import type { Book } from './types.js';

const NUMBER_WORD =
  'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last';

/**
 * Default chapter heading, tested against the first line of a block: "CHAPTER I.", "Chapter 12: The End",
 * "Chapter Twenty-One", "PART II", "Book the First"... plus a bare "Prologue"/"Epilogue"/"Preface"/"Introduction".
 */
export const DEFAULT_HEADING_PATTERN = new RegExp(
  `^\\s*(?:(?:chapter|part|book|volume|section|canto|letter)\\s+(?:the\\s+)?(?:\\d+|[ivxlcdm]+|(?:${NUMBER_WORD})(?:[- ](?:${NUMBER_WORD}))*)\\b.*|(?:prologue|epilogue|preface|foreword|introduction|afterword)\\W*)$`,
  'i',
);

export interface TextOptions {
  /** Tested against the first line of each blank-line-separated block. */
  headingPattern?: RegExp;
  /** Book title; default: the Project Gutenberg "Title:" line, else `fallbackTitle`. */
  title?: string;
  /** Used when nothing better is known (readers pass the file name). */
  fallbackTitle?: string;
}

/** A heading block is short: the heading line plus at most a subtitle line. */
const MAX_HEADING_LINES = 2;
const MAX_HEADING_CHARS = 100;

/** "CHAPTER I." + "Down the Rabbit-Hole" -> "CHAPTER I. Down the Rabbit-Hole"; "Chapter 1" + "Home" -> "Chapter 1: Home". */
function joinTitle(lines: string[]): string {
  return lines.map((l) => l.trim()).reduce((acc, l) => (/[.:;,—–-]$/.test(acc) ? `${acc} ${l}` : `${acc}: ${l}`));
}

export function parseText(source: string, options: TextOptions = {}): Book {
  const text = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const pattern = options.headingPattern ?? DEFAULT_HEADING_PATTERN;
  const blocks = text.split(/\n[ \t]*\n/).map((b) => b.split('\n').filter((l) => l.trim())).filter((l) => l.length);

  const raw: RawChapter[] = [];
  let current: { title: string; paragraphs: string[]; matter?: 'front' } | undefined;
  const close = (): void => {
    if (current) raw.push({ title: current.title, blocks: paragraphBlocks(current.paragraphs), matter: current.matter });
  };
  for (const lines of blocks) {
    const isHeading = lines.length <= MAX_HEADING_LINES && lines[0].length <= MAX_HEADING_CHARS && pattern.test(lines[0]);
    if (isHeading) {
      close();
      current = { title: joinTitle(lines), paragraphs: [] };
      continue;
    }
    const paragraph = lines.join(' ').replace(/\s+/g, ' ').trim();
    // Text before the first heading: a title page when headings follow, the whole text when none do.
    current ??= { title: 'Opening', paragraphs: [], matter: 'front' };
    current.paragraphs.push(paragraph);
  }
  close();

  const header = text.slice(0, 5000);
  const field = (name: string): string | undefined => new RegExp(`^${name}:[ \\t]*(.+)$`, 'mi').exec(header)?.[1].trim();
  const title = options.title ?? field('Title') ?? options.fallbackTitle ?? 'Untitled';
  // No headings at all: the whole text is one chapter named after the book, not a title page.
  if (raw.length === 1 && raw[0].matter === 'front') raw[0] = { title, blocks: raw[0].blocks };
  const book: Book = { title, chapters: finalizeChapters(raw) };
  const author = field('Author');
  if (author) book.author = author;
  return book;
}
