/**
 * numpy's `np.random.default_rng(seed)` (SeedSequence -> PCG64) and its `choice(n, size, replace=False)`,
 * bit for bit, so TypeScript evaluations draw the same random trials as the Python ones
 * (training/speaker/metrics.py `trials`). Ported from numpy 1.24 (bit_generator.pyx, pcg64.h,
 * distributions.c, _generator.pyx), the version that measured the shipped models; numpy does not
 * promise these streams across versions, so test/eval-speaker-eer.test.ts pins them with its outputs.
 */
import { ParlaError } from '../errors.js';

const M32 = 0xffffffffn;
const M64 = (1n << 64n) - 1n;
const M128 = (1n << 128n) - 1n;
const PCG_MULT = 0x2360ed051fc65da44385df649fccf645n;

// SeedSequence hashing constants (bit_generator.pyx).
const INIT_A = 0x43b0d7e5;
const MULT_A = 0x931e8875;
const INIT_B = 0x8b51f9dd;
const MULT_B = 0x58f38ded;
const MIX_MULT_L = 0xca01f9dd;
const MIX_MULT_R = 0x4973f715;
const POOL_SIZE = 4;

const mul32 = (a: number, b: number): number => Math.imul(a, b) >>> 0;

/** uint32 words of a non-negative integer seed, least significant first (`_int_to_uint32_array`). */
function seedWords(seed: number): number[] {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ParlaError('invalid_input', `seed must be a non-negative safe integer, got ${seed}`, { param: 'seed' });
  const words = [seed % 2 ** 32];
  for (let rest = Math.floor(seed / 2 ** 32); rest > 0; rest = Math.floor(rest / 2 ** 32)) words.push(rest % 2 ** 32);
  return words;
}

/** `SeedSequence(seed).generate_state(words, np.uint32)` (no spawn key). */
export function seedSequenceState(seed: number, words: number): number[] {
  const entropy = seedWords(seed);
  let hashConst = INIT_A;
  const hashmix = (value: number): number => {
    value = (value ^ hashConst) >>> 0;
    hashConst = mul32(hashConst, MULT_A);
    value = mul32(value, hashConst);
    return (value ^ (value >>> 16)) >>> 0;
  };
  const mix = (x: number, y: number): number => {
    const r = (mul32(MIX_MULT_L, x) - mul32(MIX_MULT_R, y)) >>> 0;
    return (r ^ (r >>> 16)) >>> 0;
  };
  const pool = Array.from({ length: POOL_SIZE }, (_, i) => hashmix(i < entropy.length ? entropy[i] : 0));
  for (let src = 0; src < POOL_SIZE; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) if (src !== dst) pool[dst] = mix(pool[dst], hashmix(pool[src]));
  }
  for (let src = POOL_SIZE; src < entropy.length; src++) {
    for (let dst = 0; dst < POOL_SIZE; dst++) pool[dst] = mix(pool[dst], hashmix(entropy[src]));
  }
  let constB = INIT_B;
  return Array.from({ length: words }, (_, i) => {
    let v = (pool[i % POOL_SIZE] ^ constB) >>> 0;
    constB = mul32(constB, MULT_B);
    v = mul32(v, constB);
    return (v ^ (v >>> 16)) >>> 0;
  });
}

/** numpy's `Generator(PCG64(seed))`, i.e. `np.random.default_rng(seed)`: only the parts evaluations use. */
export class NumpyGenerator {
  private state: bigint;
  private readonly inc: bigint;
  private spare32: number | undefined; // PCG64 hands out the high half of a 64-bit draw on the next 32-bit call

  constructor(seed: number) {
    const w = seedSequenceState(seed, 8); // generate_state(4, np.uint64): little-endian word pairs
    const u64 = (k: number): bigint => (BigInt(w[2 * k + 1]) << 32n) | BigInt(w[2 * k]);
    const initState = (u64(0) << 64n) | u64(1);
    const initSeq = (u64(2) << 64n) | u64(3);
    this.inc = ((initSeq << 1n) | 1n) & M128;
    this.state = 0n;
    this.step();
    this.state = (this.state + initState) & M128;
    this.step();
  }

  private step(): void {
    this.state = (this.state * PCG_MULT + this.inc) & M128;
  }

  /** Next raw 64-bit output (`bit_generator.random_raw()`): step, then XSL-RR. */
  nextUint64(): bigint {
    this.step();
    const rot = Number(this.state >> 122n);
    const x = ((this.state >> 64n) ^ this.state) & M64;
    return ((x >> BigInt(rot)) | (x << BigInt((64 - rot) & 63))) & M64;
  }

  nextUint32(): number {
    if (this.spare32 !== undefined) {
      const v = this.spare32;
      this.spare32 = undefined;
      return v;
    }
    const next = this.nextUint64();
    this.spare32 = Number(next >> 32n);
    return Number(next & M32);
  }

  /** Uniform in [0, max] by Lemire's method (`buffered_bounded_lemire_uint32`); max < 2^32 - 1. */
  private lemire(max: number): number {
    if (max === 0) return 0;
    const excl = BigInt(max + 1);
    let m = BigInt(this.nextUint32()) * excl;
    if (Number(m & M32) < max + 1) {
      const threshold = (0xffffffff - max) % (max + 1);
      while (Number(m & M32) < threshold) m = BigInt(this.nextUint32()) * excl;
    }
    return Number(m >> 32n);
  }

  /** Fisher-Yates from the end down to index `first` (`Generator._shuffle_int`). */
  private shuffleTail(data: number[], first: number): void {
    for (let i = data.length - 1; i >= first; i--) {
      const j = this.lemire(i);
      [data[i], data[j]] = [data[j], data[i]];
    }
  }

  /** `choice(n, size, replace=False)`: `size` distinct integers of [0, n), in numpy's order. */
  choiceWithoutReplacement(n: number, size: number): number[] {
    if (!Number.isSafeInteger(n) || !Number.isSafeInteger(size) || size < 0 || size > n || n >= 2 ** 32 - 1) {
      throw new ParlaError('invalid_input', `cannot choose ${size} of ${n} without replacement`, { param: 'size' });
    }
    if (n > 10000 && size > Math.floor(n / 50)) {
      // numpy: shuffle the last `size` slots of 0..n-1 and return them.
      const idx = Array.from({ length: n }, (_, i) => i);
      this.shuffleTail(idx, Math.max(n - size, 1));
      return idx.slice(n - size);
    }
    // Floyd's algorithm, then a shuffle of the picks.
    const picked = new Set<number>();
    const out: number[] = [];
    for (let j = n - size; j < n; j++) {
      const v = this.lemire(j);
      const take = picked.has(v) ? j : v;
      picked.add(take);
      out.push(take);
    }
    this.shuffleTail(out, 1);
    return out;
  }
}
