// Sentence splitting on raw and normalized text, and packing sentences into chunks under a budget.
import { describe, expect, it } from 'vitest';
import { ParlaError } from '../src/errors.js';
import { normalizeText } from '../src/text/normalize.js';
import { chunkSentences, splitSentences } from '../src/text/split.js';

const sentenceCases: Array<[input: string, expected: string[]]> = [
  ['Hello world. How are you?', ['Hello world.', 'How are you?']],
  ['One! Two? Three.', ['One!', 'Two?', 'Three.']],
  ['No final punctuation', ['No final punctuation']],
  ['Dr. Smith went to Washington. He arrived late.', ['Dr. Smith went to Washington.', 'He arrived late.']],
  ['Mr. and Mrs. Jones arrived.', ['Mr. and Mrs. Jones arrived.']],
  ['Prof. Lee and Gen. Grant met at St. Paul Cathedral.', ['Prof. Lee and Gen. Grant met at St. Paul Cathedral.']],
  ['He lives on Main St. Then he moved.', ['He lives on Main St.', 'Then he moved.']],
  ['See e.g. the appendix. Also i.e. this.', ['See e.g. the appendix.', 'Also i.e. this.']],
  ['Apples, pears, etc. are fruit.', ['Apples, pears, etc. are fruit.']],
  ['We sell apples, pears, etc. The end.', ['We sell apples, pears, etc.', 'The end.']],
  ['I live in the U.S.A. It is big.', ['I live in the U.S.A.', 'It is big.']],
  ['The U.S. Army is large.', ['The U.S. Army is large.']],
  ['John F. Kennedy was president.', ['John F. Kennedy was president.']],
  ['So did I. Then we left.', ['So did I.', 'Then we left.']],
  ['Pi is 3.14. That is all.', ['Pi is 3.14.', 'That is all.']],
  ['It costs $42.50 today. Buy it.', ['It costs $42.50 today.', 'Buy it.']],
  ['He arrived at 3 p.m. Then he left.', ['He arrived at 3 p.m.', 'Then he left.']],
  ['It is No. 5 on the list.', ['It is No. 5 on the list.']],
  ['He said no. Then he left.', ['He said no.', 'Then he left.']],
  ['"Hello." she said.', ['"Hello." she said.']],
  ['"Hello!" she said. "Goodbye!" He left.', ['"Hello!" she said.', '"Goodbye!"', 'He left.']],
  ['He said "Stop." Then he went.', ['He said "Stop."', 'Then he went.']],
  ['“Really?” he asked. Yes.', ['“Really?” he asked.', 'Yes.']],
  ['(See the note.) Next comes more.', ['(See the note.)', 'Next comes more.']],
  ['Wait... what? No!', ['Wait... what?', 'No!']],
  ["I don't know… Maybe.", ["I don't know…", 'Maybe.']],
  ['What?! Really!!', ['What?!', 'Really!!']],
  ['First paragraph\n\nSecond paragraph.', ['First paragraph', 'Second paragraph.']],
  ['A line that wraps\nin the middle of a sentence.', ['A line that wraps in the middle of a sentence.']],
  ['Chapter IV\nIt was a dark night and the wind was blowing hard across the moor.', ['Chapter IV', 'It was a dark night and the wind was blowing hard across the moor.']],
  ['Shopping:\n- milk\n- eggs', ['Shopping:', '- milk', '- eggs']],
  ['Windows line\r\n\r\nendings.', ['Windows line', 'endings.']],
  ['   lots   of\t\tspace .  ', ['lots of space .']],
  ['', []],
  ['   \n\n  ', []],
  ['... !!! ???', []],
  ['🙂 😀', []],
  ['Version 2. Then 3.', ['Version 2.', 'Then 3.']],
];

describe('splitSentences', () => {
  it.each(sentenceCases)('%j', (input, expected) => {
    expect(splitSentences(input)).toEqual(expected);
  });

  it('works on normalized text too', () => {
    const raw = 'Dr. Smith paid $42.50 on May 3, 2021. He left at 5 p.m. Then the U.S. Army came, e.g. tanks.';
    expect(splitSentences(normalizeText(raw))).toEqual([
      'Doctor Smith paid forty-two dollars and fifty cents on May third, twenty twenty-one.',
      'He left at five p-m.',
      'Then the U-S Army came, for example tanks.',
    ]);
  });

  it('never loses or reorders words', () => {
    const text = 'Mr. A. B. Smith Jr. met Dr. Who at 10 a.m. on Jan. 5. "Why?" he asked... Nobody knew! The end';
    const words = (s: string) => s.split(/\s+/).filter(Boolean);
    expect(splitSentences(text).flatMap(words)).toEqual(words(text));
  });

  it('rejects what is not a string, naming the parameter', () => {
    expect(() => splitSentences(undefined as unknown as string)).toThrow(ParlaError);
    try {
      splitSentences(5 as unknown as string);
    } catch (err) {
      expect((err as ParlaError).param).toBe('text');
    }
  });

  it('splits a book-sized text quickly', () => {
    const book = 'Dr. Smith said hello. "Really?" she asked... Then, at 3.14 p.m., they left!\n\n'.repeat(12_000);
    const started = performance.now();
    const sentences = splitSentences(book);
    expect(sentences.length).toBe(12_000 * 3);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

const length = (s: string) => s.length;

describe('chunkSentences', () => {
  it('packs whole sentences up to the budget', () => {
    const sentences = ['One two three.', 'Four five.', 'Six.', 'Seven eight nine ten eleven.'];
    expect(chunkSentences(sentences, { maxUnits: 30, measure: length })).toEqual([
      'One two three. Four five. Six.',
      'Seven eight nine ten eleven.',
    ]);
  });

  it.each([
    [
      'clause punctuation first',
      'The first clause is here, the second follows; the third ends it.',
      26,
      ['The first clause is here,', 'the second follows;', 'the third ends it.'],
    ],
    [
      'a dash as a clause break',
      'He waited — and waited — for hours and hours.',
      24,
      ['He waited — and waited —', 'for hours and hours.'],
    ],
    [
      'word boundaries when no clause fits',
      'Supercalifragilistic words keep coming and coming',
      20,
      ['Supercalifragilistic', 'words keep coming', 'and coming'],
    ],
    [
      'a word longer than the budget stands alone, whole',
      'a Pneumonoultramicroscopicsilicovolcanoconiosis b',
      10,
      ['a', 'Pneumonoultramicroscopicsilicovolcanoconiosis', 'b'],
    ],
  ] as Array<[string, string, number, string[]]>)('splits an over-long sentence: %s', (_name, sentence, maxUnits, expected) => {
    const chunks = chunkSentences([sentence], { maxUnits, measure: length });
    expect(chunks).toEqual(expected);
    expect(chunks.join(' ')).toBe(sentence);
  });

  it('keeps every chunk within budget and every word, with a phoneme-like measure', () => {
    const text = normalizeText(
      'On May 3, 2021, Dr. Smith paid $42.50 for apples. It was, by all accounts, a remarkably long, winding, ' +
        'and—some said—needlessly complicated purchase; still, he was happy. The end.',
    );
    const vowels = (s: string) => (s.match(/[aeiouy]/gi) ?? []).length; // stands in for a phoneme count
    const chunks = chunkSentences(splitSentences(text), { maxUnits: 20, measure: vowels });
    for (const chunk of chunks) expect(vowels(chunk)).toBeLessThanOrEqual(20);
    expect(chunks.join(' ').split(' ')).toEqual(splitSentences(text).join(' ').split(' '));
  });

  it('returns nothing for nothing', () => {
    expect(chunkSentences([], { maxUnits: 10, measure: length })).toEqual([]);
    expect(chunkSentences(['', '   '], { maxUnits: 10, measure: length })).toEqual([]);
  });

  it.each([
    ['maxUnits', { maxUnits: 0, measure: length }],
    ['maxUnits', { maxUnits: Number.NaN, measure: length }],
    ['maxUnits', { maxUnits: Number.POSITIVE_INFINITY, measure: length }],
    ['measure', { maxUnits: 10, measure: 'length' }],
    ['measure', { maxUnits: 10, measure: () => Number.NaN }],
    ['measure', { maxUnits: 10, measure: () => -1 }],
  ] as Array<[string, unknown]>)('rejects a bad %s', (param, opts) => {
    let caught: unknown;
    try {
      chunkSentences(['Some text here.'], opts as Parameters<typeof chunkSentences>[1]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ParlaError);
    expect((caught as ParlaError).code).toBe('invalid_input');
    expect((caught as ParlaError).param).toBe(param);
  });
});
