/**
 * The runtime half of a phoneme-pointer AR (docs/model-format.md, "Phoneme pointer"): which text token the next
 * group says. It starts at the target text's first token, moves after every group by the advance the model
 * predicts, and stops at the text's EOS, where the model ends the speech. Generation cannot skip or repeat words,
 * cannot stop before the end of the text (atEnd), and cannot run on long after it (tailExceeded).
 */
import { SEP_ID, WORD_BOUNDARY_ID } from '../text/symbols.js';
import type { PointerFeed } from '../lm/ar-session.js';
import { sampleFromDistribution, type Rng } from '../lm/sampling/index.js';

/** Once the pointer is at EOS, at most this much audio (seconds) may follow before decoding stops. */
export const END_TAIL_SECONDS = 0.5;
/**
 * The longest the pointer stays on one token (seconds) before it is moved on regardless: a bound, so that a model
 * sure of staying cannot hold one sound until the length limit. In Kathleen's aligned training data 99.9% of
 * phonemes last at most 0.4 s and of pauses 0.62 s. (It did not trigger on 46 held-out and hard sentences with
 * the shipped model; the "looped" chunks the audiobook gate flags with it are near-repeats of similar phrases.)
 */
export const MAX_TOKEN_SECONDS = 0.64;
/**
 * The longest the pointer stays on a word boundary (seconds). A pause belongs to punctuation; in Kathleen's aligned
 * training data 80% of word boundaries get no frame at all and 99% at most 0.16 s. Without this bound the retrained
 * AR (twenty-fifth session) paused 0.24-0.32 s at every boundary of "Ha ha ha ha ha ha ha ha.", which then ran to
 * 2.9x its expected length.
 */
export const MAX_BOUNDARY_SECONDS = 0.16;

export interface PointerOptions {
  /**
   * Temperature 0: move whenever the summed probabilities of moving reach 1, by the most likely non-zero advance
   * (deterministic; see advance). Otherwise the advance is drawn with `rng`.
   */
  greedy: boolean;
  rng: Rng;
  /** How many groups may follow once the pointer is at EOS (see END_TAIL_SECONDS). */
  tailGroups: number;
  /** The model's pointer context cap (dims.pointerContext; 0 or absent = the model takes no context). */
  maxSpent?: number;
  /** Groups on one token after which the pointer moves on by one (see MAX_TOKEN_SECONDS); absent = no limit. */
  maxGroupsOnToken?: number;
  /** The same for a word boundary (see MAX_BOUNDARY_SECONDS); absent = maxGroupsOnToken. */
  maxGroupsOnBoundary?: number;
}

export class PhonemePointer {
  private index: number;
  private readonly eos: number;
  /** Greedy mode: the summed probabilities of moving since the last move. */
  private carry = 0;
  private groupsAtEnd = 0;
  /** Groups generated since the pointer last moved (the pointer context's third entry, before capping). */
  private spent = 0;

  private readonly greedy: boolean;
  private readonly rng: Rng;
  private readonly tailGroups: number;
  private readonly maxSpent: number;
  private readonly maxGroupsOnToken: number;
  private readonly maxGroupsOnBoundary: number;

  /** @param text the AR text row: BOS, [prompt transcript, SEP,] target phonemes, EOS */
  constructor(private readonly text: ArrayLike<number>, options: PointerOptions) {
    ({ greedy: this.greedy, rng: this.rng, tailGroups: this.tailGroups } = options);
    this.maxSpent = options.maxSpent ?? 0;
    this.maxGroupsOnToken = options.maxGroupsOnToken ?? Infinity;
    this.maxGroupsOnBoundary = Math.min(options.maxGroupsOnBoundary ?? Infinity, this.maxGroupsOnToken);
    const sep = Array.prototype.indexOf.call(text, SEP_ID) as number;
    this.eos = text.length - 1;
    this.index = Math.min(sep >= 0 ? sep + 1 : 1, this.eos);
  }

  /** The text id the next group says: what the AR is fed with that group. */
  get token(): number {
    return this.text[this.index];
  }

  /**
   * What the next group is fed: the token and, for models with a pointer context, the tokens either side of it
   * (0 past the row's ends) and the groups already spent on it + 1, capped as in training (training/lm/pointer.py).
   */
  get feed(): PointerFeed {
    if (!this.maxSpent) return { token: this.token };
    const prev = this.index > 0 ? this.text[this.index - 1] : 0;
    const next = this.index < this.eos ? this.text[this.index + 1] : 0;
    return { token: this.token, context: [prev, next, Math.min(this.spent, this.maxSpent - 1) + 1] };
  }

  /** Position in the text row (tests, diagnostics). */
  get position(): number {
    return this.index;
  }

  /** At the text's EOS: only now may the model end the speech (the decoders mask end of speech before). */
  get atEnd(): boolean {
    return this.index === this.eos;
  }

  /** True once more than `tailGroups` groups were generated with the pointer at EOS: the speech is over. */
  get tailExceeded(): boolean {
    return this.groupsAtEnd > this.tailGroups;
  }

  /** Moves by the advance drawn from the model's advance logits over 0..C-1 tokens. */
  advance(logits: ArrayLike<number>): void {
    if (this.index === this.eos) this.groupsAtEnd++;
    const probs = softmax(logits);
    let step: number;
    if (this.greedy) {
      // The single most likely advance is nearly always "stay", which would never reach the end. Moving once the
      // summed move probabilities reach 1 stays about as long as the model expects; moving then by the most likely
      // non-zero advance steps over word boundaries and stress marks, which are rarely spoken for a whole group
      // (moving by the expected advance instead spent a group on each: 110% WER against 87% on held-out Kathleen).
      this.carry += 1 - probs[0];
      step = 0;
      if (this.carry >= 1) {
        this.carry -= 1;
        step = 1 + argmax(probs.slice(1));
      }
    } else {
      step = sampleFromDistribution(probs, this.rng);
    }
    const cap = this.token === WORD_BOUNDARY_ID ? this.maxGroupsOnBoundary : this.maxGroupsOnToken;
    if (step === 0 && this.spent + 1 >= cap && this.index < this.eos) {
      step = 1;
      this.carry = 0;
    }
    const next = Math.min(this.index + step, this.eos);
    this.spent = next === this.index ? this.spent + 1 : 0;
    this.index = next;
  }
}

function argmax(values: number[]): number {
  return values.reduce((best, v, i) => (v > values[best] ? i : best), 0);
}

function softmax(logits: ArrayLike<number>): number[] {
  const values = Array.from(logits);
  const max = Math.max(...values);
  const exp = values.map((v) => Math.exp(v - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / total);
}
