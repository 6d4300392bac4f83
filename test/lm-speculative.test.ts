// Speculative verification: exact acceptance rule on hand-made distributions, greedy identity with plain decoding,
// and equal output distributions with and without speculation on a toy model (RAS on, G = 1 and G = 2).
import { describe, expect, it } from 'vitest';
import { ParlaError } from '../src/errors.js';
import {
  CodeSampler,
  Rng,
  sampleFromDistribution,
  targetDistribution,
  verifyDraft,
  type SamplingParams,
  type VerifyDraftInput,
} from '../src/lm/sampling/index.js';
import { describeFit, fits } from './lm-sampling-stats.js';

const VOCAB = 5;

/** Fixed pseudo-random table: rows of logits over VOCAB, from a seed (toy "weights"). */
function table(rows: number, seed: number, scale: number): Float32Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: rows }, () => Float32Array.from({ length: VOCAB }, () => scale * (rng.next() - 0.5)));
}
const TARGET_TABLE = table(11, 1, 4);
// The drafter sees the same context but its own, perturbed table: decent but imperfect agreement.
const DRAFT_TABLE = TARGET_TABLE.map((row, r) => row.map((l, v) => l + 1.5 * Math.sin(7 * r + 3 * v)));

/** Context hash of a code sequence; the toy models are deterministic functions of it and of the code slot g. */
function rowIndex(context: readonly number[], g: number): number {
  const n = context.length;
  return (3 * (context[n - 1] ?? 0) + 2 * (context[n - 2] ?? 0) + n + 5 * g) % 11;
}
/** Toy AR model: logits for code g of the group that starts after `context` (one AR step predicts all G). */
const targetModel = (context: readonly number[], g: number): Float32Array => TARGET_TABLE[rowIndex(context, g)];
const draftModel = (context: readonly number[], g: number): Float32Array => DRAFT_TABLE[rowIndex(context, g)];

function plainDecode(prompt: number[], codes: number, groupSize: number, params: Partial<SamplingParams>, seed: number): number[] {
  const sampler = new CodeSampler(params, { seed, history: prompt });
  const seq = [...prompt];
  while (seq.length - prompt.length < codes) {
    const groupLogits = new Float32Array(groupSize * VOCAB);
    for (let g = 0; g < groupSize; g++) groupLogits.set(targetModel(seq, g), g * VOCAB);
    seq.push(...sampler.sampleGroup(groupLogits, groupSize));
  }
  return seq.slice(prompt.length, prompt.length + codes);
}

interface SpeculativeOptions {
  groupSize: number;
  draftGroups: number;
  /** Greedy drafter (one-hot q) or one that samples from softmax of its logits. */
  drafter: 'greedy' | 'sampling';
}

function speculativeDecode(prompt: number[], codes: number, params: Partial<SamplingParams>, seed: number, o: SpeculativeOptions): { codes: number[]; accepted: number; proposed: number } {
  const sampler = new CodeSampler(params, { seed, history: prompt });
  const draftRng = sampler.rng.fork(); // independent of the verifier's draws (a shared stream would bias acceptance)
  const seq = [...prompt];
  let accepted = 0;
  let proposed = 0;
  while (seq.length - prompt.length < codes) {
    const draftTokens: number[] = [];
    const draftProbs: Float32Array[] = [];
    for (let i = 0; i < o.draftGroups * o.groupSize; i++) {
      const groupStart = [...seq, ...draftTokens.slice(0, i - (i % o.groupSize))];
      const q = drafterDistribution(draftModel(groupStart, i % o.groupSize), o.drafter);
      draftProbs.push(q);
      draftTokens.push(o.drafter === 'greedy' ? q.indexOf(1) : sampleFromDistribution(q, draftRng));
    }
    // One "AR call": logits for every drafted code plus the bonus group.
    const targetLogitsPerPosition: Float32Array[] = [];
    for (let i = 0; i < draftTokens.length + o.groupSize; i++) {
      targetLogitsPerPosition.push(targetModel([...seq, ...draftTokens.slice(0, i - (i % o.groupSize))], i % o.groupSize));
    }
    const result = sampler.verifyDraft({ draftTokens, draftProbs, targetLogitsPerPosition, groupSize: o.groupSize });
    // Plain checks, not expect(): this runs 100k times per test.
    if (result.tokens.length % o.groupSize !== 0) throw new Error(`emitted ${result.tokens.length} codes, not whole groups`);
    for (let i = 0; i < result.accepted; i++) if (result.tokens[i] !== draftTokens[i]) throw new Error('accepted code differs from the draft');
    accepted += result.accepted;
    proposed += draftTokens.length;
    seq.push(...result.tokens);
  }
  return { codes: seq.slice(prompt.length, prompt.length + codes), accepted, proposed };
}

function drafterDistribution(logits: Float32Array, kind: 'greedy' | 'sampling'): Float32Array {
  if (kind === 'greedy') return targetDistribution(logits, [], { temperature: 0 });
  return targetDistribution(logits, [], { temperature: 1, topP: 1, ras: false });
}

/** Exact probability of every code sequence of length `codes` under plain decoding (index = base-V number). */
function exactSequenceDistribution(prompt: number[], codes: number, groupSize: number, params: Partial<SamplingParams>): Float64Array {
  const out = new Float64Array(VOCAB ** codes);
  const walk = (generated: number[], prob: number): void => {
    if (generated.length === codes) {
      out[generated.reduce((acc, t) => acc * VOCAB + t, 0)] = prob;
      return;
    }
    const t = generated.length;
    const groupStart = [...prompt, ...generated.slice(0, t - (t % groupSize))];
    const p = targetDistribution(targetModel(groupStart, t % groupSize), [...prompt, ...generated], params);
    for (let x = 0; x < VOCAB; x++) if (p[x] > 0) walk([...generated, x], prob * p[x]);
  };
  walk([], 1);
  return out;
}

const sequenceIndex = (codes: number[]): number => codes.reduce((acc, t) => acc * VOCAB + t, 0);

describe('verifyDraft on hand-made distributions', () => {
  const P = [0.1, 0.4, 0.2, 0.3];
  const Q = Float32Array.from([0.4, 0.1, 0.3, 0.2]);
  const logits = Float32Array.from(P, Math.log);
  const plain: Partial<SamplingParams> = { temperature: 1, topP: 1, ras: false };

  it('emits P at the first position and accepts with probability sum(min(P, q)) = 0.6', () => {
    const rng = new Rng(3);
    const counts = [0, 0, 0, 0];
    let acceptedCount = 0;
    const runs = 40_000;
    for (let i = 0; i < runs; i++) {
      const x = sampleFromDistribution(Q, rng);
      const r = verifyDraft({ draftTokens: [x], draftProbs: [Q], targetLogitsPerPosition: [logits, logits], history: [], params: plain, rng });
      acceptedCount += r.accepted;
      counts[r.tokens[0]]++;
      if (r.tokens.length !== r.accepted + 1) throw new Error(`accepted ${r.accepted} but emitted ${r.tokens.length}`);
    }
    expect(fits(counts, P), describeFit(counts, P)).toBe(true);
    expect(fits(counts, Array.from(Q)), describeFit(counts, Array.from(Q))).toBe(false);
    expect(Math.abs(acceptedCount / runs - 0.6)).toBeLessThan(0.01);
  });

  it('always accepts when the drafter proposes from the target distribution itself', () => {
    const rng = new Rng(4);
    const q = targetDistribution(logits, [], plain);
    for (let i = 0; i < 2000; i++) {
      const draftTokens = [sampleFromDistribution(q, rng), sampleFromDistribution(q, rng)];
      const r = verifyDraft({ draftTokens, draftProbs: [q, q], targetLogitsPerPosition: [logits, logits, logits], history: [], params: plain, rng });
      if (r.accepted !== 2 || r.tokens.length !== 3) throw new Error(`run ${i}: accepted ${r.accepted} of 2`);
    }
  });

  const greedy: Partial<SamplingParams> = { temperature: 0 };
  const oneHot = (id: number): Float32Array => Float32Array.from({ length: 4 }, (_, i) => (i === id ? 1 : 0));
  const favoring = (id: number): Float32Array => Float32Array.from({ length: 4 }, (_, i) => (i === id ? 5 : 0));
  it.each<[string, number[], number, number, number[]]>([
    ['G=1, right draft + bonus', [1], 1, 1, [1, 3]],
    ['G=1, wrong draft is replaced by the argmax', [2], 1, 0, [1]],
    ['G=1, second draft wrong', [1, 0], 1, 1, [1, 3]],
    ['G=2, code 1 wrong: group completes with its argmax', [1, 2], 2, 1, [1, 3]],
    ['G=2, code 0 wrong: code 1 is drawn from its own logits', [2, 3], 2, 0, [1, 3]],
    ['G=2, all right: bonus group of 2', [1, 3], 2, 2, [1, 3, 2, 0]],
  ])('greedy: %s', (_name, draftTokens, groupSize, accepted, tokens) => {
    // Position logits: argmax 1, then 3, then (bonus) 2, 0.
    const rows = [favoring(1), favoring(3), favoring(2), favoring(0)].slice(0, draftTokens.length + groupSize);
    const r = verifyDraft({ draftTokens, draftProbs: draftTokens.map(oneHot), targetLogitsPerPosition: rows, history: [], params: greedy, rng: new Rng(1), groupSize });
    expect(r).toEqual({ accepted, tokens });
  });

  it.each<[string, Partial<VerifyDraftInput>, string]>([
    ['one draftProbs too few', { draftProbs: [] }, 'draftProbs'],
    ['targetLogits without the bonus position', { targetLogitsPerPosition: [logits] }, 'targetLogitsPerPosition'],
    ['a draft token outside the vocabulary', { draftTokens: [4] }, 'draftTokens'],
    ['a draft that is not whole groups', { groupSize: 2, targetLogitsPerPosition: [logits, logits, logits] }, 'draftTokens'],
    ['group size 0', { groupSize: 0 }, 'groupSize'],
    ['q of the wrong vocabulary size', { draftProbs: [new Float32Array(3)] }, 'draftProbs'],
  ])('refuses %s', (_name, override, param) => {
    const input: VerifyDraftInput = { draftTokens: [1], draftProbs: [Q], targetLogitsPerPosition: [logits, logits], history: [], params: plain, rng: new Rng(0), ...override };
    expect(() => verifyDraft(input)).toThrow(ParlaError);
    expect(() => verifyDraft(input)).toThrow(expect.objectContaining({ code: 'invalid_input', param }));
  });
});

describe('greedy speculative decoding equals plain greedy decoding', () => {
  const prompt = [1, 4, 2];
  it.each<[number, number, 'greedy' | 'sampling']>([
    [1, 1, 'greedy'],
    [1, 4, 'greedy'],
    [1, 3, 'sampling'],
    [2, 1, 'greedy'],
    [2, 3, 'sampling'],
  ])('G = %i, draft %i groups, %s drafter', (groupSize, draftGroups, drafter) => {
    const params = { temperature: 0 };
    const plain = plainDecode(prompt, 60, groupSize, params, 1);
    const { codes, accepted, proposed } = speculativeDecode(prompt, 60, params, 2, { groupSize, draftGroups, drafter });
    expect(codes).toEqual(plain);
    expect(new Set(plain).size).toBeGreaterThan(2); // the toy model does not collapse to one token
    expect(accepted).toBeGreaterThan(0); // the drafter is right sometimes...
    expect(accepted).toBeLessThan(proposed); // ...and wrong sometimes, so both paths ran
  });
});

describe('sampling: speculation keeps the output distribution (RAS on)', () => {
  const prompt = [3, 0, 3];
  type Case = [string, number, number, number, 'greedy' | 'sampling', Partial<SamplingParams>];
  const cases: Case[] = [
    ['G=1, 4 codes, K=3 t_r=0.3 (one repeat triggers), top-p 0.8', 1, 4, 3, 'sampling', { temperature: 1, topP: 0.8, rasWindow: 3, rasThreshold: 0.3 }],
    ['G=1, 4 codes, greedy drafter, T=0.8, top-k 3', 1, 4, 2, 'greedy', { temperature: 0.8, topK: 3, topP: 1, rasWindow: 3, rasThreshold: 0.3 }],
    ['G=2, 2 groups, K=4 t_r=0.25, top-p 0.7', 2, 4, 2, 'sampling', { temperature: 1, topP: 0.7, rasWindow: 4, rasThreshold: 0.25 }],
  ];

  it.each(cases)('%s', (_name, groupSize, codes, draftGroups, drafter, params) => {
    const exact = exactSequenceDistribution(prompt, codes, groupSize, params);
    expect(exact.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    const runs = 10_000;
    const plainCounts = new Float64Array(exact.length);
    const speculativeCounts = new Float64Array(exact.length);
    const wrongCounts = new Float64Array(exact.length);
    let accepted = 0;
    let proposed = 0;
    for (let i = 0; i < runs; i++) {
      plainCounts[sequenceIndex(plainDecode(prompt, codes, groupSize, params, i))]++;
      const s = speculativeDecode(prompt, codes, params, 1_000_000 + i, { groupSize, draftGroups, drafter });
      speculativeCounts[sequenceIndex(s.codes)]++;
      accepted += s.accepted;
      proposed += s.proposed;
      // Power check: verifying against the nucleus alone (no RAS term) must be caught by the same test.
      wrongCounts[sequenceIndex(speculativeDecode(prompt, codes, { ...params, ras: false }, 2_000_000 + i, { groupSize, draftGroups, drafter }).codes)]++;
    }
    console.log(`${_name}: plain ${describeFit(plainCounts, exact)}; speculative ${describeFit(speculativeCounts, exact)}, acceptance ${(accepted / proposed).toFixed(2)}; without RAS term ${describeFit(wrongCounts, exact)}`);
    expect(fits(plainCounts, exact), `plain: ${describeFit(plainCounts, exact)}`).toBe(true);
    expect(fits(speculativeCounts, exact), `speculative: ${describeFit(speculativeCounts, exact)}`).toBe(true);
    expect(fits(wrongCounts, exact), `without RAS term: ${describeFit(wrongCounts, exact)}`).toBe(false);
    const rate = accepted / proposed;
    expect(rate).toBeGreaterThan(0.05);
    expect(rate).toBeLessThan(0.95);
  });
});
