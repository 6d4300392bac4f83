/** Text -> synthesis chunks: sentence packing under the phoneme budget, a smaller first chunk, nothing lost or reordered. */
import { describe, expect, it } from 'vitest';
import { chunkText } from '../src/engine/text-chunks.js';
import { parlaError } from './engine-helpers.js';

const DICKENS =
  'It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, it was the epoch of belief. Short one. Another sentence follows here.';

describe('chunkText', () => {
  it.each([
    ['short text: one chunk', 'Hi there. Bye.', 150, 60, ['Hi there. Bye.']],
    ['long first sentence: cut at a clause for the first chunk only', DICKENS, 150, 60, [
      'It was the best of times, it was the worst of times,',
      'it was the age of wisdom, it was the age of foolishness, it was the epoch of belief. Short one. Another sentence follows here.',
    ]],
    ['one sentence per chunk under a small budget', 'One sentence here. Another sentence there.', 25, 25, ['One sentence here.', 'Another sentence there.']],
    ['numbers are normalized first', 'It costs $5.', 150, 60, ['It costs five dollars.']],
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
