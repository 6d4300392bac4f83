/** Selectors that end a chain (greedy argmax, seeded draw) and the categorical draw they share with speculation. */

import { ParlaError } from '../../errors.js';
import type { Candidates } from './candidates.js';
import type { Rng } from './rng.js';
import type { Sampler } from './sampler.js';

/** Picks the highest logit among the candidates, ties -> lowest id. Uses no randomness. */
export class GreedySampler implements Sampler {
  readonly name = 'greedy';

  apply(c: Candidates): void {
    let best = 0;
    for (let i = 1; i < c.size; i++) {
      const id = c.ids[i];
      const bestId = c.ids[best];
      if (c.logits[id] > c.logits[bestId] || (c.logits[id] === c.logits[bestId] && id < bestId)) best = i;
    }
    c.selected = best;
  }

  accept(): void {}
  reset(): void {}
}

/** Draws one candidate from the softmax of the remaining candidates with a seeded RNG (one `rng.next()` per draw). */
export class DistSampler implements Sampler {
  readonly name = 'dist';

  constructor(private readonly rng: Rng) {}

  apply(c: Candidates): void {
    drawFromCandidates(c, this.rng);
  }

  accept(): void {}
  reset(): void {}
}

/** Softmax over the candidates in play, then an inverse-CDF draw in list order; sets `c.selected`. */
export function drawFromCandidates(c: Candidates, rng: Rng): void {
  c.softmax();
  const u = rng.next();
  let cumulative = 0;
  let lastPositive = 0;
  for (let i = 0; i < c.size; i++) {
    const p = c.probs[c.ids[i]];
    if (p <= 0) continue;
    lastPositive = i;
    cumulative += p;
    if (u < cumulative) {
      c.selected = i;
      return;
    }
  }
  c.selected = lastPositive; // u landed in the rounding slack above the last cumulative sum
}

/**
 * Draws a token id from a probability vector indexed by id, shape (V,); need not be normalized (the total is
 * computed). Used for speculative acceptance, residuals and drafters that sample from an explicit distribution.
 */
export function sampleFromDistribution(probs: ArrayLike<number>, rng: Rng): number {
  let total = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > 0) total += probs[i];
  const target = rng.next() * total;
  let cumulative = 0;
  let lastPositive = -1;
  for (let i = 0; i < probs.length; i++) {
    if (!(probs[i] > 0)) continue;
    lastPositive = i;
    cumulative += probs[i];
    if (target < cumulative) return i;
  }
  if (lastPositive < 0) throw new ParlaError('invalid_input', 'distribution has no positive probability', { param: 'probs' });
  return lastPositive;
}
