import { describe, expect, it } from 'vitest';
import { normalizeForScoring } from '../src/eval/score-text.js';
import { alignTokens, charErrors, corpusErrors, wordErrors } from '../src/eval/wer.js';

describe('wordErrors', () => {
  const cases: Array<[string, string, string, { s: number; d: number; i: number; n: number }]> = [
    ['identical', 'the cat sat on the mat', 'the cat sat on the mat', { s: 0, d: 0, i: 0, n: 6 }],
    ['one substitution', 'the cat sat on the mat', 'the cat sat on the hat', { s: 1, d: 0, i: 0, n: 6 }],
    ['one deletion', 'the cat sat on the mat', 'the cat on the mat', { s: 0, d: 1, i: 0, n: 6 }],
    ['one insertion', 'the cat sat on the mat', 'the black cat sat on the mat', { s: 0, d: 0, i: 1, n: 6 }],
    ['mixed edits', 'a b c d e', 'z a x c e', { s: 1, d: 1, i: 1, n: 5 }],
    ['all deleted', 'one two three', '', { s: 0, d: 3, i: 0, n: 3 }],
    ['all wrong', 'one two', 'three four five', { s: 2, d: 0, i: 1, n: 2 }],
    ['case and punctuation ignored', "Lord, but I'm glad!", "lord but i'm glad", { s: 0, d: 0, i: 0, n: 4 }],
    ['apostrophe kept inside words', "don't stop", 'dont stop', { s: 1, d: 0, i: 0, n: 2 }],
    ['digits read as the ASR writes them', 'Chapter 3 had 21 pages.', 'chapter three had twenty one pages', { s: 0, d: 0, i: 0, n: 6 }],
  ];
  it.each(cases)('%s', (_name, ref, hyp, want) => {
    const got = wordErrors(ref, hyp);
    expect({ s: got.substitutions, d: got.deletions, i: got.insertions, n: got.refLength }).toEqual(want);
    expect(got.errors).toBe(want.s + want.d + want.i);
    expect(got.rate).toBeCloseTo((want.s + want.d + want.i) / want.n, 12);
  });

  it('gives 0 for two empty texts and Infinity for words against an empty reference', () => {
    expect(wordErrors('', '').rate).toBe(0);
    expect(wordErrors('...', 'hello').rate).toBe(Infinity);
    expect(wordErrors('...', 'hello').insertions).toBe(1);
  });
});

describe('charErrors', () => {
  const cases: Array<[string, string, { s: number; d: number; i: number; n: number }]> = [
    ['kitten', 'kitten', { s: 0, d: 0, i: 0, n: 6 }],
    ['kitten', 'sitting', { s: 2, d: 0, i: 1, n: 6 }],
    ['flaw', 'lawn', { s: 0, d: 1, i: 1, n: 4 }],
    ['a cat', 'a bat', { s: 1, d: 0, i: 0, n: 5 }], // the space is a character
    ['A, cat!', 'a  cat', { s: 0, d: 0, i: 0, n: 5 }],
  ];
  it.each(cases)('%s -> %s', (ref, hyp, want) => {
    const got = charErrors(ref, hyp);
    expect({ s: got.substitutions, d: got.deletions, i: got.insertions, n: got.refLength }).toEqual(want);
  });
});

describe('alignTokens', () => {
  it('equals the Levenshtein distance on random token strings', () => {
    const naive = (a: number[], b: number[]): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      return d[a.length][b.length];
    };
    let seed = 7;
    const rand = (n: number): number => { seed = (seed * 48271) % 2147483647; return seed % n; };
    for (let trial = 0; trial < 200; trial++) {
      const a = Array.from({ length: rand(9) }, () => rand(4));
      const b = Array.from({ length: rand(9) }, () => rand(4));
      const got = alignTokens(a, b);
      expect(got.errors).toBe(naive(a, b));
      // Every reference token is matched, substituted or deleted; every hypothesis token matched, substituted or inserted.
      expect(got.refLength - got.deletions).toBe(b.length - got.insertions);
    }
  });
});

describe('corpusErrors', () => {
  it('pools errors over reference words instead of averaging per-utterance rates', () => {
    const pooled = corpusErrors([wordErrors('a b c d', 'a b c d'), wordErrors('x', 'y')]);
    expect(pooled).toMatchObject({ errors: 1, substitutions: 1, refLength: 5 });
    expect(pooled.rate).toBeCloseTo(0.2, 12);
  });
  it('is 0 over no utterances', () => {
    expect(corpusErrors([]).rate).toBe(0);
  });
});

describe('normalizeForScoring', () => {
  const cases: Array<[string, string]> = [
    ["Lord, but I'm glad to see you again, Phil.", "lord but i'm glad to see you again phil"],
    ['Dr. Smith\u2019s well-known A/B test!', "doctor smith's well known a or b test"],
    ["'Quoted' words", 'quoted words'],
    ['  \n\t ', ''],
    ['ÉCOLE Über', 'école über'],
    ['It cost $5 in 1999.', 'it cost five dollars in nineteen ninety nine'],
    ['The FBI agent', 'the fbi agent'],
  ];
  it.each(cases)('%j', (input, want) => {
    expect(normalizeForScoring(input)).toBe(want);
  });
});
