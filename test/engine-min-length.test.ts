/**
 * The end-of-speech floor (min-length.ts): the mask itself on hand-made logits, and every decoding path (plain,
 * speculative, batched, Synthesizer) on the tiny fixture with its end-of-speech logit raised so far that, unmasked,
 * it always ends speech at once (the failure of a weakly trained model that gave empty outputs).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ArBatcher } from '../src/engine/ar-batcher.js';
import { generateCodebook0, type ArJob } from '../src/engine/ar-decode.js';
import { Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { DEFAULT_MIN_LENGTH, maskEndOfSpeech, minGroupsFor } from '../src/engine/min-length.js';
import { chunkInputs } from '../src/engine/prompt.js';
import { decodeSpeculative } from '../src/engine/speculative-decode.js';
import type { ArModel } from '../src/lm/ar-model.js';
import { CodeSampler, Rng, resolveSamplingParams, targetDistribution, verifyDraft } from '../src/lm/sampling/index.js';
import { textToPhonemeIds } from '../src/text/phonemize.js';
import { fixtureVoice, loadFixture } from './engine-helpers.js';

const LAYOUT = { audioEos: 4, groupSize: 2, vocabSize: 5 };

/** [positions, G = 2, V = 5] logits where end of speech (id 4) holds nearly all the mass in every slot. */
function eosHeavy(positions: number): Float32Array {
  const logits = new Float32Array(positions * 10);
  for (let i = 0; i < logits.length; i++) logits[i] = i % 5 === 4 ? 8 : (i % 5) * 0.1;
  return logits;
}

describe('maskEndOfSpeech', () => {
  it('masks end of speech in every slot of the positions below minGroups, and nothing else', () => {
    const logits = eosHeavy(3);
    const before = Float32Array.from(logits);
    maskEndOfSpeech(logits, 1, 3, LAYOUT); // positions predict groups 1, 2, 3: groups 1 and 2 are masked
    const changed = [...logits.keys()].filter((i) => logits[i] !== before[i]);
    expect(changed).toEqual([4, 9, 14, 19]);
    expect(changed.every((i) => logits[i] === -Infinity)).toBe(true);
    expect(Array.from(maskEndOfSpeech(eosHeavy(2), 3, 3, LAYOUT))).toEqual(Array.from(eosHeavy(2))); // past the floor
  });

  it('refuses logits that are not whole positions', () => {
    expect(() => maskEndOfSpeech(new Float32Array(7), 0, 1, LAYOUT)).toThrow(/whole positions/);
  });

  it('sampling never draws end of speech from masked logits, and does from the same logits unmasked', () => {
    const draws = (mask: boolean): number[] => {
      const sampler = new CodeSampler({ temperature: 1, topP: 0.9, ras: true }, { seed: 3 });
      const out: number[] = [];
      for (let n = 0; n < 200; n++) out.push(...sampler.sampleGroup(mask ? maskEndOfSpeech(eosHeavy(1), 0, 1, LAYOUT) : eosHeavy(1), 2));
      return out;
    };
    expect(draws(true)).not.toContain(4);
    expect(draws(false).filter((x) => x === 4).length).toBeGreaterThan(300);
    const p = targetDistribution(maskEndOfSpeech(eosHeavy(1), 0, 1, LAYOUT).subarray(0, 5), [], { temperature: 1 });
    expect(p[4]).toBe(0);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('speculative verification against masked targets never emits end of speech, even when drafted', () => {
    const target = maskEndOfSpeech(eosHeavy(2), 0, 2, LAYOUT);
    const slots = [0, 1, 2, 3].map((s) => target.subarray(s * 5, (s + 1) * 5));
    const oneHotEos = Float32Array.from([0, 0, 0, 0, 1]);
    const rng = new Rng(9);
    for (let n = 0; n < 100; n++) {
      const r = verifyDraft({ draftTokens: [4, 4], draftProbs: [oneHotEos, oneHotEos], targetLogitsPerPosition: slots, history: [], params: { temperature: 1 }, rng, groupSize: 2 });
      expect(r.accepted).toBe(0);
      expect(r.tokens).not.toContain(4);
    }
  });
});

describe('minGroupsFor', () => {
  it('is phonemes x seconds x frame rate / G, at least 1, at most the limit', () => {
    expect(minGroupsFor(53, DEFAULT_MIN_LENGTH, 50, 2, 1000)).toBe(33); // floor(53 * 0.025 * 50 / 2)
    expect(minGroupsFor(1, DEFAULT_MIN_LENGTH, 50, 2, 1000)).toBe(1);
    expect(minGroupsFor(53, { secondsPerPhoneme: 0 }, 50, 2, 1000)).toBe(1);
    expect(minGroupsFor(53, DEFAULT_MIN_LENGTH, 50, 2, 20)).toBe(20);
  });
});

/** The same graph, with end of speech given nearly all the mass at every position (the real graph still runs). */
function eosEager(ar: ArModel, eos: number): ArModel {
  const biased = Object.create(ar) as ArModel;
  biased.run = async (feeds) => {
    const out = await ar.run(feeds);
    for (let i = eos; i < out.logits.length; i += ar.dims.vocabSize) out.logits[i] = 1e4;
    return out;
  };
  return biased;
}

describe('decoding paths on a model that always wants to end speech', () => {
  let model: LoadedModel;
  let eager: LoadedModel;
  let voice: Voice;
  beforeAll(async () => {
    model = await loadFixture();
    eager = { ...model, ar: eosEager(model.ar, model.audioEos), draft: model.draft && eosEager(model.draft, model.audioEos) };
    voice = await fixtureVoice(model, 'a test prompt');
  });

  async function job(minGroups: number, params: object, speculative: boolean, seed = 5): Promise<ArJob> {
    const inputs = chunkInputs(model, voice, (await textToPhonemeIds('A short sentence to say.')).ids);
    expect(inputs.maxGroups).toBeGreaterThan(minGroups + 1);
    return { prompt: inputs.ar, maxGroups: inputs.maxGroups, minGroups, params: resolveSamplingParams(params), seed, speculative };
  }

  const GREEDY = { temperature: 0 };
  const SAMPLED = { temperature: 1, topP: 0.8, ras: true };

  it('without a floor, speech ends at once: empty codes (the failure being fixed)', async () => {
    for (const speculative of [false, true]) {
      const r = await generateCodebook0(eager, await job(0, GREEDY, speculative));
      expect(r.codes.length).toBe(0);
      expect(r.endOfSpeech).toBe(true);
    }
  });

  it.each([
    ['plain, greedy', GREEDY, false],
    ['plain, sampling with RAS', SAMPLED, false],
    ['speculative, greedy', GREEDY, true],
    ['speculative, sampling with RAS', SAMPLED, true],
  ] as const)('%s: end of speech exactly at minGroups, never before', async (_name, params, speculative) => {
    for (const minGroups of [1, 3, 7]) {
      const r = await generateCodebook0(eager, await job(minGroups, params, speculative));
      expect(r.endOfSpeech).toBe(true);
      expect(r.codes.length).toBe(minGroups * model.groupSize);
      expect(Array.from(r.codes)).not.toContain(model.audioEos);
      if (speculative && minGroups > 1) expect(r.proposed).toBeGreaterThan(0);
    }
  });

  it('greedy: the drafter changes nothing, with a drafter or the AR itself as drafter', async () => {
    const plain = await generateCodebook0(eager, await job(7, GREEDY, false));
    const spec = await generateCodebook0(eager, await job(7, GREEDY, true));
    const self = await decodeSpeculative(eager, eager.ar, await job(7, GREEDY, true));
    expect(Array.from(spec.codes)).toEqual(Array.from(plain.codes));
    expect(Array.from(self.codes)).toEqual(Array.from(plain.codes));
    expect(self.accepted).toBe(self.proposed);
  });

  it('batched: each row ends at its own minGroups, with the codes it gets alone', async () => {
    const jobs = await Promise.all([2, 6, 4].map((m, i) => job(m, SAMPLED, false, 20 + i)));
    const alone: Awaited<ReturnType<typeof generateCodebook0>>[] = [];
    for (const j of jobs) alone.push(await generateCodebook0(eager, j));
    const batcher = new ArBatcher(eager);
    const batched = await Promise.all(jobs.map((j) => batcher.submit(j)));
    expect(batcher.batchSizes).toEqual([3]);
    batched.forEach((r, i) => {
      expect(r.endOfSpeech).toBe(true);
      expect(r.codes.length).toBe(jobs[i].minGroups! * model.groupSize);
      expect(Array.from(r.codes)).toEqual(Array.from(alone[i].codes));
    });
  });

  it('Synthesizer: audio of at least the minimum length, from the phoneme count', async () => {
    const text = 'Hi there.';
    const { ids } = await textToPhonemeIds(text);
    const groups = minGroupsFor(ids.length, DEFAULT_MIN_LENGTH, model.frameRate, model.groupSize, Infinity);
    for (const speculative of [false, true]) {
      const r = await new Synthesizer(eager).generate(text, { voice, seed: 1, speculative });
      expect(r.audio.length).toBe(groups * model.groupSize * model.hopLength);
    }
    const slower = await new Synthesizer(eager, { minLength: { secondsPerPhoneme: 0.05 } }).generate(text, { voice, seed: 1 });
    expect(slower.audio.length).toBeGreaterThan(groups * model.groupSize * model.hopLength);
  });

  it.each([[{ secondsPerPhoneme: -0.01 }], [{ secondsPerPhoneme: Number.NaN }], [{ secondsPerPhoneme: 0.25 }], [{ secondsPerPhoneme: '0.1' as unknown as number }]])('refuses minLength %j', (minLength) => {
    expect(() => new Synthesizer(model, { minLength })).toThrow(expect.objectContaining({ code: 'invalid_input', param: 'minLength' }));
  });

  it('minLength must stay below the length limit it is paired with', () => {
    expect(() => new Synthesizer(model, { lengthLimit: { secondsPerPhoneme: 0.02 } })).toThrow(expect.objectContaining({ param: 'minLength' }));
    expect(() => new Synthesizer(model, { lengthLimit: { secondsPerPhoneme: 0.02 }, minLength: { secondsPerPhoneme: 0.01 } })).not.toThrow();
  });
});
