/**
 * The AR's key/value cache: per layer, one growing buffer of keys and one of values, time-major [P, B, H, Dh]. A
 * graph call reads the first P positions as its past (a view, no copy) and returns only the S new positions, which
 * are appended; rolling back (speculative decoding) just shortens P. Time-major is what makes both free: the first
 * P positions of every row are one contiguous block.
 */
import { ParlaError } from '../errors.js';
import { ort } from '../onnx.js';

const INITIAL_CAPACITY = 64;

export class KvCache {
  private keys: Float32Array[];
  private values: Float32Array[];
  private capacity: number;
  private positions = 0;
  /** Floats per position: B x H x Dh. */
  private readonly stride: number;

  constructor(
    readonly nLayers: number,
    readonly batch: number,
    readonly nHeads: number,
    readonly headDim: number,
    from?: KvCache,
  ) {
    this.stride = batch * nHeads * headDim;
    if (from) {
      this.capacity = Math.max(from.positions, 1);
      this.positions = from.positions;
      const copy = (a: Float32Array): Float32Array => a.slice(0, this.capacity * this.stride);
      this.keys = from.keys.map(copy);
      this.values = from.values.map(copy);
    } else {
      this.capacity = INITIAL_CAPACITY;
      const fresh = (): Float32Array => new Float32Array(this.capacity * this.stride);
      this.keys = Array.from({ length: nLayers }, fresh);
      this.values = Array.from({ length: nLayers }, fresh);
    }
  }

  /** Positions held (P). */
  get length(): number {
    return this.positions;
  }

  /** Layer i's past keys and values [P, B, H, Dh]: views of the buffers, valid until the next append. */
  past(i: number): { key: ort.Tensor; value: ort.Tensor } {
    const dims = [this.positions, this.batch, this.nHeads, this.headDim];
    const view = (a: Float32Array): ort.Tensor => new ort.Tensor('float32', a.subarray(0, this.positions * this.stride), dims);
    return { key: view(this.keys[i]), value: view(this.values[i]) };
  }

  /** Appends s positions: per layer, keys and values [s, B, H, Dh] (what the graph returned as present_*). */
  append(newKeys: readonly Float32Array[], newValues: readonly Float32Array[], s: number): void {
    this.reserve(this.positions + s);
    const at = this.positions * this.stride;
    for (let i = 0; i < this.nLayers; i++) {
      this.keys[i].set(newKeys[i].subarray(0, s * this.stride), at);
      this.values[i].set(newValues[i].subarray(0, s * this.stride), at);
    }
    this.positions += s;
  }

  /** Keeps the first p positions (p <= length). */
  truncate(p: number): void {
    this.positions = p;
  }

  /** An independent copy of the held positions. */
  clone(): KvCache {
    return new KvCache(this.nLayers, this.batch, this.nHeads, this.headDim, this);
  }

  /** A cache of `batch` rows, each a copy of this single-row cache's positions. */
  tiled(batch: number): KvCache {
    if (this.batch !== 1) throw new ParlaError('internal', `only a single-row cache can be tiled, this one has ${this.batch} rows`);
    const out = new KvCache(this.nLayers, batch, this.nHeads, this.headDim);
    out.reserve(this.positions);
    const row = this.stride;
    const tile = (from: Float32Array, to: Float32Array): void => {
      for (let p = 0; p < this.positions; p++) {
        const src = from.subarray(p * row, (p + 1) * row);
        for (let b = 0; b < batch; b++) to.set(src, (p * batch + b) * row);
      }
    };
    for (let i = 0; i < this.nLayers; i++) {
      tile(this.keys[i], out.keys[i]);
      tile(this.values[i], out.values[i]);
    }
    out.positions = this.positions;
    return out;
  }

  /**
   * One cache of all the rows of `parts`, in order, `length` positions each: part i's positions end at the last one
   * (the `length - part.length` positions before them are left zero, for the session to mask as padding). What a
   * running batch and newly prefilled rows become when they are decoded together (ar-session.ts merge).
   */
  static stack(parts: readonly KvCache[], length: number): KvCache {
    const { nLayers, nHeads, headDim } = parts[0];
    if (parts.some((c) => c.nLayers !== nLayers || c.nHeads !== nHeads || c.headDim !== headDim)) throw new ParlaError('internal', 'caches of different shapes cannot be stacked');
    if (parts.some((c) => c.positions > length)) throw new ParlaError('internal', `a cache holds more than the ${length} positions to stack to`);
    const out = new KvCache(nLayers, parts.reduce((n, c) => n + c.batch, 0), nHeads, headDim);
    out.reserve(length);
    const row = nHeads * headDim;
    let first = 0;
    for (const c of parts) {
      const offset = length - c.positions;
      for (let i = 0; i < nLayers; i++) {
        for (let p = 0; p < c.positions; p++) {
          const at = ((offset + p) * out.batch + first) * row;
          out.keys[i].set(c.keys[i].subarray(p * c.stride, (p + 1) * c.stride), at);
          out.values[i].set(c.values[i].subarray(p * c.stride, (p + 1) * c.stride), at);
        }
      }
      first += c.batch;
    }
    out.positions = length;
    return out;
  }

  /** A cache of the given rows of this one (in that order), from position `start` on: finished rows leave a batch. */
  rows(keep: readonly number[], start = 0): KvCache {
    const out = new KvCache(this.nLayers, keep.length, this.nHeads, this.headDim);
    const length = this.positions - start;
    out.reserve(length);
    const row = this.nHeads * this.headDim;
    for (let i = 0; i < this.nLayers; i++) {
      for (let p = 0; p < length; p++) {
        keep.forEach((b, j) => {
          const from = ((start + p) * this.batch + b) * row;
          out.keys[i].set(this.keys[i].subarray(from, from + row), (p * keep.length + j) * row);
          out.values[i].set(this.values[i].subarray(from, from + row), (p * keep.length + j) * row);
        });
      }
    }
    out.positions = length;
    return out;
  }

  /** Grows the buffers (doubling) so that they hold `positions`. */
  private reserve(positions: number): void {
    if (positions <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < positions) capacity *= 2;
    const grow = (a: Float32Array): Float32Array => {
      const b = new Float32Array(capacity * this.stride);
      b.set(a.subarray(0, this.positions * this.stride));
      return b;
    };
    this.keys = this.keys.map(grow);
    this.values = this.values.map(grow);
    this.capacity = capacity;
  }
}
