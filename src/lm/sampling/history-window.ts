/** The last K emitted codes of one stream, the history repetition-aware sampling counts in. */

import { ParlaError } from '../../errors.js';

/** Ring buffer of the latest `size` tokens (older ones are irrelevant to RAS). No allocation per push. */
export class HistoryWindow {
  private readonly buffer: Int32Array;
  private start = 0;
  private length = 0;

  constructor(readonly size: number, initial: ArrayLike<number> = []) {
    if (!Number.isInteger(size) || size < 1) {
      throw new ParlaError('invalid_input', `history window K must be an integer >= 1, got ${size}`, { param: 'rasWindow' });
    }
    this.buffer = new Int32Array(size);
    this.reset(initial);
  }

  /** Empties the window, then pushes `initial` (only its last `size` tokens are kept). */
  reset(initial: ArrayLike<number> = []): void {
    this.start = 0;
    this.length = 0;
    for (let i = Math.max(0, initial.length - this.size); i < initial.length; i++) this.push(initial[i]);
  }

  push(token: number): void {
    if (this.length < this.size) {
      this.buffer[(this.start + this.length) % this.size] = token;
      this.length++;
    } else {
      this.buffer[this.start] = token;
      this.start = (this.start + 1) % this.size;
    }
  }

  /** Occurrences of `token` in the window. O(K). */
  count(token: number): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) if (this.buffer[(this.start + i) % this.size] === token) n++;
    return n;
  }

  /** Oldest first. */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.buffer[(this.start + i) % this.size]);
    return out;
  }
}
