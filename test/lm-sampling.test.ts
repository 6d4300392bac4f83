// Sampler chain on hand-made distributions: seeded RNG, temperature/top-k/top-p/greedy exact results, bad params.
import { describe, expect, it } from 'vitest';
import { ParlaError } from '../src/errors.js';
import {
  Candidates,
  CodeSampler,
  Rng,
  SamplerChain,
  TemperatureSampler,
  TopKSampler,
  TopPSampler,
  GreedySampler,
  targetDistribution,
  resolveSamplingParams,
  verifyDraft,
  type SamplingParams,
} from '../src/lm/sampling/index.js';

const logitsOf = (probs: number[]): Float32Array => Float32Array.from(probs, Math.log);
/** p = [0.1, 0.4, 0.2, 0.3]; sorted order by probability: 1, 3, 2, 0. */
const BASE = logitsOf([0.1, 0.4, 0.2, 0.3]);

describe('Rng', () => {
  it('matches the xoshiro128** reference output for state [1,2,3,4], including after a jump (fork)', () => {
    const rng = Rng.fromState([1, 2, 3, 4]);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040]);
    const child = rng.fork();
    // Parent jumped 2^64 ahead: values printed by the reference C implementation after jump().
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([3320478005, 3046317961, 3130903476]);
    const copy = Rng.fromState([1, 2, 3, 4]);
    for (let i = 0; i < 3; i++) copy.nextUint32();
    expect(child.nextUint32()).toBe(copy.nextUint32());
  });

  it('is reproducible per seed, restorable from state, and uniform on [0, 1)', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const firstA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(firstA);
    expect(new Rng(43).next()).not.toBe(firstA[0]);
    const saved = a.state();
    const expected = Array.from({ length: 5 }, () => a.next());
    const restored = Rng.fromState(saved);
    expect(Array.from({ length: 5 }, () => restored.next())).toEqual(expected);
    let sum = 0;
    let min = 1;
    let max = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const u = a.next();
      sum += u;
      min = Math.min(min, u);
      max = Math.max(max, u);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
  });

  it.each([
    ['NaN seed', () => new Rng(NaN)],
    ['all-zero state', () => Rng.fromState([0, 0, 0, 0])],
    ['short state', () => Rng.fromState([1, 2, 3] as unknown as [number, number, number, number])],
  ])('refuses %s', (_name, make) => {
    expect(make).toThrow(ParlaError);
  });
});

/** Applies a chain of processors to BASE-like logits; returns {id: prob} of what survives, renormalized. */
function survivors(logits: Float32Array, stages: ConstructorParameters<typeof SamplerChain>[0]): Record<number, number> {
  const c = new Candidates(logits.length).load(logits);
  new SamplerChain(stages).apply(c);
  c.softmax();
  const out: Record<number, number> = {};
  for (let i = 0; i < c.size; i++) out[c.ids[i]] = c.probs[c.ids[i]];
  return out;
}

function expectDistribution(actual: Record<number, number>, expected: Record<number, number>): void {
  expect(Object.keys(actual).map(Number).sort()).toEqual(Object.keys(expected).map(Number).sort());
  for (const [id, p] of Object.entries(expected)) expect(actual[Number(id)]).toBeCloseTo(p, 6);
}

describe('processors on p = [0.1, 0.4, 0.2, 0.3]', () => {
  it.each<[string, ConstructorParameters<typeof SamplerChain>[0], Record<number, number>]>([
    ['T = 1 keeps p', [new TemperatureSampler(1)], { 0: 0.1, 1: 0.4, 2: 0.2, 3: 0.3 }],
    ['T = 0.5 squares p', [new TemperatureSampler(0.5)], { 0: 1 / 30, 1: 16 / 30, 2: 4 / 30, 3: 9 / 30 }],
    ['T = 2 takes sqrt p', [new TemperatureSampler(2)], { 0: 0.16270045, 1: 0.32540091, 2: 0.23009319, 3: 0.28180545 }],
    ['T = 0 keeps the argmax', [new TemperatureSampler(0)], { 1: 1 }],
    ['top-k 2', [new TopKSampler(2)], { 1: 4 / 7, 3: 3 / 7 }],
    ['top-k 0 is off', [new TopKSampler(0)], { 0: 0.1, 1: 0.4, 2: 0.2, 3: 0.3 }],
    ['top-k 9 > V keeps all', [new TopKSampler(9)], { 0: 0.1, 1: 0.4, 2: 0.2, 3: 0.3 }],
    ['top-p 0.3: the top token alone crosses it', [new TopPSampler(0.3)], { 1: 1 }],
    ['top-p 0.6 keeps the token that crosses p', [new TopPSampler(0.6)], { 1: 4 / 7, 3: 3 / 7 }],
    ['top-p 0.75', [new TopPSampler(0.75)], { 1: 4 / 9, 3: 3 / 9, 2: 2 / 9 }],
    ['top-p 1 is off', [new TopPSampler(1)], { 0: 0.1, 1: 0.4, 2: 0.2, 3: 0.3 }],
    ['top-k 3 then top-p 0.7 works on the renormalized top 3', [new TopKSampler(3), new TopPSampler(0.7)], { 1: 4 / 7, 3: 3 / 7 }],
    ['T = 0.5 then top-p 0.8: nucleus of the tempered distribution', [new TemperatureSampler(0.5), new TopPSampler(0.8)], { 1: 16 / 25, 3: 9 / 25 }],
  ])('%s', (_name, stages, expected) => {
    expectDistribution(survivors(BASE, stages), expected);
  });

  it('breaks logit ties toward the lower id (top-k and greedy)', () => {
    const tied = Float32Array.from([1, 2, 2, 0, 2]);
    expectDistribution(survivors(tied, [new TopKSampler(2)]), { 1: 0.5, 2: 0.5 });
    const c = new Candidates(5).load(tied);
    new GreedySampler().apply(c);
    expect(c.selectedToken()).toBe(1);
    expect(new CodeSampler({ temperature: 0 }).sample(tied)).toBe(1);
    expect(Array.from(targetDistribution(tied, [], { temperature: 0 }))).toEqual([0, 1, 0, 0, 0]);
  });

  it('never draws a masked (-Infinity) token', () => {
    const sampler = new CodeSampler({ temperature: 1, topP: 1, ras: false }, { seed: 3 });
    const logits = Float32Array.from([-Infinity, 0, -Infinity, 0]);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampler.sample(logits));
    expect([...seen].sort()).toEqual([1, 3]);
  });

  it('targetDistribution without RAS is exactly the truncated, tempered distribution', () => {
    const p = targetDistribution(BASE, [], { temperature: 0.5, topK: 3, topP: 0.8, ras: false });
    const expected = [0, 16 / 25, 0, 9 / 25];
    expected.forEach((e, i) => expect(p[i]).toBeCloseTo(e, 6));
  });
});

describe('greedy decoding', () => {
  it('T = 0 always emits the argmax, uses no randomness and ignores RAS', () => {
    const logits = logitsOf([0.1, 0.2, 0.6, 0.1]);
    const sampler = new CodeSampler({ temperature: 0, ras: true, rasWindow: 2, rasThreshold: 0 }, { seed: 1 });
    const before = sampler.rng.state();
    expect(Array.from({ length: 10 }, () => sampler.sample(logits))).toEqual(Array(10).fill(2));
    expect(sampler.rng.state()).toEqual(before);
    expect(sampler.history()).toEqual([2, 2]);
  });
});

describe('bad parameters', () => {
  const cases: [Partial<SamplingParams>, keyof SamplingParams][] = [
    [{ temperature: -0.1 }, 'temperature'],
    [{ temperature: NaN }, 'temperature'],
    [{ temperature: Infinity }, 'temperature'],
    [{ topP: 0 }, 'topP'],
    [{ topP: 1.01 }, 'topP'],
    [{ topP: -0.5 }, 'topP'],
    [{ topP: NaN }, 'topP'],
    [{ topK: -1 }, 'topK'],
    [{ topK: 2.5 }, 'topK'],
    [{ rasWindow: 0 }, 'rasWindow'],
    [{ rasWindow: 1.5 }, 'rasWindow'],
    [{ rasThreshold: -0.01 }, 'rasThreshold'],
    [{ rasThreshold: 1.01 }, 'rasThreshold'],
    [{ ras: 'yes' as unknown as boolean }, 'ras'],
  ];
  const entryPoints: [string, (p: Partial<SamplingParams>) => unknown][] = [
    ['resolveSamplingParams', (p) => resolveSamplingParams(p)],
    ['CodeSampler', (p) => new CodeSampler(p)],
    ['targetDistribution', (p) => targetDistribution(BASE, [], p)],
    ['verifyDraft', (p) => verifyDraft({ draftTokens: [], draftProbs: [], targetLogitsPerPosition: [BASE], history: [], params: p, rng: new Rng(0) })],
  ];
  for (const [entry, call] of entryPoints) {
    it.each(cases)(`${entry} refuses %o naming %s`, (params, param) => {
      try {
        call(params);
        expect.unreachable('should have thrown');
      } catch (err) {
        expect(err).toBeInstanceOf(ParlaError);
        expect((err as ParlaError).code).toBe('invalid_input');
        expect((err as ParlaError).param).toBe(param);
        expect((err as ParlaError).message).toContain(param);
      }
    });
  }

  it.each<[string, ArrayLike<number>]>([
    ['NaN logit', [0, NaN, 0, 0]],
    ['+Infinity logit', [0, Infinity, 0, 0]],
    ['all masked', [-Infinity, -Infinity, -Infinity, -Infinity]],
  ])('refuses logits with %s', (_name, logits) => {
    const sampler = new CodeSampler();
    expect(() => sampler.sample(Float32Array.from(logits))).toThrow(expect.objectContaining({ code: 'invalid_input', param: 'logits' }));
    expect(() => targetDistribution(Float32Array.from(logits), [], {})).toThrow(expect.objectContaining({ param: 'logits' }));
  });

  it('refuses group logits that do not split into G codes', () => {
    expect(() => new CodeSampler().sampleGroup(new Float32Array(7), 2)).toThrow(expect.objectContaining({ param: 'groupSize' }));
  });
});
