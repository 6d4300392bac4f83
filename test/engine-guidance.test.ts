/**
 * Classifier-free guidance for phoneme-pointer ARs (src/engine/guidance.ts): the unconditional row is fed "unknown"
 * for the pointer's phoneme, the codes are drawn from cond + w (cond - uncond), batched rows equal their lone
 * decoding, prompts shared between rows are prefilled once, and guidance where it cannot apply is refused.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArBatcher } from '../src/engine/ar-batcher.js';
import { endOfSpeechFloor, generateCodebook0, pointerFor, rowLast, type ArJob } from '../src/engine/ar-decode.js';
import { eosLayout, maskEndOfSpeech } from '../src/engine/min-length.js';
import { guideLogits, UNGUIDED_FEED } from '../src/engine/guidance.js';
import { createVoice, loadModel, Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { validateManifest } from '../src/engine/manifest.js';
import { chunkInputs } from '../src/engine/prompt.js';
import { ArSession, type ArPrompt } from '../src/lm/ar-session.js';
import { argmax, CodeSampler, resolveSamplingParams } from '../src/lm/sampling/index.js';
import { textToPhonemeIds } from '../src/text/phonemize.js';
import { maxAbsDiff } from './max-diff.js';
import { FIXTURE, fixtureVoice, loadFixture, parlaError, POINTER_FIXTURE, promptPcm } from './engine-helpers.js';

let model: LoadedModel;
let voice: Voice;
beforeAll(async () => {
  model = await loadModel(POINTER_FIXTURE, { threads: 1 });
  voice = await createVoice(model, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
});

async function job(text: string, params: object, seed = 3): Promise<ArJob> {
  const inputs = chunkInputs(model, voice, (await textToPhonemeIds(text)).ids);
  return { prompt: inputs.ar, maxGroups: inputs.maxGroups, params: resolveSamplingParams(params), seed, speculative: false };
}

describe('guided logits', () => {
  it('are cond + w (cond - uncond); w 0 is the conditional logits', () => {
    const cond = Float32Array.of(1, 2, 3, -1);
    const uncond = Float32Array.of(0, 2, 4, -3);
    expect(Array.from(guideLogits(cond, uncond, 0.5))).toEqual([1.5, 2, 2.5, 0]);
    expect(Array.from(guideLogits(cond, uncond, 0))).toEqual(Array.from(cond));
    const out = new Float32Array(4);
    expect(guideLogits(cond, uncond, 2, out)).toBe(out);
    expect(Array.from(out)).toEqual([3, 2, 1, 3]);
  });

  it('the guidance weight is checked like every sampling parameter', () => {
    expect(resolveSamplingParams({}).guidance).toBe(0);
    expect(resolveSamplingParams({ guidance: 0.3 }).guidance).toBe(0.3);
    for (const bad of [-0.1, Number.NaN, Infinity, 10.5, '1' as never]) {
      expect(() => resolveSamplingParams({ guidance: bad })).toThrow(/sampling parameter guidance: must be a number in \[0, 10\]/);
    }
  });
});

describe('guided decoding of a pointer model', () => {
  it("greedy: every group is the argmax of the guided logits, the unconditional row fed 'unknown' for the phoneme", async () => {
    const w = 1.5;
    const j = await job('A short sentence to read.', { temperature: 0, guidance: w });
    const guided = await generateCodebook0(model, j);
    // Replay by hand: two single-row sessions, one fed the pointer, one fed UNGUIDED_FEED, the pointer moved by the
    // conditional row's advance logits.
    const pointer = pointerFor(model, j, new CodeSampler(j.params, { seed: j.seed }))!;
    const cond = ArSession.start(model.ar);
    const uncond = ArSession.start(model.ar);
    let c = await cond.prefill([{ ...j.prompt, pointer: pointer.feed }]);
    let u = await uncond.prefill([{ ...j.prompt, pointer: UNGUIDED_FEED }]);
    const g = model.groupSize;
    const v = model.ar.dims.vocabSize;
    const codes: number[] = [];
    while (codes.length < guided.codes.length) {
      const logits = maskEndOfSpeech(guideLogits(rowLast(c, 0), rowLast(u, 0), w), codes.length / g, endOfSpeechFloor(pointer, 0), eosLayout(model));
      const group = Array.from({ length: g }, (_, k) => argmax(logits.subarray(k * v, (k + 1) * v)));
      codes.push(...group);
      pointer.advance(c.advanceAt(0, c.positions - 1)!);
      c = await cond.step([group], [pointer.feed]);
      u = await uncond.step([group], [UNGUIDED_FEED]);
    }
    expect(Array.from(guided.codes)).toEqual(codes.slice(0, guided.codes.length));
    // and guidance changes what is said (the fixture's random weights still depend on the phoneme fed)
    const plain = await generateCodebook0(model, { ...j, params: resolveSamplingParams({ temperature: 0 }) });
    expect(Array.from(plain.codes)).not.toEqual(Array.from(guided.codes));
  });

  it('batched guided rows (candidates, and a request without guidance beside them) equal their lone decoding', async () => {
    const base = await job('A somewhat longer sentence than that.', { temperature: 1, topP: 0.9, guidance: 0.5 }, 0);
    const jobs = [0, 1, 2].map((k) => ({ ...base, seed: base.seed + k * 1_000_003 }));
    jobs.push({ ...(await job('Hi there.', { temperature: 1 }, 7)) });
    const batcher = new ArBatcher(model);
    const batched = await Promise.all(jobs.map((j) => batcher.submit(j)));
    expect(batcher.batchSizes).toEqual([4]);
    for (const [i, j] of jobs.entries()) {
      const lone = await generateCodebook0(model, j);
      expect(Array.from(batched[i].codes)).toEqual(Array.from(lone.codes));
      expect(Array.from(batched[i].phonemes!)).toEqual(Array.from(lone.phonemes!));
      expect(batched[i].arSteps).toBe(lone.arSteps);
    }
    expect(new Set(batched.slice(0, 3).map((r) => Array.from(r.codes).join())).size).toBeGreaterThan(1);
  });

  it('the Synthesizer speaks with guidance; a seed gives the same audio again', async () => {
    const synth = new Synthesizer(model);
    const a = await synth.generate('Guided speech, twice.', { voice, seed: 4, guidance: 0.3 });
    const b = await synth.generate('Guided speech, twice.', { voice, seed: 4, guidance: 0.3 });
    const plain = await synth.generate('Guided speech, twice.', { voice, seed: 4 });
    expect(a.audio.length).toBeGreaterThan(0);
    expect(Array.from(b.audio)).toEqual(Array.from(a.audio));
    expect(Array.from(plain.audio)).not.toEqual(Array.from(a.audio));
  });
});

describe('prefilling rows that share prompts', () => {
  it('each distinct prompt is prefilled once; every row then steps as if prefilled alone, padding included', async () => {
    const a = (await job('A somewhat longer sentence than that.', {})).prompt;
    const b: ArPrompt = { ...(await job('Hi.', {})).prompt, pointer: UNGUIDED_FEED };
    const rows = [a, b, a, b, b];
    const session = ArSession.start(model.ar, rows.length);
    const calls: number[] = [];
    const run = model.ar.run.bind(model.ar);
    model.ar.run = (args) => (calls.push(args.batch), run(args));
    let together;
    try {
      together = await session.prefill(rows);
    } finally {
      model.ar.run = run;
    }
    expect(calls).toEqual([2]);
    const group = [5, 9];
    const next = await session.step(rows.map(() => group), rows.map(() => ({ token: 7 })));
    for (const [i, p] of rows.entries()) {
      const alone = ArSession.start(model.ar);
      const first = await alone.prefill([p]);
      // A padded row attends through masked positions: equal to its lone prefill up to float rounding.
      expect(maxAbsDiff(rowLast(together, i), rowLast(first, 0))).toBeLessThan(1e-4);
      expect(maxAbsDiff(together.advanceAt(i, together.positions - 1)!, first.advanceAt(0, first.positions - 1)!)).toBeLessThan(1e-4);
      const step = await alone.step([group], [{ token: 7 }]);
      expect(maxAbsDiff(rowLast(next, i), rowLast(step, 0))).toBeLessThan(1e-4);
    }
  });
});

describe('guidance where it cannot apply', () => {
  it('a model without a phoneme pointer refuses it, in a request and in model.json', async () => {
    const plainModel = await loadFixture();
    const plainVoice = await fixtureVoice(plainModel);
    const err = await parlaError(() => new Synthesizer(plainModel).generate('Hi there.', { voice: plainVoice, guidance: 0.3 }));
    expect(err.code).toBe('invalid_input');
    expect(err.param).toBe('guidance');
    expect(err.message).toMatch(/needs a phoneme-pointer model/);
    const job0 = chunkInputs(plainModel, plainVoice, (await textToPhonemeIds('Hi.')).ids);
    const direct = await parlaError(() => generateCodebook0(plainModel, { prompt: job0.ar, maxGroups: 4, params: resolveSamplingParams({ guidance: 1 }), seed: 1, speculative: false }));
    expect(direct.param).toBe('guidance');
    const manifest = JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8'));
    expect(() => validateManifest({ ...manifest, sampling: { guidance: 0.3 } })).toThrow(/field "sampling\.guidance".*phoneme-pointer/);
    expect(() => validateManifest({ ...manifest, sampling: { guidance: 0 } })).not.toThrow();
    const pointerManifest = JSON.parse(readFileSync(join(POINTER_FIXTURE, 'model.json'), 'utf8'));
    expect(() => validateManifest({ ...pointerManifest, sampling: { guidance: -1 } })).toThrow(/field "sampling\.guidance"/);
    expect(() => validateManifest({ ...pointerManifest, sampling: { guidance: 0.3 } })).not.toThrow();
  });
});
