// Repetition-aware sampling: exact trigger rule, fallback to the full tempered distribution, per-code history in
// groups, and targetDistribution (the closed form) against the empirical distribution of the real sampler.
import { describe, expect, it } from 'vitest';
import {
  Candidates,
  CodeSampler,
  RepetitionAwareSampler,
  Rng,
  SamplerChain,
  TemperatureSampler,
  TopKSampler,
  isRepetitive,
  targetDistribution,
  type SamplingParams,
} from '../src/lm/sampling/index.js';
import { describeFit, fits } from './lm-sampling-stats.js';

const logitsOf = (probs: number[]): Float32Array => Float32Array.from(probs, Math.log);

describe('isRepetitive: count / K > t_r, strictly', () => {
  it.each([
    [1, 10, 0.1, false],
    [2, 10, 0.1, true],
    [1, 4, 0.25, false],
    [2, 4, 0.25, true],
    [1, 3, 0.3, true],
    [0, 5, 0, false],
    [1, 5, 0, true],
    [4, 4, 1, false],
  ])('count %i, K %i, t_r %d -> %s', (count, k, tr, expected) => {
    expect(isRepetitive(count, k, tr)).toBe(expected);
  });
});

describe('RepetitionAwareSampler fallback', () => {
  // Nucleus = top-1, so the first draw is always token 0 (p = 0.4); the fallback must draw from the full
  // distribution tempered at T = 2, which gives tokens 1..3 (outside the nucleus) most of the mass.
  const probs = [0.4, 0.3, 0.2, 0.1];
  const temperature = 2;
  const tempered = probs.map((p) => p ** (1 / temperature));
  const full = tempered.map((p) => p / tempered.reduce((a, b) => a + b));

  it.each<[string, number[], number, number, boolean]>([
    ['once in K = 10 (ratio 0.1, not > 0.1)', [0], 10, 0.1, false],
    ['twice in K = 10 (ratio 0.2)', [0, 5, 0], 10, 0.1, true],
    ['twice but one is older than K', [0, 0, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1], 10, 0.1, false],
    ['once in K = 4 with t_r = 0.25 (equal, not above)', [0], 4, 0.25, false],
    ['twice in K = 4 with t_r = 0.25', [0, 0], 4, 0.25, true],
    ['once with t_r = 0', [1, 0], 4, 0, true],
    ['never with t_r = 1, even a full window', [0, 0, 0, 0], 4, 1, false],
    ['empty history', [], 10, 0.1, false],
  ])('%s (history %j, K %i, t_r %d) -> fallback %s', (_name, history, windowSize, threshold, expectFallback) => {
    const rng = new Rng(11);
    const ras = new RepetitionAwareSampler({ nucleus: new TopKSampler(1), rng, windowSize, threshold, initialHistory: history });
    const chain = new SamplerChain([new TemperatureSampler(temperature), ras]);
    const c = new Candidates(4);
    const counts = [0, 0, 0, 0];
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      chain.apply(c.load(logitsOf(probs)));
      counts[c.selectedToken()]++;
    }
    if (!expectFallback) {
      expect(ras.fallbacks).toBe(0);
      expect(counts).toEqual([draws, 0, 0, 0]);
    } else {
      expect(ras.fallbacks).toBe(draws);
      expect(fits(counts, full), describeFit(counts, full)).toBe(true);
      // Not the untempered distribution: the test can tell T = 2 from T = 1.
      expect(fits(counts, probs), describeFit(counts, probs)).toBe(false);
    }
  });

  it('counts the codes it emitted: the third greedy-nucleus pick of the same token falls back', () => {
    const sampler = new CodeSampler({ temperature: 1, topK: 1, topP: 1, ras: true, rasWindow: 10, rasThreshold: 0.1 }, { seed: 5 });
    const logits = logitsOf([0.1, 0.1, 0.7, 0.1]);
    expect(sampler.sample(logits)).toBe(2);
    expect(sampler.sample(logits)).toBe(2); // history [2]: 1/10 is not > 0.1
    // history [2, 2]: every further nucleus pick of 2 is resampled from the full distribution.
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      sampler.reset();
      sampler.accept(2);
      sampler.accept(2);
      counts[sampler.sample(logits)]++;
    }
    expect(fits(counts, [0.1, 0.1, 0.7, 0.1]), describeFit(counts, [0.1, 0.1, 0.7, 0.1])).toBe(true);
  });

  it('group decoding: code 1 of a group already counts code 0 of the same group', () => {
    // Both codes' nucleus is token 3 alone; the prompt history holds one 3. Code 0 is then 3 (1/10 not > 0.1);
    // code 1 sees [3, 3] and must fall back to the full distribution (token 3 has only p = 0.4 there).
    const row = [0.2, 0.2, 0.2, 0.4];
    const groupLogits = Float32Array.from([...row, ...row], Math.log);
    const counts = [
      [0, 0, 0, 0],
      [0, 0, 0, 0],
    ];
    const sampler = new CodeSampler({ temperature: 1, topK: 1, topP: 1, rasWindow: 10, rasThreshold: 0.1 }, { seed: 9, history: [3] });
    for (let i = 0; i < 4000; i++) {
      sampler.reset();
      const [a, b] = sampler.sampleGroup(groupLogits, 2);
      counts[0][a]++;
      counts[1][b]++;
    }
    expect(counts[0]).toEqual([0, 0, 0, 4000]);
    expect(fits(counts[1], row), describeFit(counts[1], row)).toBe(true);
    const last = sampler.history();
    expect(last.slice(0, 2)).toEqual([3, 3]); // prompt code, then the group's codes in order
    expect(last).toHaveLength(3);
  });

  it('reset() returns to the seeded history and keeps only the last K codes', () => {
    const sampler = new CodeSampler({ rasWindow: 3 }, { history: [7, 8, 9, 10] });
    expect(sampler.history()).toEqual([8, 9, 10]);
    sampler.accept(1);
    expect(sampler.history()).toEqual([9, 10, 1]);
    sampler.reset();
    expect(sampler.history()).toEqual([8, 9, 10]);
  });
});

describe('targetDistribution is the exact distribution of CodeSampler', () => {
  const probs = [0.35, 0.25, 0.2, 0.12, 0.08];
  const logits = logitsOf(probs);
  type Case = [string, Partial<SamplingParams>, number[]];
  const cases: Case[] = [
    ['RAS K=10 t_r=0.1, token 0 repetitive, nucleus 0.7', { temperature: 1, topP: 0.7, rasWindow: 10, rasThreshold: 0.1 }, [0, 0, 3]],
    ['RAS K=4 t_r=0.25, T=0.7, top-k 3, top-p 0.9', { temperature: 0.7, topK: 3, topP: 0.9, rasWindow: 4, rasThreshold: 0.25 }, [1, 2, 1, 2, 0]],
    ['RAS with two repetitive tokens, no truncation, T=1.5', { temperature: 1.5, topP: 1, rasWindow: 2, rasThreshold: 0 }, [0, 1]],
    ['RAS with an empty history equals the nucleus', { temperature: 1.2, topP: 0.6 }, []],
    ['RAS off, T=0.8, top-k 2', { temperature: 0.8, topK: 2, topP: 1, ras: false }, [0, 0, 0]],
  ];

  it.each(cases)('%s', (_name, params, history) => {
    const sampler = new CodeSampler(params, { seed: 2024, history });
    const counts = new Array(probs.length).fill(0);
    for (let i = 0; i < 40_000; i++) {
      sampler.reset();
      counts[sampler.sample(logits)]++;
    }
    const exact = Array.from(targetDistribution(logits, history, params));
    expect(exact.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    expect(fits(counts, exact), describeFit(counts, exact)).toBe(true);

    // Power check: the same counts reject the formula without the RAS fallback term, whenever that term matters.
    const withoutFallback = Array.from(targetDistribution(logits, [], { ...params, ras: false }));
    const fallbackMatters = exact.some((p, i) => Math.abs(p - withoutFallback[i]) > 0.01);
    if (fallbackMatters) expect(fits(counts, withoutFallback), describeFit(counts, withoutFallback)).toBe(false);
  });

  it('matches the closed form on a hand-computed case', () => {
    // T = 1, top-p 0.7 -> nucleus {0, 1, 2} = [0.4375, 0.3125, 0.25]; token 0 repetitive (twice in K = 10).
    // P(x) = N(x)[x not rep] + N(0) p(x).
    const p = targetDistribution(logits, [0, 0, 3], { temperature: 1, topP: 0.7, rasWindow: 10, rasThreshold: 0.1 });
    const n0 = 0.4375;
    const expected = [n0 * 0.35, 0.3125 + n0 * 0.25, 0.25 + n0 * 0.2, n0 * 0.12, n0 * 0.08];
    expected.forEach((e, i) => expect(p[i]).toBeCloseTo(e, 6));
  });
});
