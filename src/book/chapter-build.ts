/** Turns reader output (titled runs of text blocks) into the final numbered chapters every reader returns. */
import { classifyMatter, GUTENBERG_END, GUTENBERG_START } from './front-matter.js';
import type { Chapter, TextBlock } from './types.js';

/** A chapter as a reader found it, before clean-up. */
export interface RawChapter {
  title: string;
  blocks: TextBlock[];
  /** The reader already knows (e.g. text before the first table-of-contents entry). */
  matter?: 'front' | 'back';
}

/** Letters and digits only, lower case: "CHAPTER I. Down the Rabbit-Hole" ~ "Down The Rabbit-Hole". */
const squash = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/** Removes leading headings that repeat the chapter title, so the title is spoken once. */
function dropTitleHeadings(title: string, blocks: TextBlock[]): TextBlock[] {
  const t = squash(title);
  let i = 0;
  while (i < blocks.length && blocks[i].kind === 'heading') {
    const h = squash(blocks[i].text);
    if (!h || !t || !(t.includes(h) || h.includes(t))) break;
    i++;
  }
  return blocks.slice(i);
}

/**
 * Splits Project Gutenberg boilerplate out of the chapters that carry it: everything up to the START marker becomes
 * a front-matter chapter, everything from the END marker on (license included) back matter.
 */
function splitGutenberg(raw: RawChapter[]): RawChapter[] {
  const out: RawChapter[] = [];
  let afterEnd = false;
  for (const ch of raw) {
    if (afterEnd) {
      out.push({ ...ch, matter: 'back' });
      continue;
    }
    let blocks = ch.blocks;
    const start = blocks.findIndex((b) => GUTENBERG_START.test(b.text));
    if (start >= 0) {
      out.push({ title: 'Project Gutenberg header', blocks: blocks.slice(0, start + 1), matter: 'front' });
      blocks = blocks.slice(start + 1);
    }
    const end = blocks.findIndex((b) => GUTENBERG_END.test(b.text));
    if (end >= 0) {
      out.push({ ...ch, blocks: blocks.slice(0, end) });
      out.push({ title: 'Project Gutenberg license', blocks: blocks.slice(end), matter: 'back' });
      afterEnd = true;
      continue;
    }
    out.push({ ...ch, blocks });
  }
  return out;
}

/** Numbers chapters from 1, drops empty ones, flags front/back matter. */
export function finalizeChapters(raw: RawChapter[]): Chapter[] {
  const chapters: Chapter[] = [];
  for (const ch of splitGutenberg(raw)) {
    const blocks = dropTitleHeadings(ch.title, ch.blocks);
    if (!blocks.length) continue;
    const matter = ch.matter ?? classifyMatter(ch.title, blocks.map((b) => b.semantics));
    const chapter: Chapter = { index: chapters.length + 1, title: ch.title, paragraphs: blocks.map((b) => b.text) };
    if (matter === 'front') chapter.isFrontMatter = true;
    if (matter === 'back') chapter.isBackMatter = true;
    chapters.push(chapter);
  }
  return chapters;
}

/** Blocks of plain paragraphs, for readers without markup. */
export const paragraphBlocks = (paragraphs: string[]): TextBlock[] =>
  paragraphs.map((text) => ({ kind: 'paragraph', text, semantics: [] }));
