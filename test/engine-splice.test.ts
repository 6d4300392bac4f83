/**
 * Splicing candidates (src/engine/splice.ts): word segments of the AR text row, the per-segment choice on hand-made
 * reader log-probabilities, the option's checks, and synthesis with the tiny pointer fixture and its audio reader:
 * the output is the decode of the spliced frames, or of one candidate when every segment comes from it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createVoice, loadModel, Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { checkRetryAbove, checkSpliceWords, needsRetry, spliceCandidates, textSegments, type SpliceCandidate } from '../src/engine/splice.js';
import type { AudioReader } from '../src/lm/audio-reader.js';
import { ParlaError } from '../src/errors.js';
import { BOS_ID, EOS_ID, SEP_ID, WORD_BOUNDARY_ID } from '../src/text/symbols.js';
import { fixtureCopy, parlaError, POINTER_FIXTURE, promptPcm } from './engine-helpers.js';

const COMMA = 6;
const DIMS = { vocabSize: 30, blankId: 0, firstPhonemeId: 20 };

describe('textSegments', () => {
  // BOS, prompt transcript (21), SEP, "ab cd, e" as phonemes 20 21 | 22 23 , | 24, EOS
  const text = [BOS_ID, 21, SEP_ID, 20, 21, WORD_BOUNDARY_ID, 22, 23, COMMA, WORD_BOUNDARY_ID, 24, EOS_ID];

  it('numbers the target words; a boundary starts the next word, punctuation stays with its word, EOS with the last', () => {
    expect(Array.from(textSegments(text, 1, DIMS.firstPhonemeId))).toEqual([0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2]);
    expect(Array.from(textSegments(text, 2, DIMS.firstPhonemeId))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(textSegments(text, 64, DIMS.firstPhonemeId))).toEqual(new Array(text.length).fill(0));
  });

  it('without a prompt transcript the target starts after BOS', () => {
    expect(Array.from(textSegments([BOS_ID, 20, WORD_BOUNDARY_ID, 21, EOS_ID], 1, DIMS.firstPhonemeId))).toEqual([0, 0, 1, 1, 1]);
  });
});

/** Log-probabilities [frames, C]: each frame puts 0.9 on its class, the rest spread evenly. */
function logProbs(classes: number[]): Float32Array {
  const out = new Float32Array(classes.length * DIMS.vocabSize).fill(Math.log(0.1 / (DIMS.vocabSize - 1)));
  classes.forEach((c, f) => (out[f * DIMS.vocabSize + c] = Math.log(0.9)));
  return out;
}

function candidate(positions: number[], heard: number[], codeBase: number): SpliceCandidate {
  return {
    codes: Int32Array.from(positions, (_, f) => codeBase + f),
    phonemes: Int32Array.from(positions, (p) => 100 + p),
    positions: Int32Array.from(positions),
    logProbs: logProbs(heard),
    frames: heard.length,
  };
}

// BOS, SEP, "ab cd": positions 2, 3 | 4 (boundary), 5, 6 | 7 EOS
const twoWords = [BOS_ID, SEP_ID, 20, 21, WORD_BOUNDARY_ID, 22, 23, EOS_ID];
// A says the first word well and the second badly (the reader hears 25s), B the other way round.
const firstWell = candidate([2, 2, 3, 3, 5, 5, 6, 6], [20, 20, 21, 21, 25, 25, 25, 25], 1000);
const secondWell = candidate([2, 3, 3, 4, 5, 5, 6, 7], [25, 25, 25, 0, 22, 22, 23, 0], 2000);

describe('spliceCandidates', () => {
  const [text, a, b] = [twoWords, firstWell, secondWell];

  it('takes every word from the candidate the reader hears say it best, frames joined in order', () => {
    const out = spliceCandidates([a, b], text, 1, DIMS);
    expect(out.choices).toEqual([0, 1]);
    expect(Array.from(out.codes)).toEqual([1000, 1001, 1002, 1003, 2003, 2004, 2005, 2006, 2007]);
    expect(Array.from(out.phonemes)).toEqual([102, 102, 103, 103, 104, 105, 105, 106, 107]);
    // The order of the candidates does not matter, only what they say.
    expect(spliceCandidates([b, a], text, 1, DIMS).choices).toEqual([1, 0]);
  });

  it('one segment of both words is the better candidate whole', () => {
    const good = candidate([2, 2, 3, 3, 5, 5, 6, 6], [20, 20, 21, 21, 22, 22, 23, 23], 3000);
    const out = spliceCandidates([a, good], text, 2, DIMS);
    expect(out.choices).toEqual([1]);
    expect(Array.from(out.codes)).toEqual(Array.from(good.codes));
  });

  it('a segment no candidate spoke is left out (-1); one only some spoke comes from those', () => {
    const short = candidate([2, 2, 3, 3], [20, 20, 21, 21], 4000); // ended after the first word
    const out = spliceCandidates([short], text, 1, DIMS);
    expect(out.choices).toEqual([0, -1]);
    expect(Array.from(out.codes)).toEqual([4000, 4001, 4002, 4003]);
    expect(spliceCandidates([short, b], text, 1, DIMS).choices).toEqual([0, 1]);
  });

  it('reports the frames taken per segment, and keeps a first segment already chosen (firstFrom)', () => {
    expect(spliceCandidates([a, b], text, 1, DIMS).lengths).toEqual([4, 5]);
    // B's first word reads worse, but it is already playing: it stays, and the second word is chosen as before.
    const kept = spliceCandidates([a, b], text, 1, DIMS, 1);
    expect(kept.choices).toEqual([1, 1]);
    expect(kept.lengths).toEqual([3, 5]);
    expect(Array.from(kept.codes)).toEqual(Array.from(b.codes));
  });
});

describe('checkSpliceWords', () => {
  it('accepts 0..64 on a model that can splice, and 0 on any', () => {
    for (const n of [0, 1, 3, 64]) expect(() => checkSpliceWords(n, true)).not.toThrow();
    expect(() => checkSpliceWords(0, false)).not.toThrow();
  });

  it.each([-1, 1.5, 65, Number.NaN])('refuses %s naming spliceWords', (n) => {
    const err = (() => {
      try {
        checkSpliceWords(n, true);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ParlaError);
    expect((err as ParlaError).param).toBe('spliceWords');
  });

  it('refuses splicing on a model without a pointer AR and an audio reader', () => {
    expect(() => checkSpliceWords(2, false)).toThrow(/phoneme-pointer model with an audio reader/);
  });
});

describe('retries (a second round of candidates for a badly read chunk)', () => {
  const [text, a, b] = [twoWords, firstWell, secondWell];

  it('reports the chosen score of every segment, and retries above the threshold or where no candidate spoke', () => {
    const both = spliceCandidates([a, b], text, 1, DIMS);
    expect(both.scores).toHaveLength(2);
    const worst = Math.max(...both.scores);
    expect(worst).toBeGreaterThan(0);
    expect(needsRetry(both, worst * 0.99)).toBe(true);
    expect(needsRetry(both, worst * 1.01)).toBe(false);
    expect(needsRetry(both, 0)).toBe(false); // 0 = never
    // A candidate heard saying the second word badly scores worse there than b did.
    expect(spliceCandidates([a], text, 1, DIMS).scores[1]).toBeGreaterThan(both.scores[1]);
    const short = spliceCandidates([candidate([2, 2, 3, 3], [20, 20, 21, 21], 4000)], text, 1, DIMS);
    expect(short.choices).toEqual([0, -1]);
    expect(short.scores[1]).toBe(Infinity);
    expect(needsRetry(short, 1e9)).toBe(true);
  });

  it.each([-0.5, Number.NaN, Infinity])('checkRetryAbove refuses %s naming retryAbove', (x) => {
    expect(() => checkRetryAbove(x, 3)).toThrow(ParlaError);
    expect(() => checkRetryAbove(x, 3)).toThrow(/retryAbove must be a number >= 0/);
  });

  it('checkRetryAbove needs splicing for a threshold, and takes 0 anywhere', () => {
    expect(() => checkRetryAbove(1.2, 3)).not.toThrow();
    expect(() => checkRetryAbove(0, 0)).not.toThrow();
    expect(() => checkRetryAbove(1.2, 0)).toThrow(/needs splicing/);
  });
});

const audioParity = JSON.parse(readFileSync(join(POINTER_FIXTURE, 'audio_reader_parity.json'), 'utf8'));

describe('synthesis with splicing (tiny pointer fixture, audio reader)', () => {
  const dirs: string[] = [];
  let model: LoadedModel;
  let voice: Voice;
  const copy = (patch: (m: Record<string, any>) => void): string => fixtureCopy(POINTER_FIXTURE, dirs, patch);
  beforeAll(async () => {
    model = await loadModel(copy((m) => (m.reader = audioParity.section)), { threads: 1 });
    voice = await createVoice(model, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const text = 'One two three four five six.';

  it('decodes the spliced frames once more and outputs them, whole or streamed; spliceWords 0 keeps the best whole candidate', async () => {
    const reader = model.reader as AudioReader;
    const hear = vi.spyOn(reader, 'hear');
    const decode = vi.spyOn(model.codec, 'decode');
    // A seed whose word choices mix candidates (found by trying; a run where one candidate won every word would
    // decode nothing more and fail the count below).
    const options = { voice, seed: 5, temperature: 1, candidates: 3, spliceWords: 1 };
    const out = await new Synthesizer(model).generate(text, options);
    expect(hear).toHaveBeenCalledTimes(3);
    expect(decode).toHaveBeenCalledTimes(4);
    const heard = await Promise.all(decode.mock.results.slice(0, 3).map((r) => r.value as Promise<Float32Array>));
    const splicedCodes = decode.mock.calls[3][0];
    expect(out.audio).toEqual(await decode.mock.results[3].value);
    // Every spliced frame is a frame of one of the candidates (codebook 0 and phoneme alike), in text order.
    const candidateCodes = decode.mock.calls.slice(0, 3).map(([c]) => c);
    const frameKeys = new Set(candidateCodes.flatMap((c) => Array.from(c.data.subarray(0, c.frames), (code, f) => `${code}/${c.phonemes![f]}`)));
    for (let f = 0; f < splicedCodes.frames; f++) expect(frameKeys.has(`${splicedCodes.data[f]}/${splicedCodes.phonemes![f]}`)).toBe(true);
    expect(heard.every((a) => a.length !== out.audio.length || a.some((x, i) => x !== out.audio[i]))).toBe(true);

    // Streamed: the same audio in pieces.
    const pieces: Float32Array[] = [];
    for await (const piece of new Synthesizer(model).stream(text, { ...options, firstChunkPhonemes: 150 })) pieces.push(piece.audio);
    expect(Float32Array.from(pieces.flatMap((p) => Array.from(p)))).toEqual(out.audio);

    // Without splicing: the best whole candidate, three decodes.
    decode.mockClear();
    const whole = await new Synthesizer(model).generate(text, { ...options, spliceWords: 0 });
    expect(decode).toHaveBeenCalledTimes(3);
    expect(heard.some((a) => a.length === whole.audio.length && a.every((x, i) => x === whole.audio[i]))).toBe(true);
    vi.restoreAllMocks();
  });

  it('a retried chunk is what twice the candidates at once make; below the threshold nothing more is sampled', async () => {
    const options = { voice, seed: 5, temperature: 1, candidates: 3, spliceWords: 1 };
    const six = await new Synthesizer(model).generate(text, { ...options, candidates: 6 });
    // Every word group of random weights reads far above 1e-6 nats per phoneme: the chunk is retried.
    const retried = await new Synthesizer(model).generate(text, { ...options, retryAbove: 1e-6 });
    expect(retried.audio).toEqual(six.audio);
    expect(retried.stats.candidates).toBe(6);
    expect(retried.stats.chunks).toBe(1);
    expect(retried.stats.arSteps).toBe(six.stats.arSteps);
    const three = await new Synthesizer(model).generate(text, options);
    const never = await new Synthesizer(model).generate(text, { ...options, retryAbove: 1e9 });
    expect(never.audio).toEqual(three.audio);
    expect(never.stats.candidates).toBe(3);
    // At most MAX_CANDIDATES (8) in all: five more after five would be ten, so three more.
    const five = await new Synthesizer(model).generate(text, { ...options, candidates: 5, retryAbove: 1e-6 });
    expect(five.stats.candidates).toBe(8);
    // Eight already: nothing more.
    expect((await new Synthesizer(model).generate(text, { ...options, candidates: 8, retryAbove: 1e-6 })).stats.candidates).toBe(8);
  });

  it('retryAbove: the model default applies with splicing, a bad request or model.json value names the field', async () => {
    const withRetry = await loadModel(copy((m) => ((m.reader = audioParity.section), (m.sampling = { candidates: 3, splice_words: 1, retry_above: 1e-6 }))), { threads: 1 });
    expect(withRetry.retryAbove).toBe(1e-6);
    const v = await createVoice(withRetry, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
    const synth = new Synthesizer(withRetry);
    expect((await synth.generate(text, { voice: v, seed: 5, temperature: 1 })).stats.candidates).toBe(6);
    // Splicing turned off in the request turns the model's retries off with it.
    expect((await synth.generate(text, { voice: v, seed: 5, temperature: 1, spliceWords: 0 })).stats.candidates).toBe(3);
    // stream(): the first chunk, all that the first audio waits for, is not retried unless the request asks.
    const streamed = async (options: Record<string, unknown>): Promise<number | undefined> => {
      let candidates: number | undefined;
      const pieces = synth.stream('One two three. Four five six.', { voice: v, seed: 5, temperature: 1, firstChunkPhonemes: 10, ...options, onStats: (s) => (candidates = s.candidates) });
      for await (const piece of pieces) expect(piece.audio.length).toBeGreaterThan(0);
      return candidates;
    };
    expect(await streamed({})).toBe(3 + 6);
    expect(await streamed({ retryAbove: 1e-6 })).toBe(6 + 6);
    const bad = await parlaError(() => synth.generate(text, { voice: v, temperature: 1, retryAbove: -1 }));
    expect([bad.code, bad.param]).toEqual(['invalid_input', 'retryAbove']);
    const noSplice = await parlaError(() => synth.generate(text, { voice: v, temperature: 1, spliceWords: 0, retryAbove: 1 }));
    expect([noSplice.code, noSplice.param]).toEqual(['invalid_input', 'retryAbove']);
    for (const sampling of [{ candidates: 3, splice_words: 1, retry_above: -2 }, { candidates: 3, retry_above: 1 }]) {
      const err = await parlaError(() => loadModel(copy((m) => ((m.reader = audioParity.section), (m.sampling = sampling)))));
      expect([err.code, err.param]).toEqual(['model_invalid', 'sampling.retry_above']);
    }
  });

  it('model.json sampling.splice_words is the default, and a bad one names the field', async () => {
    const spliced = await loadModel(copy((m) => ((m.reader = audioParity.section), (m.sampling = { candidates: 3, splice_words: 2 }))), { threads: 1 });
    expect(spliced.spliceWords).toBe(2);
    const err = await parlaError(() => loadModel(copy((m) => ((m.reader = audioParity.section), (m.sampling = { candidates: 3, splice_words: -1 })))));
    expect([err.code, err.param]).toEqual(['model_invalid', 'sampling.splice_words']);
    // The fixture's own reader reads codes: it cannot locate words in audio.
    const noAudio = await parlaError(() => loadModel(copy((m) => (m.sampling = { candidates: 3, splice_words: 2 }))));
    expect([noAudio.code, noAudio.param]).toEqual(['model_invalid', 'sampling.splice_words']);
  });

  it('a request to splice on a model that cannot is refused naming spliceWords', async () => {
    const codeReader = await loadModel(POINTER_FIXTURE, { threads: 1 });
    const v = await createVoice(codeReader, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
    const err = await parlaError(() => new Synthesizer(codeReader).generate(text, { voice: v, temperature: 1, candidates: 2, spliceWords: 1 }));
    expect([err.code, err.param]).toEqual(['invalid_input', 'spliceWords']);
  });
});
