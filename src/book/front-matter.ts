/** Recognises front and back matter (cover, title page, copyright, contents, Project Gutenberg boilerplate) so it can be skipped. */

/** EPUB 3 structural semantics (epub:type / DPUB-ARIA role) that are never part of the story. */
const FRONT_SEMANTICS = new Set([
  'cover', 'titlepage', 'halftitlepage', 'copyright-page', 'toc', 'imprint', 'imprimatur', 'landmarks', 'loi', 'lot',
  'seriespage', 'other-credits', 'credits', 'frontispiece',
]);
const BACK_SEMANTICS = new Set(['index', 'colophon', 'endnotes', 'rearnotes', 'footnotes', 'errata']);

const FRONT_TITLE =
  /^(cover( page| image)?|title( page)?|half[- ]?title( page)?|copyright( page)?|(table of )?contents|toc|imprint|frontispiece|(also|other books|books|more) by .+|praise for .+|list of (illustrations|figures|tables|plates)|illustrations)$/i;
const BACK_TITLE =
  /^(index|colophon|about the (publisher|e-?book)|end ?notes|foot ?notes|(the )?full project gutenberg licen[cs]e|project gutenberg.*licen[cs]e.*|licen[cs]e)$/i;

/** Markers Project Gutenberg puts around the book text (both "THE" and "THIS", EBOOK and E-BOOK spellings occur). */
export const GUTENBERG_START = /\*{3}\s*START OF (THE|THIS) PROJECT GUTENBERG E-?BOOK/i;
export const GUTENBERG_END = /\*{3}\s*END OF (THE|THIS) PROJECT GUTENBERG E-?BOOK|^End of (the )?Project Gutenberg'?s? /i;

/** Strip numbering and punctuation so "I. Contents:" compares as "contents". */
function normalizeTitle(title: string): string {
  return title.trim().replace(/^(\d+|[ivxlc]+)[.:)]\s+/i, '').replace(/[\s.:;,!?'"“”‘’]+$/, '');
}

export type MatterKind = 'front' | 'back' | undefined;

/**
 * Classifies a chapter from its title and the semantics of its blocks.
 * @param semantics epub:type/role tokens of the chapter's blocks (any block carrying a front-matter token counts only
 *   when most blocks do, so one copyright line inside a story chapter does not hide the chapter).
 */
export function classifyMatter(title: string, semantics: string[][]): MatterKind {
  const t = normalizeTitle(title);
  if (FRONT_TITLE.test(t)) return 'front';
  if (BACK_TITLE.test(t)) return 'back';
  if (!semantics.length) return undefined;
  const share = (set: Set<string>): number => semantics.filter((s) => s.some((x) => set.has(x))).length / semantics.length;
  if (share(FRONT_SEMANTICS) > 0.5) return 'front';
  if (share(BACK_SEMANTICS) > 0.5) return 'back';
  return undefined;
}
