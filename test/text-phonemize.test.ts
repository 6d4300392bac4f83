import { describe, expect, it } from 'vitest';
import { phonemize, textToPhonemeIds, resolveLanguage } from '../src/text/phonemize.js';
import { parseLexicon } from '../src/text/lexicon.js';
import { SYMBOLS, phonemesToIds, idsToPhonemes, splitSymbols, PAD_ID, BOS_ID, EOS_ID, SEP_ID } from '../src/text/symbols.js';
import { ParlaError } from '../src/errors.js';

describe('phonemize', () => {
  it.each([
    ['Hello there.', 'həlˈoʊ ðˈɛɹ.'],
    ['The quick brown fox jumps over the lazy dog.', 'ðə kwˈɪk bɹˈaʊn fˈɑːks dʒˈʌmps ˌoʊvɚ ðə lˈeɪzi dˈɑːɡ.'],
    ['Yes, no; maybe?', 'jˈɛs, nˈoʊ; mˈeɪbiː?'],
    ['Wait... what?!', 'wˈeɪt. wˈʌt?'],
    ['"Quoted," she said.', 'kwˈoʊɾᵻd, ʃiː sˈɛd.'],
  ])('%s -> %s', async (text, expected) => {
    expect(await phonemize(text)).toBe(expected);
  });

  it('keeps punctuation as symbols between clauses', async () => {
    const p = await phonemize('One, two. Three!');
    expect(p.match(/[.,!]/g)).toEqual([',', '.', '!']);
  });

  it('maps every phoneme of real prose into the vocabulary', async () => {
    const text = 'It was the best of times, it was the worst of times; Sherlock Holmes smiled, and Watson sighed.';
    const { phonemes, ids } = await textToPhonemeIds(text);
    expect(ids.length).toBe(Array.from(phonemes).length);
    expect(idsToPhonemes(ids)).toBe(phonemes);
  });

  it('caches: a repeated clause returns the same phonemes quickly', async () => {
    const first = await phonemize('A sentence to cache.');
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) await phonemize('A sentence to cache.');
    expect(await phonemize('A sentence to cache.')).toBe(first);
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('supports British English', async () => {
    expect(await phonemize('tomato', { language: 'en-gb' })).not.toBe(await phonemize('tomato', { language: 'en-us' }));
  });

  it.each(['fr', 'de', 'zh', 'xx'])('rejects non-English language %s, naming English', (lang) => {
    expect(() => resolveLanguage(lang)).toThrow(/English only/);
  });

  it.each(['', '   ', '...', '?!', '"" ()'])('text with nothing to say (%j) is an empty_input error', async (text) => {
    await expect(textToPhonemeIds(text)).rejects.toMatchObject({ code: 'empty_input' });
  });
});

describe('lexicon', () => {
  const lexicon = parseLexicon(['# names', 'Parla  /pˈɛɹlɑː/', 'GIF jif', 'nginx engine-x'].join('\n'));

  it('applies IPA entries verbatim and respellings through espeak', async () => {
    expect(await phonemize('Parla speaks.', { lexicon })).toBe(`pˈɛɹlɑː ${await phonemize('speaks')}.`);
    expect(await phonemize('A GIF file', { lexicon })).toBe(await phonemize('A jif file'));
    expect(await phonemize('run nginx', { lexicon })).toBe(await phonemize('run engine-x'));
  });

  it('matches whole words only, case-insensitively', async () => {
    expect(await phonemize('parla', { lexicon })).toBe('pˈɛɹlɑː');
    expect(await phonemize('Parlance', { lexicon })).toBe(await phonemize('Parlance'));
  });

  it.each([
    ['lonely', /line:1: expected "word replacement"/],
    ['!!! bang', /"!!!" is not a single word/],
    ['word /q☃/', /outside the vocabulary/],
  ])('rejects bad line %j', (line, message) => {
    expect(() => parseLexicon(line, 'line')).toThrow(message);
  });
});

describe('symbols', () => {
  it('has fixed special ids', () => {
    expect([PAD_ID, BOS_ID, EOS_ID, SEP_ID].map((i) => SYMBOLS[i])).toEqual(['<pad>', '<bos>', '<eos>', '<sep>']);
    expect(new Set(SYMBOLS).size).toBe(SYMBOLS.length);
  });

  it('reports unknown symbols by name instead of dropping them', () => {
    expect(splitSymbols('ab☃').unknown).toEqual(['☃']);
    expect(() => phonemesToIds('hə☃lo')).toThrow(ParlaError);
    expect(() => phonemesToIds('hə☃lo')).toThrow(/U\+2603/);
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => idsToPhonemes([1, 9999])).toThrow(/9999/);
  });
});
