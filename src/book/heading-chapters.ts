/** Cuts a run of text blocks (from HTML or rendered Markdown) into chapters at headings of one level. */
import type { RawChapter } from './chapter-build.js';
import type { TextBlock } from './types.js';

export interface HeadingSplit {
  /** The single top-level heading above the chapter level, taken as the book's title. */
  bookTitle?: string;
  chapters: RawChapter[];
}

/**
 * The chapter level, when not given: the highest level (smallest number) used at least twice, so a lone `# Title`
 * over `## Chapter` headings makes `##` the chapter level. Undefined when no level repeats.
 */
export function chapterLevel(blocks: TextBlock[]): number | undefined {
  const counts = new Map<number, number>();
  for (const b of blocks) if (b.kind === 'heading') counts.set(b.level!, (counts.get(b.level!) ?? 0) + 1);
  return [...counts.keys()].sort((a, b) => a - b).find((level) => counts.get(level)! >= 2);
}

/** @param level heading level 1..6 that starts a chapter; auto-detected when omitted. */
export function splitAtHeadings(blocks: TextBlock[], level = chapterLevel(blocks)): HeadingSplit {
  const isChapter = (b: TextBlock): boolean => b.kind === 'heading' && b.level === level;
  const first = blocks.findIndex(isChapter);
  const above = blocks.slice(0, first < 0 ? blocks.length : first).filter((b) => b.kind === 'heading' && b.level! < (level ?? 7));
  const bookTitle = above.length === 1 ? above[0].text : undefined;
  if (first < 0) return { bookTitle, chapters: [{ title: bookTitle ?? blocks.find((b) => b.kind === 'heading')?.text ?? 'Text', blocks }] };

  const chapters: RawChapter[] = [];
  // Text before the first chapter heading (a preface under the title) is a chapter of its own.
  const prefix = blocks.slice(0, first);
  if (prefix.length) chapters.push({ title: bookTitle ?? prefix.find((b) => b.kind === 'heading')?.text ?? 'Opening', blocks: prefix });
  for (let i = first; i < blocks.length; ) {
    let j = i + 1;
    while (j < blocks.length && !isChapter(blocks[j])) j++;
    chapters.push({ title: blocks[i].text, blocks: blocks.slice(i + 1, j) });
    i = j;
  }
  return { bookTitle, chapters };
}
