/** Chapter selection (`--chapters 3-7`, `1,3,5-`, `all`) and the `--list` table. */
import { ParlaError } from '../errors.js';
import type { Book, Chapter } from './types.js';

/** Typical audiobook narration pace, used for the listing's time estimate. */
export const NARRATION_WORDS_PER_MINUTE = 155;

export interface SelectOptions {
  /** Include front/back matter in `all` and in ranges. Single chapter numbers always include it. */
  includeMatter?: boolean;
}

const isMatter = (c: Chapter): boolean => !!(c.isFrontMatter || c.isBackMatter);

/**
 * Parses a chapter spec against `count` chapters into ascending, unique 1-based numbers, remembering which came from
 * a single number (explicit) and which from a range or `all`.
 * Grammar: `all` | item (`,` item)*; item: `N` | `N-M` | `N-` | `-M`.
 */
export function parseChapterSpec(spec: string, count: number): { index: number; explicit: boolean }[] {
  const fail = (why: string): never => {
    throw new ParlaError('invalid_input', `chapter spec "${spec}": ${why}; valid chapters are 1-${count}`, { param: 'chapters' });
  };
  const trimmed = spec.trim().toLowerCase();
  if (!trimmed) fail('empty');
  if (trimmed === 'all') return Array.from({ length: count }, (_, i) => ({ index: i + 1, explicit: false }));

  const chosen = new Map<number, boolean>();
  const num = (s: string, item: string): number => {
    if (!/^\d+$/.test(s)) fail(`"${item}" is not a chapter number or range`);
    const n = Number(s);
    if (n < 1 || n > count) fail(`chapter ${n} does not exist`);
    return n;
  };
  for (const raw of trimmed.split(',')) {
    const item = raw.trim();
    if (!item) fail('empty item between commas');
    const range = /^(\d*)\s*-\s*(\d*)$/.exec(item);
    if (!range) {
      chosen.set(num(item, item), true);
      continue;
    }
    if (!range[1] && !range[2]) fail(`"${item}" has neither start nor end`);
    const from = range[1] ? num(range[1], item) : 1;
    const to = range[2] ? num(range[2], item) : count;
    if (from > to) fail(`range ${item} is empty (starts after it ends)`);
    for (let i = from; i <= to; i++) if (!chosen.get(i)) chosen.set(i, false);
  }
  return [...chosen.entries()].sort((a, b) => a[0] - b[0]).map(([index, explicit]) => ({ index, explicit }));
}

/**
 * The chapters to synthesize. No spec means `all`. Front/back matter is skipped unless named by number or
 * `includeMatter` is set.
 */
export function selectChapters(book: Book, spec = 'all', options: SelectOptions = {}): Chapter[] {
  const picked = parseChapterSpec(spec, book.chapters.length)
    .map(({ index, explicit }) => ({ chapter: book.chapters[index - 1], explicit }))
    .filter(({ chapter, explicit }) => explicit || options.includeMatter || !isMatter(chapter))
    .map(({ chapter }) => chapter);
  if (!picked.length) {
    throw new ParlaError(
      'invalid_input',
      `chapter spec "${spec}" selects only front/back matter; name those chapters by number or include matter; valid chapters are 1-${book.chapters.length}`,
      { param: 'chapters' },
    );
  }
  return picked;
}

export const countWords = (c: Chapter): number => c.paragraphs.reduce((n, p) => n + (p.match(/\S+/g)?.length ?? 0), 0);

/** The `--list` table: number, words, estimated minutes, title, and a note on skipped front/back matter. */
export function formatChapterList(book: Book, wordsPerMinute = NARRATION_WORDS_PER_MINUTE): string {
  const rows = book.chapters.map((c) => {
    const words = countWords(c);
    const note = c.isFrontMatter ? '  (front matter, skipped)' : c.isBackMatter ? '  (back matter, skipped)' : '';
    return `${String(c.index).padStart(4)}  ${String(words).padStart(7)}  ${(words / wordsPerMinute).toFixed(1).padStart(6)}  ${c.title}${note}`;
  });
  const readWords = book.chapters.filter((c) => !isMatter(c)).reduce((n, c) => n + countWords(c), 0);
  const byline = book.author ? ` by ${book.author}` : '';
  return [
    `${book.title}${byline}`,
    `${'#'.padStart(4)}  ${'words'.padStart(7)}  ${'min'.padStart(6)}  title`,
    ...rows,
    `${book.chapters.length} chapters; ${readWords} words read by default, about ${(readWords / wordsPerMinute).toFixed(0)} min at ${wordsPerMinute} words/min`,
  ].join('\n');
}
