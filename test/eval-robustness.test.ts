import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/decode.js';
import { checkLoops, loopHeard, textRepeats } from '../src/eval/loops.js';
import { findPocketsphinx, transcribe } from '../src/eval/asr.js';
import {
  checkClipping,
  checkDuration,
  checkRobustness,
  checkSilence,
  countPhonemes,
  expectedDurationSeconds,
  MAX_CLIPPED_RATIO,
} from '../src/eval/robustness.js';
import { whiteNoise } from '../src/eval/signals.js';
import { sharedDataDir } from '../src/eval/shared-data.js';

// "Not at this particular case, Tom, apologized Whittemore." read by Kathleen (3.9 s).
const CLIP = path.join(sharedDataDir(), 'kathleen', 'audio', 'arctic_a0002_1592748530.opus');
// espeak-ng en-us for the sentence above, as the npm phonemizer writes it.
const IPA = 'nˌɑːt æt ðɪs pɚtˈɪkjʊlɚ kˈeɪs tˈɑːm ɐpˈɑːlədʒˌaɪzd wˈɪɾɪmˌoːɹ';
let speech: Float32Array;

beforeAll(async () => {
  speech = await decodeAudio(CLIP);
});

describe('countPhonemes', () => {
  it.each([
    ['', 0],
    ['həlˈoʊ wˈɜːld', 9],
    ['tʃ, dʒ!', 4],
    [IPA, 42],
  ])('%j has %i phonemes', (ipa, n) => {
    expect(countPhonemes(ipa)).toBe(n);
  });
});

describe('checkDuration', () => {
  it('accepts the recording of the sentence', () => {
    const v = checkDuration(speech, 16000, countPhonemes(IPA));
    expect(v.status).toBe('ok');
    expect(v.ratio).toBeGreaterThan(0.7);
    expect(v.ratio).toBeLessThan(1.4);
  });

  it.each([
    [0.3, 'too_short'],
    [2.2, 'too_long'],
    [3, 'runaway'],
  ])('flags audio %f x the expected length as %s', (factor, status) => {
    const n = 40;
    const pcm = new Float32Array(Math.round(expectedDurationSeconds(n) * factor * 16000));
    expect(checkDuration(pcm, 16000, n).status).toBe(status);
  });

  it('rejects a negative phoneme count', () => {
    expect(() => checkDuration(speech, 16000, -1)).toThrowError(expect.objectContaining({ param: 'phonemeCount' }));
  });
});

describe('checkSilence', () => {
  it('passes speech and flags digital silence, faint noise and mostly-silent audio', () => {
    expect(checkSilence(speech, 16000).silent).toBe(false);
    expect(checkSilence(new Float32Array(32000), 16000)).toMatchObject({ silent: true, silenceRatio: 1 });
    expect(checkSilence(whiteNoise(32000, 1).map((v) => v * 1e-3), 16000).silent).toBe(true);
    const mostlySilent = new Float32Array(speech.length * 4);
    mostlySilent.set(speech.subarray(0, speech.length / 2));
    expect(checkSilence(mostlySilent, 16000).silent).toBe(true);
  });
});

describe('checkClipping', () => {
  it('passes speech and flags the same speech driven into the rails', () => {
    expect(checkClipping(speech).clipped).toBe(false);
    const driven = speech.map((v) => Math.max(-1, Math.min(1, v * 8)));
    const v = checkClipping(driven);
    expect(v.clipped).toBe(true);
    expect(v.peak).toBe(1);
    expect(v.clippedRatio).toBeGreaterThan(MAX_CLIPPED_RATIO);
  });
});

describe('checkLoops', () => {
  it('passes a natural sentence', () => {
    const v = checkLoops(speech, 16000);
    expect(v.looped).toBe(false);
    expect(v.repeatDistance).toBeGreaterThan(0.6);
  });

  it('flags one second of speech repeated six times, at a whole-second lag', () => {
    const second = speech.subarray(8000, 24000);
    const looped = new Float32Array(second.length * 6);
    for (let k = 0; k < 6; k++) looped.set(second, k * second.length);
    const v = checkLoops(looped, 16000);
    expect(v.looped).toBe(true);
    // 1 s is 62.5 mel frames, so the exact frame match comes at 2 s; any whole number of periods is right.
    expect(Math.abs(v.lagSeconds - Math.round(v.lagSeconds))).toBeLessThan(0.02);
    expect(v.repeatDistance).toBeLessThan(0.05);
  });

  it('flags a phrase repeated inside a sentence even with noise added to each copy', () => {
    const phrase = speech.subarray(16000, 28800);
    const parts = [speech.subarray(0, 28800), phrase, phrase, speech.subarray(28800)];
    const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { joined.set(p, at); at += p.length; }
    const noise = whiteNoise(joined.length, 11);
    const noisy = joined.map((v, i) => v + 0.003 * noise[i]);
    expect(checkLoops(noisy, 16000).looped).toBe(true);
  });
});

describe('checkRobustness', () => {
  it('passes a normal speech clip with its phoneme count', () => {
    const v = checkRobustness(speech, 16000, countPhonemes(IPA));
    expect(v).toMatchObject({ ok: true, failures: [] });
  });

  it('names every failed check', () => {
    const n = countPhonemes(IPA);
    const runaway = new Float32Array(speech.length * 4);
    for (let k = 0; k < 4; k++) runaway.set(speech, k * speech.length);
    expect(checkRobustness(runaway, 16000, n).failures).toEqual(['runaway', 'looped']);
    expect(checkRobustness(new Float32Array(speech.length), 16000, n).failures).toEqual(['silent']);
    const clipped = speech.map((v) => Math.max(-1, Math.min(1, v * 8)));
    expect(checkRobustness(clipped, 16000, n).failures).toEqual(['clipped']);
  });

  it('rejects empty audio', () => {
    expect(() => checkRobustness(new Float32Array(0), 16000)).toThrowError(expect.objectContaining({ code: 'empty_input' }));
  });

  it('does not fail repeated audio as looped when the text says something twice, and still fails it otherwise', () => {
    const phrase = speech.subarray(16000, 28800);
    const twice = new Float32Array(phrase.length * 2);
    twice.set(phrase);
    twice.set(phrase, phrase.length);
    const n = countPhonemes(IPA) / 3;
    expect(checkRobustness(twice, 16000, n, 'Tick tock, tick tock.')).toMatchObject({ failures: [], repeatsExpected: true });
    expect(checkRobustness(twice, 16000, n, 'The quick brown fox.')).toMatchObject({ failures: ['looped'], repeatsExpected: false });
    // A runaway on a repeating text is still caught by its length.
    const runaway = new Float32Array(speech.length * 4);
    for (let k = 0; k < 4; k++) runaway.set(speech, k * speech.length);
    expect(checkRobustness(runaway, 16000, countPhonemes(IPA), 'No, no, no.').failures).toEqual(['runaway']);
  });
});

describe('textRepeats', () => {
  it.each([
    ['No, no, no, no.', true],
    ['The the the the the.', true],
    ['Tick tock, tick tock went the old clock.', true],
    ['Round and round and round the carousel went.', true],
    ['One more time, one more time.', true],
    ['Buffalo buffalo Buffalo buffalo.', true],
    ['It was the same way with our revolvers and rifles.', false],
    ['At the end of the day, the rest of the week was calm.', false], // "of the" twice is no repeat anyone hears
    ['Alice said yes, and the Queen said no.', false],
    ['', false],
  ])('%j -> %s', (text, expected) => {
    expect(textRepeats(text)).toBe(expected);
  });
});

describe('loopHeard', () => {
  it.each([
    // A loop adds words and says one again.
    ['monday tuesday tuesday wednesday', 'Monday, Tuesday, Wednesday.', true],
    ['not at this particular case told us particular case tom', 'Not at this particular case, Tom.', true],
    // Lists said once, as pocketsphinx heard the shipped model's (twenty-sixth session): nothing said twice.
    ['monday tuesday when is a first day friday saturday sunday', 'Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday.', false],
    ['no our self east west down left right', 'North, south, east, west, up, down, left, right.', false],
    // A homophone said twice is no loop: no more words than the text.
    ['ice cream you scream we all scream for ice cream', 'I scream, you scream, we all scream for ice cream.', false],
    // Said as often as the text says it; numbers count in their spoken form.
    ['no no no no', 'No, no, no, no.', false],
    ['three three cats', '3 3 cats.', false],
    ['three cats three cats', '3 cats.', true],
    // Function words said twice are no loop.
    ['it was the the end of the day', 'It was the end of the day.', false],
    ['', 'Hello.', false],
  ])('%j for %j -> %s', (transcript, text, expected) => {
    expect(loopHeard(transcript, text)).toBe(expected);
  });
});

describe.skipIf(findPocketsphinx() === undefined)('loopHeard on what pocketsphinx hears', () => {
  const TEXT = 'Not at this particular case, Tom, apologized Whittemore.';
  const withRepeat = (from: number, to: number): Float32Array => {
    const parts = [speech.subarray(0, to), speech.subarray(from, to), speech.subarray(to)];
    const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { joined.set(p, at); at += p.length; }
    return joined;
  };

  it('hears a stretch of the recording said twice, and not the recording itself', async () => {
    for (const [from, to] of [[16000, 28800], [8000, 28800]]) {
      const looped = withRepeat(from, to);
      expect(checkLoops(looped, 16000).looped).toBe(true);
      expect(loopHeard(await transcribe(looped), TEXT)).toBe(true);
    }
    expect(loopHeard(await transcribe(speech), TEXT)).toBe(false);
  }, 60_000);
});
