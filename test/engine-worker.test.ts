/** WorkerSynthesizer: same audio as in-process synthesis, the main event loop stays free, errors and cancellation cross the thread. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { WorkerSynthesizer } from '../src/engine/worker-synthesizer.js';
import { FIXTURE, fixtureVoice, loadFixture, parlaError } from './engine-helpers.js';

let model: LoadedModel;
let voice: Voice;
let worker: WorkerSynthesizer;
beforeAll(async () => {
  model = await loadFixture();
  voice = await fixtureVoice(model, 'a test prompt');
  worker = await WorkerSynthesizer.start(FIXTURE, { threads: 1 });
});
afterAll(() => worker?.close());

describe('WorkerSynthesizer', () => {
  it('gives the audio of in-process synthesis while the main event loop keeps ticking', async () => {
    const opts = { voice, seed: 9, speculative: false };
    const local = await new Synthesizer(model).generate('Hi there, from a worker.', opts);
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 2);
    const remote = await worker.generate('Hi there, from a worker.', opts);
    clearInterval(timer);
    expect(Buffer.from(remote.audio.buffer).equals(Buffer.from(local.audio.buffer))).toBe(true);
    expect(remote.stats.arSteps).toBe(local.stats.arSteps);
    // In-process, one graph call or one phonemizer call holds the loop for up to hundreds of ms on this machine.
    expect(maxGap).toBeLessThan(250);
  });

  it('streams pieces and reports stats', async () => {
    let stats: unknown;
    const pieces = [];
    for await (const p of worker.stream('First one. Second one.', { voice, seed: 1, chunkPhonemes: 12, onStats: (s) => (stats = s) })) pieces.push(p);
    expect(pieces.filter((p) => p.chunkEnd).length).toBe(2);
    expect(stats).toMatchObject({ arSteps: expect.any(Number) });
  });

  it('errors keep their code; aborting cancels the work in the worker', async () => {
    expect((await parlaError(() => worker.generate('   ', { voice }))).code).toBe('empty_input');
    expect((await parlaError(() => worker.generate('Hi.', { voice, topP: 2 }))).param).toBe('topP');
    const controller = new AbortController();
    const err = await parlaError(async () => {
      for await (const _ of worker.stream('First one. Second one. Third one.', { voice, chunkPhonemes: 12, signal: controller.signal })) controller.abort();
    });
    expect(err.code).toBe('cancelled');
    // The worker is still usable afterwards.
    expect((await worker.generate('Hi.', { voice, seed: 1 })).audio.length).toBeGreaterThan(0);
  });

  it('a missing model fails start() with model_missing', async () => {
    expect((await parlaError(() => WorkerSynthesizer.start('/nonexistent/model'))).code).toBe('model_missing');
  });
});
