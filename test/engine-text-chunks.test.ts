/** Text -> synthesis chunks: a short first chunk at a natural break, a ramp after it, nothing lost or reordered, lazy phonemes. */
import { describe, expect, it } from 'vitest';
import { FIRST_MIN_UNITS, RAMP } from '../src/engine/first-chunk.js';
import { chunkText, phonemizeChunk, planChunks } from '../src/engine/text-chunks.js';
import { normalizeText } from '../src/text/normalize.js';
import { parlaError } from './engine-helpers.js';

const DICKENS =
  'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, it was the epoch of belief. Short one. Another sentence follows here.';

const texts = (text: string, max = 150, first = 40): string[] => planChunks(text, { maxPhonemes: max, firstMaxPhonemes: first }).map((c) => c.text);
const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);

describe('chunkText', () => {
  it.each([
    ['short text: one chunk', 'Hi there. Bye.', 150, 40, ['Hi there. Bye.']],
    ['long first sentence: the first chunk ends at its first comma, the next ones ramp up', DICKENS, 150, 40, [
      'It was the best of times,',
      'it was the worst of times, it was the age of wisdom, it was the age of foolishness,',
      'it was the epoch of belief. Short one. Another sentence follows here.',
    ]],
    ['no special first chunk when its budget is the whole budget (audiobooks)', DICKENS, 150, 150, [
      'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, it was the epoch of belief. Short one.',
      'Another sentence follows here.',
    ]],
    ['one sentence per chunk under a small budget', 'One sentence here. Another sentence there.', 25, 25, ['One sentence here.', 'Another sentence there.']],
    ['numbers are normalized first', 'It costs $5.', 150, 40, ['It costs five dollars.']],
  ])('%s', async (_name, text, max, first, expected) => {
    const chunks = await chunkText(text, { maxPhonemes: max, firstMaxPhonemes: first });
    expect(chunks.map((c) => c.text)).toEqual(expected);
    for (const c of chunks) {
      expect(c.ids.length).toBeGreaterThan(0);
      expect(c.phonemes.length).toBeGreaterThan(0);
    }
  });

  it.each([
    ['empty', ''],
    ['whitespace', ' \n '],
    ['punctuation only', '?! ...'],
  ])('%s text -> empty_input', async (_name, text) => {
    expect((await parlaError(() => chunkText(text, { maxPhonemes: 150 }))).code).toBe('empty_input');
  });
});

describe('first chunk', () => {
  it.each([
    ['the first comma past a few words', 'According to the report, sales rose sharply in the third quarter.', 'According to the report,'],
    ['a comma too early is passed over', 'Well, I think we could meet tomorrow, if you like.', 'Well, I think we could meet tomorrow,'],
    ['a short sentence alone', 'He opened the letter. It was from his brother, who lived far away.', 'He opened the letter.'],
    ['short sentences together until a few words', 'Yes. No. Perhaps, if the weather holds, we could go.', 'Yes. No. Perhaps,'],
    ['a semicolon or a dash is a break too', 'The rain had stopped; the streets were still wet and shining.', 'The rain had stopped;'],
    ['a short text whole', 'Hi there, streaming.', 'Hi there, streaming.'],
    ['no break: cut between words before a phrase starter', 'The old lighthouse stood on the rocks for more than a century and nobody ever asked why.', 'The old lighthouse stood'],
    ['no break: never after a word that leans on the next', 'My grandmother kept a small garden behind the house full of herbs and tomatoes and beans.', 'My grandmother kept'],
    ['a break before a short tail beats a cut between words', 'It was a dark and stormy night, she sighed.', 'It was a dark and stormy night,'],
    ['a word longer than the budget stands alone, never cut', `${'x'.repeat(50)} is long.`, 'x'.repeat(50)],
  ])('%s', (_name, text, first) => {
    expect(texts(text)[0]).toBe(first);
  });

  it('keeps every word in order, whatever the cut', () => {
    for (const text of [DICKENS, 'The old lighthouse stood on the rocks for more than a century and nobody ever asked why.', 'Hello there, my good friend.']) {
      const chunks = texts(normalizeText(text));
      expect(words(chunks.join(' '))).toEqual(words(normalizeText(text)));
      expect(Array.from(chunks[0]).length).toBeGreaterThanOrEqual(FIRST_MIN_UNITS);
    }
  });

  it('marks cuts between words (joined without a pause), not cuts at punctuation or the last chunk', () => {
    const cut = planChunks('The old lighthouse stood on the rocks for more than a century and nobody ever asked why.', { maxPhonemes: 150, firstMaxPhonemes: 40 });
    expect(cut.map((c) => c.midPhrase)).toEqual([true, false]);
    const comma = planChunks('According to the report, sales rose sharply in the third quarter.', { maxPhonemes: 150, firstMaxPhonemes: 40 });
    expect(comma.map((c) => c.midPhrase)).toEqual([false, false]);
  });

  it(`grows the chunks after the first by at most ${RAMP}x while natural breaks allow`, () => {
    const text = 'Before you begin, make sure that the power cable is unplugged. Remove the four screws on the back panel and lift the cover gently. The fan sits in the upper corner, held in place by two plastic clips that break easily.';
    const chunks = texts(text);
    expect(chunks[0]).toBe('Before you begin,');
    for (let i = 1; i < chunks.length - 1; i++) expect(chunks[i].length).toBeLessThanOrEqual(Math.max(40, RAMP * chunks[i - 1].length));
    expect(chunks.length).toBeGreaterThan(2);
  });
});

describe('lazy phonemes', () => {
  it('planning is synchronous and phonemizes nothing; each chunk is phonemized on its own', async () => {
    const planned = planChunks(DICKENS, { maxPhonemes: 150, firstMaxPhonemes: 40 });
    expect(planned.every((c) => typeof c.text === 'string')).toBe(true);
    const first = await phonemizeChunk(planned[0], {});
    const all = await chunkText(DICKENS, { maxPhonemes: 150, firstMaxPhonemes: 40 });
    expect(first).toEqual(all[0]);
  });

  it('a chunk with nothing to pronounce gives null, not an error', async () => {
    expect(await phonemizeChunk({ text: '...', midPhrase: false }, {})).toBeNull();
  });
});
