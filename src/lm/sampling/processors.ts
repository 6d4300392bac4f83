/** The stateless candidate processors: temperature, top-k and top-p (nucleus). */

import { ParlaError } from '../../errors.js';
import type { Candidates } from './candidates.js';
import type { Sampler } from './sampler.js';

abstract class StatelessProcessor implements Sampler {
  abstract readonly name: string;
  abstract apply(candidates: Candidates): void;
  accept(): void {}
  reset(): void {}
}

/** Divides logits by T; T = 0 keeps only the argmax (ties -> lowest id), i.e. greedy. */
export class TemperatureSampler extends StatelessProcessor {
  readonly name: string;

  constructor(readonly temperature: number) {
    super();
    if (!Number.isFinite(temperature) || temperature < 0) {
      throw new ParlaError('invalid_input', `temperature must be a finite number >= 0, got ${temperature}`, { param: 'temperature' });
    }
    this.name = `temperature(${temperature})`;
  }

  apply(c: Candidates): void {
    if (this.temperature === 0) {
      keepArgmax(c);
      return;
    }
    if (this.temperature === 1) return;
    const inv = 1 / this.temperature;
    for (let i = 0; i < c.size; i++) c.logits[c.ids[i]] *= inv;
  }
}

/** Keeps the k best candidates (logit descending, ties -> lower id); k = 0 or k >= size keeps all. */
export class TopKSampler extends StatelessProcessor {
  readonly name: string;

  constructor(readonly k: number) {
    super();
    if (!Number.isInteger(k) || k < 0) throw new ParlaError('invalid_input', `topK must be an integer >= 0, got ${k}`, { param: 'topK' });
    this.name = `top-k(${k})`;
  }

  apply(c: Candidates): void {
    if (this.k === 0 || this.k >= c.size) return;
    c.sort();
    c.size = this.k;
  }
}

/**
 * Keeps the smallest prefix of the sorted candidates whose probability mass reaches p (the token that crosses p is
 * kept), so at least one token always survives; p = 1 keeps all.
 */
export class TopPSampler extends StatelessProcessor {
  readonly name: string;

  constructor(readonly p: number) {
    super();
    if (!(p > 0 && p <= 1)) throw new ParlaError('invalid_input', `topP must be in (0, 1], got ${p}`, { param: 'topP' });
    this.name = `top-p(${p})`;
  }

  apply(c: Candidates): void {
    if (this.p >= 1) return;
    c.softmax();
    if (!c.sorted) dropTail(c, (1 - this.p) / c.size);
    c.sort();
    let mass = 0;
    for (let i = 0; i < c.size; i++) {
      mass += c.probs[c.ids[i]];
      if (mass >= this.p) {
        c.size = i + 1;
        return;
      }
    }
  }
}

/**
 * Drops candidates with probability below `floor` before sorting (why: a full sort of V = 1025 dominates the cost).
 * Safe for top-p when floor = (1 - p) / size: the dropped tokens hold less than 1 - p of the mass, and they are a
 * suffix of the sorted order, so the nucleus lies entirely within the kept ones.
 */
function dropTail(c: Candidates, floor: number): void {
  let kept = 0;
  for (let i = 0; i < c.size; i++) {
    const id = c.ids[i];
    if (c.probs[id] >= floor) c.ids[kept++] = id;
  }
  c.size = kept;
}

function keepArgmax(c: Candidates): void {
  let best = c.ids[0];
  for (let i = 1; i < c.size; i++) {
    const id = c.ids[i];
    if (c.logits[id] > c.logits[best] || (c.logits[id] === c.logits[best] && id < best)) best = id;
  }
  c.ids[0] = best;
  c.size = 1;
  c.sorted = true;
}
