/** SynthesizerPool: requests spread over the workers, each seed gives the in-process audio whichever worker runs it, bad input and a closed pool fail clearly. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Synthesizer, type LoadedModel, type SynthesisResult, type Voice } from '../src/engine/index.js';
import { SynthesizerPool } from '../src/engine/synthesizer-pool.js';
import { FIXTURE, fixtureVoice, loadFixture, parlaError } from './engine-helpers.js';

let model: LoadedModel;
let voice: Voice;
let pool: SynthesizerPool;
beforeAll(async () => {
  model = await loadFixture();
  voice = await fixtureVoice(model, 'a test prompt');
  pool = await SynthesizerPool.start(FIXTURE, { workers: 2, threads: 1 });
});
afterAll(() => pool?.close());

describe('SynthesizerPool', () => {
  it('spreads concurrent requests over its workers, with the audio each seed gives in-process', async () => {
    const texts = ['One for the pool.', 'Two for the pool.', 'Three for the pool.', 'Four for the pool.'];
    const local = new Synthesizer(model);
    const expected: SynthesisResult[] = [];
    for (const [i, text] of texts.entries()) expected.push(await local.generate(text, { voice, seed: i + 1, speculative: false }));
    const busy: number[][] = [];
    const remote = await Promise.all(texts.map((text, i) => {
      const p = pool.generate(text, { voice, seed: i + 1, speculative: false });
      busy.push([...pool.inFlight]);
      return p;
    }));
    expect(busy).toEqual([[1, 0], [1, 1], [2, 1], [2, 2]]); // least busy first
    expect(pool.inFlight).toEqual([0, 0]);
    remote.forEach((r, i) => expect(Buffer.from(r.audio.buffer).equals(Buffer.from(expected[i].audio.buffer)), texts[i]).toBe(true));
  });

  it('streams, and a stream given up early frees its worker', async () => {
    const pieces = [];
    for await (const p of pool.stream('First one. Second one.', { voice, seed: 1, chunkPhonemes: 12 })) pieces.push(p);
    expect(pieces.filter((p) => p.chunkEnd).length).toBe(2);
    for await (const _ of pool.stream('First one. Second one. Third one.', { voice, seed: 1, chunkPhonemes: 12 })) break;
    expect(pool.inFlight).toEqual([0, 0]);
  });

  it('errors keep their code and the worker is freed', async () => {
    expect((await parlaError(() => pool.generate('   ', { voice }))).code).toBe('empty_input');
    expect((await parlaError(() => pool.generate('Hi.', { voice, temperature: -1 }))).param).toBe('temperature');
    expect(pool.inFlight).toEqual([0, 0]);
  });

  it('refuses a bad worker count, a missing model, and requests after close', async () => {
    expect((await parlaError(() => SynthesizerPool.start(FIXTURE, { workers: 0 }))).param).toBe('workers');
    expect((await parlaError(() => SynthesizerPool.start('/nonexistent/model', { workers: 2, threads: 1 }))).code).toBe('model_missing');
    const one = await SynthesizerPool.start(FIXTURE, { workers: 1, threads: 1 });
    await one.close();
    expect((await parlaError(() => one.generate('Hi.', { voice }))).code).toBe('unavailable');
  });
});
