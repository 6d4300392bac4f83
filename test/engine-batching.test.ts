/** Batched AR decoding of concurrent requests: each row's codes equal the job decoded alone; cancelling one row spares the rest. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ArBatcher } from '../src/engine/ar-batcher.js';
import { generateCodebook0, type ArJob, type ArResult } from '../src/engine/ar-decode.js';
import { Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { chunkInputs } from '../src/engine/prompt.js';
import { resolveSamplingParams } from '../src/lm/sampling/index.js';
import { textToPhonemeIds } from '../src/text/phonemize.js';
import { fixtureVoice, loadFixture, parlaError } from './engine-helpers.js';

let model: LoadedModel;
let voice: Voice;
beforeAll(async () => {
  model = await loadFixture();
  voice = await fixtureVoice(model, 'a test prompt');
});

async function job(text: string, params: object, seed: number): Promise<ArJob> {
  const inputs = chunkInputs(model, voice, (await textToPhonemeIds(text)).ids);
  return { prompt: inputs.ar, maxGroups: inputs.maxGroups, params: resolveSamplingParams(params), seed, speculative: false };
}

// Different lengths, so the batch is ragged (left padding) and rows finish at different steps.
const TEXTS = ['Hi.', 'A somewhat longer sentence.', 'Mid length one.'];

describe('ArBatcher', () => {
  it.each([
    ['greedy', { temperature: 0 }],
    ['sampling with RAS', { temperature: 1, topP: 0.8, ras: true }],
  ])('%s: every row equals the job decoded alone', async (_name, params) => {
    const jobs = await Promise.all(TEXTS.map((t, i) => job(t, params, 11 + i)));
    const alone: ArResult[] = [];
    for (const j of jobs) alone.push(await generateCodebook0(model, j));
    const batcher = new ArBatcher(model);
    const batched = await Promise.all(jobs.map((j) => batcher.submit(j)));
    expect(batcher.batchSizes).toEqual([3]);
    batched.forEach((r, i) => expect(Array.from(r.codes)).toEqual(Array.from(alone[i].codes)));
  });

  it('onGroup sees every kept group, and a promise it returns holds the next step (alone and batched), same codes', async () => {
    const params = { temperature: 1, topP: 0.8 };
    const [a, b] = await Promise.all(TEXTS.slice(1).map((t, i) => job(t, params, 21 + i)));
    const plain = await generateCodebook0(model, a);
    for (const batched of [false, true]) {
      const run = vi.spyOn(model.ar, 'run');
      const frames: number[] = [];
      let callsWhenHeld = -1;
      let callsAtRelease = -1;
      const held: ArJob = {
        ...a,
        onGroup: (p) => {
          frames.push(p.frames);
          if (p.frames !== 4 * model.groupSize) return undefined;
          expect(Array.from(p.partial().codes)).toEqual(Array.from(plain.codes.subarray(0, p.frames)));
          callsWhenHeld = run.mock.calls.length;
          return new Promise((resolve) => setTimeout(() => ((callsAtRelease = run.mock.calls.length), resolve()), 50));
        },
      };
      const batcher = new ArBatcher(model);
      const [out] = batched ? await Promise.all([batcher.submit(held), batcher.submit(b)]) : [await generateCodebook0(model, held)];
      run.mockRestore();
      expect(Array.from(out.codes)).toEqual(Array.from(plain.codes));
      // Every kept group in order, but the one that ends the row (by the length limit, or by end of speech within it);
      // a row that ends with a group of end of speech alone has all its groups seen.
      const g = model.groupSize;
      expect(frames).toEqual(frames.map((_, i) => (i + 1) * g));
      expect(frames.length).toBeGreaterThanOrEqual(Math.ceil(out.codes.length / g) - 1);
      expect(frames.length).toBeLessThanOrEqual(Math.floor(out.codes.length / g));
      expect(callsWhenHeld).toBeGreaterThan(0);
      expect(callsAtRelease).toBe(callsWhenHeld);
    }
  });

  it('continuous batching: a job submitted while a batch runs joins it before the next step; finished rows leave; every row equals its job alone', async () => {
    const params = { temperature: 1, topP: 0.8, ras: true };
    const [a, b, c] = await Promise.all(TEXTS.map((t, i) => job(t, params, 31 + i)));
    const alone = [];
    for (const j of [a, b, c]) alone.push(await generateCodebook0(model, j));
    const batcher = new ArBatcher(model);
    const run = vi.spyOn(model.ar, 'run');
    // b and c come while a is being decoded (after its fourth group, then its sixth), as requests do.
    const later: Promise<ArResult>[] = [];
    const first = batcher.submit({
      ...b,
      onGroup: (p) => {
        if (p.frames === 4 * model.groupSize) later.push(batcher.submit(a));
        if (p.frames === 6 * model.groupSize) later.push(batcher.submit(c));
      },
    });
    const results = [await first, ...(await Promise.all(later))];
    const calls = run.mock.calls.length;
    run.mockRestore();
    expect(batcher.batchSizes).toEqual([1, 1, 1]);
    [alone[1], alone[0], alone[2]].forEach((r, i) => expect(Array.from(results[i].codes)).toEqual(Array.from(r.codes)));
    // One batch: the steps are shared, so fewer graph calls than the three jobs' own (prefill + steps each).
    const own = alone.reduce((n, r) => n + r.arSteps, 0);
    expect(calls).toBeLessThan(own);
    expect(results.map((r) => r.arSteps)).toEqual([alone[1].arSteps, alone[0].arSteps, alone[2].arSteps]);
  });

  it('waits for requests in progress to join, and no longer once all of them have', async () => {
    const jobs = await Promise.all(TEXTS.slice(0, 2).map((t, i) => job(t, { temperature: 0 }, 11 + i)));
    // Two requests in progress, both submitted: the batch starts at once, not after the (here absurd) gather wait.
    const all = new ArBatcher(model, 8, 60_000);
    all.activeRequests = 2;
    const first = all.submit(jobs[0]);
    await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    await Promise.all([first, all.submit(jobs[1])]);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(all.batchSizes).toEqual([2]);
    // Three in progress, two submitted: the batch waits out the gather time for the third, then goes without it.
    const some = new ArBatcher(model, 8, 150);
    some.activeRequests = 3;
    const t0 = performance.now();
    await Promise.all(jobs.map((j) => some.submit(j)));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(some.batchSizes).toEqual([2]);
  });

  it('a cancelled row is rejected while the other rows finish', async () => {
    const controller = new AbortController();
    const jobs = await Promise.all(TEXTS.map((t, i) => job(t, {}, i)));
    const batcher = new ArBatcher(model);
    const results = jobs.map((j, i) => batcher.submit(i === 1 ? { ...j, signal: controller.signal } : j));
    controller.abort(); // after submission: the row is in the batch's prefill, then dropped at its first step
    expect((await parlaError(() => results[1])).code).toBe('cancelled');
    expect(batcher.batchSizes).toEqual([3]);
    for (const i of [0, 2]) expect((await results[i]).codes.length).toBeGreaterThan(0);
  });

  it('speculative jobs are not batched (a seed gives the same audio whatever else is running)', async () => {
    const batcher = new ArBatcher(model);
    const jobs = await Promise.all(TEXTS.map((t, i) => job(t, {}, i)));
    await Promise.all(jobs.map((j) => batcher.submit({ ...j, speculative: true })));
    expect(batcher.batchSizes).toEqual([]);
  });
});

describe('Synthesizer with batching', () => {
  it('concurrent requests share AR steps and give the audio they give alone', async () => {
    const batched = new Synthesizer(model);
    const plain = new Synthesizer(model, { batching: false });
    const opts = (seed: number) => ({ voice, seed, speculative: false });
    const together = await Promise.all([1, 2, 3].map((seed) => batched.generate('Hi there.', opts(seed))));
    expect(batched.batchSizes).toContain(3);
    for (const [i, seed] of [1, 2, 3].entries()) {
      const alone = await plain.generate('Hi there.', opts(seed));
      expect(Buffer.from(together[i].audio.buffer).equals(Buffer.from(alone.audio.buffer))).toBe(true);
    }
  });
});
