/**
 * The code reader (`reader.onnx`, docs/model-format.md): a small CTC phoneme recognizer over codebook-0 codes. The
 * engine asks it how well each of several sampled candidates says the text (the CTC negative log-likelihood of the
 * sounding phonemes, per phoneme) and keeps the best, without decoding any audio.
 */
import { ParlaError } from '../errors.js';
import { openGraph, ort, type SessionOptions } from '../onnx.js';

export const READER_INPUT = 'codes';
export const READER_OUTPUT = 'log_probs';

export interface ReaderDims {
  /** Output classes C (the text vocabulary); class `blankId` is the CTC blank. */
  vocabSize: number;
  blankId: number;
  /** Text ids below this are not read as frames of their own (specials, punctuation, word boundaries, marks). */
  firstPhonemeId: number;
}

/** The phonemes a reader is asked to find: the sounding ids of a text-id sequence, in order. */
export function readerTargets(dims: ReaderDims, textIds: ArrayLike<number>): number[] {
  return Array.from(textIds).filter((id) => id >= dims.firstPhonemeId && id < dims.vocabSize);
}

/**
 * CTC negative log-likelihood of `targets` (readerTargets, at least one) given log-probabilities [T, C], in nats per
 * phoneme: Infinity when the frames cannot hold them.
 */
export function perPhonemeScore(dims: ReaderDims, logProbs: ArrayLike<number>, frames: number, targets: readonly number[]): number {
  return ctcNegLogLikelihood(logProbs, frames, dims.vocabSize, targets, dims.blankId) / targets.length;
}

export class CodeReader {
  readonly input = 'codes';

  private constructor(
    readonly path: string,
    readonly dims: ReaderDims,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(path: string, dims: ReaderDims, options: SessionOptions = {}): Promise<CodeReader> {
    return new CodeReader(path, dims, await openGraph(path, [READER_INPUT], [READER_OUTPUT], options));
  }

  /** The phonemes the reader is asked to find: the sounding ids of a text-id sequence, in order. */
  targets(textIds: ArrayLike<number>): number[] {
    return readerTargets(this.dims, textIds);
  }

  /** Per-frame log-probabilities [T, C] of one code sequence. */
  async logProbs(codes: ArrayLike<number>): Promise<Float32Array> {
    const t = codes.length;
    const input = new ort.Tensor('int64', BigInt64Array.from(Array.from(codes, (c) => BigInt(c))), [1, t]);
    const out = (await this.session.run({ [READER_INPUT]: input }))[READER_OUTPUT];
    if (out.dims.join() !== [1, t, this.dims.vocabSize].join()) {
      throw new ParlaError('model_invalid', `${this.path}: ${READER_OUTPUT} has shape [${out.dims.join(', ')}], expected [1, ${t}, ${this.dims.vocabSize}] (model.json reader.vocab_size)`, { param: this.path });
    }
    return out.data as Float32Array;
  }

  /**
   * How badly `codes` say `textIds`: CTC negative log-likelihood of the sounding phonemes, in nats per phoneme (lower
   * is better; Infinity when the codes are too short to hold them). Text without sounding phonemes scores 0.
   */
  async score(codes: ArrayLike<number>, textIds: ArrayLike<number>): Promise<number> {
    const targets = this.targets(textIds);
    if (targets.length === 0) return 0;
    if (codes.length === 0) return Infinity;
    return perPhonemeScore(this.dims, await this.logProbs(codes), codes.length, targets);
  }
}

/**
 * CTC negative log-likelihood (nats) of `targets` given per-frame log-probabilities [T, C]: the forward algorithm
 * over the targets interleaved with blanks (Graves et al. 2006). Infinity when no path fits.
 *
 * It runs in probability space, rescaled to sum 1 at every frame (the log of the scales is kept), which needs one
 * exp per label per frame instead of a log-sum-exp per state: a quarter of the time of the log-space recursion on
 * the audio reader's 8-second chunks (about 25 ms per candidate before). Paths below 1e-308 of the frame's total
 * are dropped, which changes nothing a float32 log-probability can express.
 */
export function ctcNegLogLikelihood(logProbs: ArrayLike<number>, frames: number, classes: number, targets: readonly number[], blank = 0): number {
  if (frames === 0) return targets.length === 0 ? 0 : Infinity;
  const n = 2 * targets.length + 1;
  // Each state's label as an index into the distinct labels, whose probabilities are computed once per frame.
  const distinct = [...new Set([blank, ...targets])];
  const slot = new Int32Array(n).map((_, s) => distinct.indexOf(s % 2 === 0 ? blank : targets[(s - 1) >> 1]));
  const canSkip = new Uint8Array(n).map((_, s) => (s >= 2 && s % 2 === 1 && targets[(s - 1) >> 1] !== targets[(s - 3) >> 1] ? 1 : 0));
  const p = new Float64Array(distinct.length);
  const probs = (t: number): void => {
    for (let k = 0; k < distinct.length; k++) p[k] = Math.exp(logProbs[t * classes + distinct[k]]);
  };
  let alpha = new Float64Array(n);
  let next = new Float64Array(n);
  probs(0);
  alpha[0] = p[slot[0]];
  if (n > 1) alpha[1] = p[slot[1]];
  let logScale = 0;
  for (let t = 0; t < frames; t++) {
    if (t > 0) {
      probs(t);
      for (let s = 0; s < n; s++) {
        let a = alpha[s];
        if (s >= 1) a += alpha[s - 1];
        // Skipping the blank between two labels is allowed unless they are the same label.
        if (canSkip[s]) a += alpha[s - 2];
        next[s] = a * p[slot[s]];
      }
      [alpha, next] = [next, alpha];
    }
    let total = 0;
    for (let s = 0; s < n; s++) total += alpha[s];
    if (!(total > 0)) return Infinity;
    for (let s = 0; s < n; s++) alpha[s] /= total;
    logScale += Math.log(total);
  }
  const end = n > 1 ? alpha[n - 1] + alpha[n - 2] : alpha[n - 1];
  return end > 0 ? -(Math.log(end) + logScale) : Infinity;
}
