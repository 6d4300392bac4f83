/** Logits of the AR/drafter graph, [B, S, G, V] row-major, with views per (row, position, head). */
import { ParlaError } from '../errors.js';

export class GroupLogits {
  constructor(
    /** Flat [B, S, G, V] float32. */
    readonly data: Float32Array,
    readonly batch: number,
    readonly positions: number,
    readonly groupSize: number,
    readonly vocabSize: number,
    /** Pointer models only: flat [B, S, C] advance logits (docs/model-format.md, "Phoneme pointer"). */
    readonly advance?: Float32Array,
  ) {
    if (data.length !== batch * positions * groupSize * vocabSize) {
      throw new ParlaError('internal', `logits have ${data.length} values, expected ${batch}x${positions}x${groupSize}x${vocabSize}`);
    }
  }

  /** The V logits of head g (code g of the next group) at position s of row b; a view, not a copy. */
  at(b: number, s: number, g: number): Float32Array {
    if (b < 0 || b >= this.batch || s < 0 || s >= this.positions || g < 0 || g >= this.groupSize) {
      throw new ParlaError('internal', `logits index (${b}, ${s}, ${g}) outside [${this.batch}, ${this.positions}, ${this.groupSize}]`);
    }
    const start = ((b * this.positions + s) * this.groupSize + g) * this.vocabSize;
    return this.data.subarray(start, start + this.vocabSize);
  }

  /** The advance logits at position s of row b (a view); undefined for models without a pointer. */
  advanceAt(b: number, s: number): Float32Array | undefined {
    if (!this.advance) return undefined;
    const c = this.advance.length / (this.batch * this.positions);
    const start = (b * this.positions + s) * c;
    return this.advance.subarray(start, start + c);
  }

  /** Position s of every row as its own [B, 1, G, V] block (a copy; advance logits are not carried). */
  position(s: number): GroupLogits {
    const block = this.groupSize * this.vocabSize;
    const out = new Float32Array(this.batch * block);
    for (let b = 0; b < this.batch; b++) out.set(this.data.subarray((b * this.positions + s) * block, (b * this.positions + s + 1) * block), b * block);
    return new GroupLogits(out, this.batch, 1, this.groupSize, this.vocabSize);
  }
}
