/** The candidate set samplers work on (llama.cpp's token_data_array): a list of token ids plus per-id logits. */

import { ParlaError } from '../../errors.js';

/** Token ids must fit in 21 bits so a sort key (32 logit bits + id) stays an exact float64 integer. */
const ID_SPAN = 2 ** 21;

/**
 * Candidates over a vocabulary of V tokens. `ids[0..size)` lists the tokens still in play (in `sorted` order when
 * `sorted` is true: logit descending, ties -> lower id). `logits` and `probs` are indexed by TOKEN ID (length V),
 * so processors can reorder or truncate the list without moving the values. Buffers are allocated once per
 * vocabulary size and reused by `load`, so a decoding loop allocates nothing per token.
 */
export class Candidates {
  /** Token ids in play, first `size` entries valid. Shape (V,). */
  readonly ids: Int32Array;
  /** Logit per token id (processors such as temperature rewrite it). Shape (V,). */
  readonly logits: Float32Array;
  /** Probability per token id, valid for ids in play after `softmax()`. Shape (V,). */
  readonly probs: Float64Array;
  size = 0;
  /** True when ids[0..size) is ordered by logit descending, ties -> lower id. */
  sorted = false;
  /** Index into `ids` of the chosen token, or -1 until a selector ran. */
  selected = -1;
  /** The float32 bits of `logits`, same buffer (for the packed sort keys). */
  private readonly logitBits: Uint32Array;
  private readonly sortKeys: Float64Array;

  constructor(readonly vocabSize: number) {
    if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > ID_SPAN) {
      throw new ParlaError('invalid_input', `vocabulary size must be an integer in [1, ${ID_SPAN}], got ${vocabSize}`, { param: 'vocabSize' });
    }
    this.ids = new Int32Array(vocabSize);
    this.logits = new Float32Array(vocabSize);
    this.probs = new Float64Array(vocabSize);
    this.logitBits = new Uint32Array(this.logits.buffer);
    this.sortKeys = new Float64Array(vocabSize);
  }

  /** Resets to the whole vocabulary with these logits, shape (V,). -Infinity masks a token; NaN/+Infinity are refused. */
  load(logits: ArrayLike<number>): this {
    if (logits.length !== this.vocabSize) {
      throw new ParlaError('invalid_input', `logits have ${logits.length} entries, expected vocabulary size ${this.vocabSize}`, { param: 'logits' });
    }
    let anyFinite = false;
    for (let id = 0; id < this.vocabSize; id++) {
      const l = logits[id];
      if (Number.isNaN(l) || l === Infinity) {
        throw new ParlaError('invalid_input', `logits[${id}] is ${l}; logits must be finite or -Infinity (masked)`, { param: 'logits' });
      }
      if (l !== -Infinity) anyFinite = true;
      this.logits[id] = l;
      this.ids[id] = id;
    }
    if (!anyFinite) throw new ParlaError('invalid_input', 'every logit is -Infinity: no token can be sampled', { param: 'logits' });
    this.size = this.vocabSize;
    this.sorted = false;
    this.selected = -1;
    return this;
  }

  /**
   * Orders ids[0..size) by logit descending, ties -> lower id (a total, platform-independent order). O(V log V).
   * Why the packed keys: a native numeric sort of float64 keys is several times faster than a comparator sort.
   * Each key is (order-reversed float32 bits of the logit) * 2^21 + id, exact below 2^53.
   */
  sort(): void {
    if (this.sorted) return;
    const { ids, logitBits, sortKeys } = this;
    for (let i = 0; i < this.size; i++) {
      const id = ids[i];
      let bits = logitBits[id];
      if (bits === 0x80000000) bits = 0; // -0 ties with +0
      // Monotone map of float bits to uint32 (negatives flipped), then reversed so larger logits come first.
      const ascending = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0;
      sortKeys[i] = (0xffffffff - ascending) * ID_SPAN + id;
    }
    const keys = sortKeys.subarray(0, this.size);
    keys.sort();
    for (let i = 0; i < this.size; i++) ids[i] = keys[i] % ID_SPAN;
    this.sorted = true;
  }

  /** Fills `probs` for the ids in play with the softmax of their logits, renormalized over the set in play. */
  softmax(): void {
    const { ids, logits, probs } = this;
    let max = -Infinity;
    for (let i = 0; i < this.size; i++) if (logits[ids[i]] > max) max = logits[ids[i]];
    if (max === -Infinity) throw new ParlaError('invalid_input', 'every remaining candidate is masked (-Infinity)', { param: 'logits' });
    let sum = 0;
    for (let i = 0; i < this.size; i++) {
      const e = Math.exp(logits[ids[i]] - max);
      probs[ids[i]] = e;
      sum += e;
    }
    for (let i = 0; i < this.size; i++) probs[ids[i]] /= sum;
  }

  /** Copies list, logits and flags from another set of the same vocabulary (used to keep the full distribution). */
  copyFrom(other: Candidates): void {
    this.ids.set(other.ids.subarray(0, other.size));
    this.logits.set(other.logits);
    this.size = other.size;
    this.sorted = other.sorted;
    this.selected = other.selected;
  }

  /** The chosen token id; throws if no selector ran (a chain without a selector at its end). */
  selectedToken(): number {
    if (this.selected < 0 || this.selected >= this.size) {
      throw new ParlaError('internal', 'sampler chain ended without selecting a token (missing selector?)');
    }
    return this.ids[this.selected];
  }
}

/** Index of the largest value, ties -> lowest index; the greedy rule for both the sampler and the target. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
