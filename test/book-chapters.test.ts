// Chapter specs (`--chapters`), selection with front/back matter skipping, and the `--list` table.
import { describe, expect, it } from 'vitest';
import { formatChapterList, parseChapterSpec, selectChapters } from '../src/book/chapter-select.js';
import type { Book } from '../src/book/types.js';
import { isParlaError } from '../src/errors.js';

const book: Book = {
  title: 'Spec Book',
  author: 'A. Uthor',
  chapters: [
    { index: 1, title: 'Title Page', paragraphs: ['Spec Book'], isFrontMatter: true },
    { index: 2, title: 'One', paragraphs: ['word '.repeat(310).trim()] },
    { index: 3, title: 'Two', paragraphs: ['a b c', 'd e'] },
    { index: 4, title: 'Three', paragraphs: ['x'] },
    { index: 5, title: 'Four', paragraphs: ['y'] },
    { index: 6, title: 'License', paragraphs: ['legal'], isBackMatter: true },
  ],
};

describe('parseChapterSpec', () => {
  it.each([
    ['3', [3]],
    ['3-5', [3, 4, 5]],
    ['1,3,5-', [1, 3, 5, 6]],
    ['-2', [1, 2]],
    [' 2 - 3 , 6 ', [2, 3, 6]],
    ['5,2,2-3', [2, 3, 5]],
    ['all', [1, 2, 3, 4, 5, 6]],
    ['ALL', [1, 2, 3, 4, 5, 6]],
  ])('%j -> %j', (spec, expected) => {
    expect(parseChapterSpec(spec, 6).map((c) => c.index)).toEqual(expected);
  });

  it.each([
    ['', /chapter spec "": empty; valid chapters are 1-6/],
    ['7', /chapter 7 does not exist; valid chapters are 1-6/],
    ['0', /chapter 0 does not exist/],
    ['5-3', /range 5-3 is empty \(starts after it ends\); valid chapters are 1-6/],
    ['2-9', /chapter 9 does not exist/],
    ['two', /"two" is not a chapter number or range/],
    ['1,,2', /empty item between commas/],
    ['-', /"-" has neither start nor end/],
    ['1.5', /"1\.5" is not a chapter number/],
  ])('%j -> invalid_input naming the spec and the valid range', (spec, message) => {
    let err: unknown;
    try {
      parseChapterSpec(spec, 6);
    } catch (e) {
      err = e;
    }
    expect(isParlaError(err) && err.code === 'invalid_input' && err.param === 'chapters').toBe(true);
    expect((err as Error).message).toMatch(message);
  });
});

describe('selectChapters', () => {
  const titles = (spec?: string, includeMatter?: boolean): string[] => selectChapters(book, spec, { includeMatter }).map((c) => c.title);

  it('skips front and back matter by default and in ranges', () => {
    expect(titles()).toEqual(['One', 'Two', 'Three', 'Four']);
    expect(titles('1-3')).toEqual(['One', 'Two']);
  });

  it('includes matter named by number, or everything with includeMatter', () => {
    expect(titles('1,3')).toEqual(['Title Page', 'Two']);
    expect(titles('all', true)).toEqual(['Title Page', 'One', 'Two', 'Three', 'Four', 'License']);
  });

  it('a spec that selects only matter through a range is an error, not an empty audiobook', () => {
    expect(() => selectChapters(book, '6-')).toThrow(/chapter spec "6-" selects only front\/back matter/);
  });
});

describe('formatChapterList', () => {
  it('lists number, words, minutes at 155 words/min, title and skipped matter', () => {
    expect(formatChapterList(book).split('\n')).toEqual([
      'Spec Book by A. Uthor',
      '   #    words     min  title',
      '   1        2     0.0  Title Page  (front matter, skipped)',
      '   2      310     2.0  One',
      '   3        5     0.0  Two',
      '   4        1     0.0  Three',
      '   5        1     0.0  Four',
      '   6        1     0.0  License  (back matter, skipped)',
      '6 chapters; 317 words read by default, about 2 min at 155 words/min',
    ]);
  });
});
