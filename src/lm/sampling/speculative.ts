/**
 * Speculative verification at code granularity: accept each drafted code x with probability min(1, P(x)/q(x)),
 * where P is the exact sampler distribution (targetDistribution, RAS included) given the history extended by the
 * codes accepted so far; on the first rejection emit a draw from normalize(max(0, P - q)) and stop. The emitted
 * sequence then has exactly the distribution of plain CodeSampler decoding (Leviathan et al. 2023), for any drafter.
 *
 * Grouped codes (G per AR step): positions are individual codes, G per group, and the AR call returns logits for
 * every code of every drafted group plus the group after the draft. Within a group the logits do not depend on the
 * group's own codes (one AR step predicts all G), so after a rejection at code g the remaining codes g+1..G-1 of that
 * group are drawn straight from their (already computed) target distribution; the output always ends on a group
 * boundary. If every drafted code is accepted, a bonus group of G codes is drawn from the last G logits.
 */

import { ParlaError } from '../../errors.js';
import { resolveSamplingParams, type SamplingParams } from './params.js';
import type { Rng } from './rng.js';
import { sampleFromDistribution } from './selectors.js';
import { targetDistribution } from './target-distribution.js';

export interface VerifyDraftInput {
  /** Drafted codes, n = k·G, in stream order. */
  draftTokens: ArrayLike<number>;
  /** q_i: the distribution each drafted code was drawn from, n arrays of shape (V,). A greedy drafter passes one-hots. */
  draftProbs: ArrayLike<ArrayLike<number>>;
  /** Target (AR) logits, n + G arrays of shape (V,): one per drafted code, then the bonus group's G codes. */
  targetLogitsPerPosition: ArrayLike<ArrayLike<number>>;
  /** Emitted codes before the draft, oldest first (CodeSampler.history()); not modified. */
  history: ArrayLike<number>;
  params: Partial<SamplingParams>;
  rng: Rng;
  /** G, codes per AR step; default 1. */
  groupSize?: number;
}

export interface VerifyDraftResult {
  /** How many drafted codes were accepted (0..n). */
  accepted: number;
  /** Codes to emit, in order: accepted drafts, then the correction and the rest of its group, or the bonus group. */
  tokens: number[];
}

export function verifyDraft(input: VerifyDraftInput): VerifyDraftResult {
  const params = resolveSamplingParams(input.params);
  const { draftTokens, draftProbs, targetLogitsPerPosition: targetLogits, rng } = input;
  const groupSize = input.groupSize ?? 1;
  const n = draftTokens.length;
  validate(n, groupSize, draftProbs.length, targetLogits.length);

  const history = Array.from(input.history);
  const tokens: number[] = [];
  const emit = (token: number): void => {
    tokens.push(token);
    history.push(token);
  };
  const drawFromTarget = (position: number): number =>
    sampleFromDistribution(targetDistribution(targetLogits[position], history, params), rng);

  for (let i = 0; i < n; i++) {
    const target = targetDistribution(targetLogits[i], history, params);
    const draftDist = draftProbs[i];
    if (draftDist.length !== target.length) {
      throw new ParlaError('invalid_input', `draftProbs[${i}] has ${draftDist.length} entries, target logits have ${target.length}`, { param: 'draftProbs' });
    }
    const x = draftTokens[i];
    if (!Number.isInteger(x) || x < 0 || x >= target.length) {
      throw new ParlaError('invalid_input', `draftTokens[${i}] = ${x} is not a token id below ${target.length}`, { param: 'draftTokens' });
    }
    // Accept with probability min(1, P(x)/q(x)); written as u·q < P so q(x) = 0 cannot divide by zero.
    if (rng.next() * draftDist[x] < target[x]) {
      emit(x);
      continue;
    }
    emit(sampleResidual(target, draftDist, rng));
    const groupEnd = (Math.floor(i / groupSize) + 1) * groupSize;
    for (let j = i + 1; j < groupEnd; j++) emit(drawFromTarget(j));
    return { accepted: i, tokens };
  }
  for (let j = n; j < n + groupSize; j++) emit(drawFromTarget(j));
  return { accepted: n, tokens };
}

/** Draw from normalize(max(0, P - q)); if that is empty (P = q up to rounding), from P itself. */
function sampleResidual(target: Float32Array, draft: ArrayLike<number>, rng: Rng): number {
  const residual = new Float64Array(target.length);
  let mass = 0;
  for (let id = 0; id < target.length; id++) {
    const r = target[id] - draft[id];
    if (r > 0) {
      residual[id] = r;
      mass += r;
    }
  }
  return mass > 1e-12 ? sampleFromDistribution(residual, rng) : sampleFromDistribution(target, rng);
}

function validate(n: number, groupSize: number, probsCount: number, logitsCount: number): void {
  if (!Number.isInteger(groupSize) || groupSize < 1) {
    throw new ParlaError('invalid_input', `groupSize must be an integer >= 1, got ${groupSize}`, { param: 'groupSize' });
  }
  if (n % groupSize !== 0) {
    throw new ParlaError('invalid_input', `draft of ${n} codes is not a whole number of groups of ${groupSize}`, { param: 'draftTokens' });
  }
  if (probsCount !== n) {
    throw new ParlaError('invalid_input', `draftProbs has ${probsCount} entries for ${n} drafted codes`, { param: 'draftProbs' });
  }
  if (logitsCount !== n + groupSize) {
    throw new ParlaError('invalid_input', `targetLogitsPerPosition has ${logitsCount} entries, expected ${n} drafted + ${groupSize} bonus`, { param: 'targetLogitsPerPosition' });
  }
}
