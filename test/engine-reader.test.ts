/**
 * The readers (src/lm/code-reader.ts, src/lm/audio-reader.ts) and best-of-N candidates (src/engine/candidates.ts): the
 * CTC forward algorithm on hand-made distributions, PyTorch parity of the tiny pointer fixture's reader.onnx (codes)
 * and audio_reader.onnx (audio), the manifest's reader section and sampling.candidates, and synthesis that keeps the
 * candidate the reader scores best.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ArBatcher } from '../src/engine/ar-batcher.js';
import { generateCodebook0 } from '../src/engine/ar-decode.js';
import { CANDIDATE_SEED_STRIDE } from '../src/engine/candidates.js';
import { createVoice, loadModel, Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { AUDIO_READER_MIN_SAMPLES, AudioReader } from '../src/lm/audio-reader.js';
import { CodeReader, ctcNegLogLikelihood } from '../src/lm/code-reader.js';
import { fixtureCopy as copyFixture, parlaError, promptPcm } from './engine-helpers.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'tiny-pointer-model');
const parity = JSON.parse(readFileSync(join(FIXTURE, 'reader_parity.json'), 'utf8'));
const audioParity = JSON.parse(readFileSync(join(FIXTURE, 'audio_reader_parity.json'), 'utf8'));

/** A copy of the tiny pointer fixture whose model.json is patched (and one file removed). */
const fixtureCopy = (dirs: string[], patch: (m: Record<string, any>) => void, remove?: string): string => copyFixture(FIXTURE, dirs, patch, remove);

/** The fixture with its audio reader in place of the code reader. */
const withAudioReader = (m: Record<string, any>): void => {
  m.reader = audioParity.section;
};

const log = Math.log;
/** A seed whose best audio-read candidate is not the first (found by trying). */
const SEED_AUDIO = 11;

describe('ctcNegLogLikelihood', () => {
  // Two frames over classes [blank, a, b].
  const p = [
    [0.5, 0.3, 0.2],
    [0.1, 0.6, 0.3],
  ];
  const lp = p.flat().map(log);

  it('sums every alignment of the targets with blanks and repeats', () => {
    expect(ctcNegLogLikelihood(lp, 1, 3, [1])).toBeCloseTo(-log(0.3), 12);
    // "a": (a, a), (a, blank), (blank, a)
    expect(ctcNegLogLikelihood(lp, 2, 3, [1])).toBeCloseTo(-log(0.3 * 0.6 + 0.3 * 0.1 + 0.5 * 0.6), 12);
    // "a b": only (a, b)
    expect(ctcNegLogLikelihood(lp, 2, 3, [1, 2])).toBeCloseTo(-log(0.3 * 0.3), 12);
    // nothing: blanks only
    expect(ctcNegLogLikelihood(lp, 2, 3, [])).toBeCloseTo(-log(0.5 * 0.1), 12);
  });

  it('matches the log-space forward recursion on long random inputs (it rescales every frame instead)', () => {
    const logAdd = (a: number, b: number): number => (a === -Infinity ? b : b === -Infinity ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))));
    const reference = (lp: number[], frames: number, classes: number, targets: number[]): number => {
      const n = 2 * targets.length + 1;
      const label = (s: number): number => (s % 2 === 0 ? 0 : targets[(s - 1) >> 1]);
      let alpha = Array.from({ length: n }, (_, s) => (s < 2 ? lp[label(s)] : -Infinity));
      for (let t = 1; t < frames; t++) {
        alpha = alpha.map((_, s) => {
          let a = alpha[s];
          if (s >= 1) a = logAdd(a, alpha[s - 1]);
          if (s >= 2 && s % 2 === 1 && label(s) !== label(s - 2)) a = logAdd(a, alpha[s - 2]);
          return a + lp[t * classes + label(s)];
        });
      }
      return -logAdd(alpha[n - 1], alpha[n - 2]);
    };
    let state = 7;
    const random = (): number => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const frames = 400;
    const classes = 30;
    const lp: number[] = [];
    for (let t = 0; t < frames; t++) {
      const row = Array.from({ length: classes }, () => random() * 12);
      const lse = Math.log(row.reduce((a, x) => a + Math.exp(x), 0));
      lp.push(...row.map((x) => x - lse));
    }
    const targets = Array.from({ length: 120 }, () => 1 + Math.floor(random() * (classes - 1)));
    const want = reference(lp, frames, classes, targets);
    expect(want).toBeGreaterThan(800); // as a probability, far below float64's smallest number
    expect(ctcNegLogLikelihood(lp, frames, classes, targets)).toBeCloseTo(want, 6);
  });

  it('needs a blank between repeated labels, so "a a" does not fit two frames', () => {
    expect(ctcNegLogLikelihood(lp, 2, 3, [1, 1])).toBe(Infinity);
    const three = [...lp, log(0.2), log(0.5), log(0.3)];
    expect(ctcNegLogLikelihood(three, 3, 3, [1, 1])).toBeCloseTo(-log(0.3 * 0.1 * 0.5), 12);
    expect(ctcNegLogLikelihood(lp, 2, 3, [1, 2, 1])).toBe(Infinity);
  });
});

describe('reader.onnx', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    model = await loadModel(FIXTURE, { threads: 1 });
  });

  it('log-probabilities and per-phoneme scores match PyTorch', async () => {
    expect(model.reader).toBeInstanceOf(CodeReader);
    const reader = model.reader as CodeReader;
    for (const c of parity.cases) {
      const lp = await reader.logProbs(c.codes);
      let diff = 0;
      lp.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - c.log_probs[i]))));
      expect(diff).toBeLessThan(parity.tolerance_abs);
      expect(await reader.score(c.codes, c.text_ids)).toBeCloseTo(c.nll_per_phoneme, 4);
    }
  });

  it('reads sounding phonemes only, and scores text without any as 0 and codes too short as Infinity', async () => {
    const reader = model.reader as CodeReader;
    expect(reader.targets([1, 20, 4, 12, 30, 5, 2])).toEqual([20, 30]);
    expect(await reader.score([1, 2, 3], [4, 5, 12])).toBe(0);
    expect(await reader.score([1, 2], [20, 21, 22])).toBe(Infinity);
  });
});

describe('audio reader (reader.input "audio")', () => {
  const dirs: string[] = [];
  let reader: AudioReader;
  beforeAll(async () => {
    const model = await loadModel(fixtureCopy(dirs, withAudioReader), { threads: 1 });
    expect(model.reader).toBeInstanceOf(AudioReader);
    reader = model.reader as AudioReader;
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('log-probabilities and per-phoneme scores match PyTorch', async () => {
    for (const c of audioParity.cases) {
      const pcm = Float32Array.from(c.audio as number[]);
      const { data, frames } = await reader.logProbs(pcm);
      expect(data.length).toBe(c.log_probs.length);
      expect(frames * reader.dims.vocabSize).toBe(data.length);
      let diff = 0;
      data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - c.log_probs[i]))));
      expect(diff).toBeLessThan(audioParity.tolerance_abs);
      expect(await reader.score(pcm, c.text_ids)).toBeCloseTo(c.nll_per_phoneme, 3);
    }
  });

  it('scores text without sounding phonemes as 0, audio too short for its phonemes as Infinity, and refuses to read a clip under 35 ms', async () => {
    const pcm = new Float32Array(8000).map((_, i) => Math.sin(i / 7) * 0.2);
    expect(await reader.score(pcm, [4, 5, 12])).toBe(0);
    // 0.1 s is 4 output frames: ten phonemes do not fit.
    expect(await reader.score(pcm.subarray(0, 1600), [20, 21, 22, 23, 24, 25, 26, 27, 28, 29])).toBe(Infinity);
    expect(await reader.score(pcm.subarray(0, 100), [20, 21])).toBe(Infinity);
    const err = await parlaError(() => reader.logProbs(pcm.subarray(0, AUDIO_READER_MIN_SAMPLES - 1)));
    expect([err.code, err.param]).toEqual(['invalid_input', 'audio']);
    expect(err.message).toMatch(/at least 560 samples, got 559/);
    expect((await reader.logProbs(pcm.subarray(0, AUDIO_READER_MIN_SAMPLES))).frames).toBe(1);
  });
});

describe('model.json reader and sampling.candidates', () => {
  const dirs: string[] = [];
  const withManifest = (patch: (m: Record<string, any>) => void, remove?: string): string => fixtureCopy(dirs, patch, remove);
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it.each([
    ['reader.vocab_size', (m: Record<string, any>) => (m.reader.vocab_size = 64), /reader.vocab_size.*must equal phonemes.vocab_size/],
    ['reader.blank_id', (m: Record<string, any>) => (m.reader.blank_id = 500), /reader.blank_id.*outside the vocabulary/],
    ['sampling.candidates', (m: Record<string, any>) => (m.sampling = { candidates: 9 }), /sampling.candidates.*integer in 1..8, got 9/],
    ['sampling.candidates', (m: Record<string, any>) => ((m.reader = null), (m.sampling = { candidates: 2 })), /sampling.candidates.*needs a model with a reader/],
    ['reader.input', (m: Record<string, any>) => (m.reader.input = 'text'), /reader.input/],
  ])('refuses a bad %s', async (param, patch, message) => {
    const err = await parlaError(() => loadModel(withManifest(patch), { threads: 1 }));
    expect(err.code).toBe('model_invalid');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });

  it('names a missing reader.onnx', async () => {
    const err = await parlaError(() => loadModel(withManifest(() => {}, 'reader.onnx'), { threads: 1 }));
    expect(err.code).toBe('model_missing');
    expect(err.message).toMatch(/field "reader.file" names reader.onnx/);
  });

  it('a model without a reader decodes one candidate and refuses requests for more', async () => {
    const plain = await loadModel(withManifest((m) => (m.reader = null)), { threads: 1 });
    expect(plain.reader).toBeNull();
    expect(plain.candidates).toBe(1);
    const voice = await createVoice(plain, promptPcm(), { name: 'Chirp' });
    const err = await parlaError(() => new Synthesizer(plain).generate('Hello there.', { voice, seed: 1, candidates: 2 }));
    expect([err.code, err.param]).toEqual(['invalid_input', 'candidates']);
  });
});

describe('best of N', () => {
  let model: LoadedModel;
  let voice: Voice;
  beforeAll(async () => {
    model = await loadModel(FIXTURE, { threads: 1 });
    voice = await createVoice(model, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
  });

  afterEach(() => vi.restoreAllMocks());

  it('decodes the candidates as one batch and keeps the one the reader scores best', async () => {
    const synth = new Synthesizer(model);
    const decoded: number[][] = [];
    const real = generateCodebook0;
    const submit = vi.spyOn(ArBatcher.prototype, 'submit');
    const score = vi.spyOn(model.reader!, 'score');
    const out = await synth.generate('Hello there.', { voice, seed: 11, temperature: 1, candidates: 3 });
    expect(synth.batchSizes).toEqual([3]);
    const seeds = submit.mock.calls.map(([job]) => job.seed);
    expect(seeds).toEqual([11, 11 + CANDIDATE_SEED_STRIDE, 11 + 2 * CANDIDATE_SEED_STRIDE]);
    const scores = await Promise.all(score.mock.results.map((r) => r.value as Promise<number>));
    expect(scores).toHaveLength(3);
    const best = scores.indexOf(Math.min(...scores));
    expect(best).not.toBe(0); // with seed 11: so keeping the first candidate would fail this test
    for (const [job] of submit.mock.calls) decoded.push(Array.from((await real(model, job)).codes));
    // The chosen candidate alone is what the audio was decoded from.
    const decode = vi.spyOn(model.codec, 'decode');
    await synth.generate('Hello there.', { voice, seed: 11, temperature: 1, candidates: 3 });
    const codes = decode.mock.calls[0][0];
    expect(Array.from(codes.data.subarray(0, codes.frames))).toEqual(decoded[best]); // codebook 0 row
    expect(out.stats.arSteps).toBeGreaterThan(decoded[best].length / model.groupSize);
  });

  it('with an audio reader, hears every candidate decoded with the voice and keeps the best one\'s audio, whole or streamed', async () => {
    const dirs: string[] = [];
    try {
      const audioModel = await loadModel(fixtureCopy(dirs, withAudioReader), { threads: 1 });
      const audioVoice = await createVoice(audioModel, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
      const reader = audioModel.reader as AudioReader;
      const score = vi.spyOn(reader, 'hear');
      const decode = vi.spyOn(audioModel.codec, 'decode');
      const options = { voice: audioVoice, seed: SEED_AUDIO, temperature: 1, candidates: 3 };
      const out = await new Synthesizer(audioModel).generate('Hello there.', options);
      // Three candidates heard; the chosen one's audio is the output, not decoded a second time.
      expect(decode).toHaveBeenCalledTimes(3);
      expect(score).toHaveBeenCalledTimes(3);
      const scores = await Promise.all(score.mock.results.map(async (r) => (await (r.value as ReturnType<AudioReader['hear']>)).score));
      const best = scores.indexOf(Math.min(...scores));
      expect(best).not.toBe(0); // with this seed: so keeping the first candidate would fail this test
      for (let k = 0; k < 3; k++) {
        expect(decode.mock.calls[k][1]?.voice).toBe(audioVoice.codes);
        expect(score.mock.calls[k][0]).toBe(await decode.mock.results[k].value);
      }
      const bestCodes = decode.mock.calls[best][0];
      decode.mockClear();
      expect(out.audio).toEqual(await audioModel.codec.decode(bestCodes, { voice: audioVoice.codes }));
      // The stream cuts the same audio into pieces.
      decode.mockClear();
      const pieces: Float32Array[] = [];
      for await (const piece of new Synthesizer(audioModel).stream('Hello there.', options)) pieces.push(piece.audio);
      expect(decode).toHaveBeenCalledTimes(3);
      expect(pieces.length).toBeGreaterThan(1);
      expect(Float32Array.from(pieces.flatMap((p) => Array.from(p)))).toEqual(out.audio);
    } finally {
      dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
    }
  });

  it('generate() with candidates keeps a long first sentence whole (the reader picks better on whole sentences); stream() still cuts it', async () => {
    const text = 'Hi there, this is a rather long first sentence, and it keeps on going for a while.';
    const score = vi.spyOn(model.reader!, 'score');
    const scored = async (run: () => Promise<unknown>): Promise<number> => {
      score.mockClear();
      await run();
      return score.mock.calls.length;
    };
    const options = { voice, seed: 3, temperature: 1, candidates: 2 };
    expect(await scored(() => new Synthesizer(model).generate(text, options))).toBe(2); // one chunk
    expect(await scored(async () => {
      for await (const piece of new Synthesizer(model).stream(text, options)) void piece;
    })).toBeGreaterThanOrEqual(4);
    expect(await scored(() => new Synthesizer(model).generate(text, { ...options, firstChunkPhonemes: 40 }))).toBeGreaterThanOrEqual(4);
  });

  it('greedy decoding makes one candidate, since they would all be the same', async () => {
    const synth = new Synthesizer(model);
    const score = vi.spyOn(model.reader!, 'score');
    await synth.generate('Hello there.', { voice, seed: 1, temperature: 0, candidates: 4 });
    expect(synth.batchSizes).toEqual([1]);
    expect(score).not.toHaveBeenCalled();
  });

  it('refuses a bad candidates value naming it', async () => {
    for (const candidates of [0, 9, 1.5]) {
      const err = await parlaError(() => new Synthesizer(model).generate('Hello.', { voice, candidates }));
      expect([err.code, err.param]).toEqual(['invalid_input', 'candidates']);
    }
  });
});
