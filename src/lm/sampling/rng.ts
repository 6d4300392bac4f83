/**
 * Seeded random numbers for sampling: xoshiro128** (32-bit integer ops only, so the same seed gives the
 * same stream on every platform), seeded through splitmix32. Saveable state and independent forks.
 */

import { ParlaError } from '../../errors.js';

/** The four 32-bit words of xoshiro128** state (never all zero). */
export type RngState = readonly [number, number, number, number];

/** splitmix32 step: spreads a seed into well-mixed words (why: xoshiro must not start from correlated words). */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed any integer; only its low 32 bits matter (a float seed is truncated). */
  constructor(seed = 0) {
    if (!Number.isFinite(seed)) {
      throw new ParlaError('invalid_input', `seed must be a finite integer, got ${seed}`, { param: 'seed' });
    }
    const mix = splitmix32(Math.trunc(seed));
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** Restores a generator from `state()` output; the restored one continues the identical stream. */
  static fromState(state: RngState): Rng {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w)) || state.every((w) => w >>> 0 === 0)) {
      throw new ParlaError('invalid_input', 'rng state must be four 32-bit integers, not all zero', { param: 'rngState' });
    }
    const rng = new Rng(0);
    [rng.a, rng.b, rng.c, rng.d] = state.map((w) => w >>> 0) as [number, number, number, number];
    return rng;
  }

  /** Next uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32-bit resolution (2^-32 is far below any probability the sampler acts on). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Snapshot of the state; `Rng.fromState(rng.state())` continues exactly where this one is. */
  state(): RngState {
    return [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0];
  }

  /**
   * An independent generator, e.g. one per request or per drafter: the child takes over the current stream and
   * this one jumps 2^64 draws ahead (xoshiro's jump), so the two never overlap in practice.
   */
  fork(): Rng {
    const child = Rng.fromState(this.state());
    this.jump();
    return child;
  }

  /** Advances 2^64 draws (reference jump polynomial of xoshiro128**). */
  private jump(): void {
    let a = 0;
    let b = 0;
    let c = 0;
    let d = 0;
    for (const word of JUMP) {
      for (let bit = 0; bit < 32; bit++) {
        if ((word >>> bit) & 1) {
          a ^= this.a;
          b ^= this.b;
          c ^= this.c;
          d ^= this.d;
        }
        this.nextUint32();
      }
    }
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
  }
}

const JUMP = [0x8764000b, 0xf542d2d3, 0x6fa035c3, 0x77f2db5b] as const;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
