/** The shapes every book reader returns and every later stage (selection, synthesis, muxing) consumes. */

/** One chapter as it will be read aloud. */
export interface Chapter {
  /** 1-based position in `Book.chapters`; the number `--list` shows and `--chapters` selects. */
  index: number;
  /** Title from the table of contents or heading; spoken at the chapter start and written as the m4b chapter marker. */
  title: string;
  /**
   * Body text, one string per paragraph, whitespace collapsed to single spaces. A leading heading that repeats
   * the title is removed so the title is spoken once; other headings stay as paragraphs of their own.
   */
  paragraphs: string[];
  /** Cover, title page, copyright, contents, Project Gutenberg header: skipped unless selected explicitly. */
  isFrontMatter?: boolean;
  /** Index, colophon, Project Gutenberg license: skipped unless selected explicitly. */
  isBackMatter?: boolean;
}

export interface Cover {
  data: Buffer;
  /** e.g. `image/jpeg`, `image/png`. */
  mime: string;
}

export interface Book {
  title: string;
  author?: string;
  /** BCP 47 tag as the book declares it, e.g. `en-US`. */
  language?: string;
  cover?: Cover;
  chapters: Chapter[];
}

/** A run of text from an (X)HTML document: a heading or one paragraph-like block. */
export interface TextBlock {
  kind: 'heading' | 'paragraph';
  /** 1..6 for headings. */
  level?: number;
  text: string;
  /** `epub:type` / `role` tokens of the block and its ancestors (e.g. `frontmatter`, `copyright-page`), for front/back matter detection. */
  semantics: string[];
}
