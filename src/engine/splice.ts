/**
 * Splicing candidates: best of N by word groups instead of whole chunks. A phoneme-pointer model says which text
 * position every generated frame speaks (ArResult.positions), so an audio reader's per-frame log-probabilities can
 * score every group of words in every candidate on its own (CTC of the group's phonemes over the frames that say
 * it), and the output can take each group from the candidate that says it best: the chosen frames' codes and
 * phonemes joined in text order, decoded once. On held-out sentences (training/README.md, fourteenth session) groups
 * of three words read 2.7 points less WER than the best whole candidate, mostly on unseen voices.
 */
import { ParlaError } from '../errors.js';
import { perPhonemeScore, readerTargets, type ReaderDims } from '../lm/code-reader.js';
import { SEP_ID, WORD_BOUNDARY_ID } from '../text/symbols.js';

export const MAX_SPLICE_WORDS = 64;

/**
 * Throws a ParlaError naming `spliceWords` unless n is an integer in 0..MAX_SPLICE_WORDS (0 = whole candidates) that
 * the model can splice by: n > 0 needs a phoneme-pointer AR (which frame says which word) and an audio reader.
 */
export function checkSpliceWords(n: number, canSplice: boolean): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SPLICE_WORDS) {
    throw new ParlaError('invalid_input', `spliceWords must be an integer in 0..${MAX_SPLICE_WORDS} (0 = whole candidates), got ${n}`, { param: 'spliceWords' });
  }
  if (n > 0 && !canSplice) {
    throw new ParlaError('invalid_input', `spliceWords = ${n} needs a phoneme-pointer model with an audio reader (model.json "reader" with input "audio"); this one has none`, { param: 'spliceWords' });
  }
}

/**
 * Throws a ParlaError naming `retryAbove` unless x is a finite number >= 0 (0 = never retry) that the model can use:
 * x > 0 needs splicing (the per-word-group scores it compares against).
 */
export function checkRetryAbove(x: number, spliceWords: number): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw new ParlaError('invalid_input', `retryAbove must be a number >= 0 (nats per phoneme; 0 = never retry), got ${String(x)}`, { param: 'retryAbove' });
  }
  if (x > 0 && spliceWords === 0) {
    throw new ParlaError('invalid_input', `retryAbove = ${x} needs splicing (spliceWords > 0): it compares the spliced word groups' scores`, { param: 'retryAbove' });
  }
}

/**
 * Whether a spliced chunk is worth more candidates: some word group that no candidate spoke, or whose best take the
 * reader scores above `above` nats per phoneme (0 = never).
 */
export function needsRetry(spliced: Spliced, above: number): boolean {
  if (above <= 0) return false;
  return spliced.choices.some((c, i) => c < 0 || spliced.scores[i] > above);
}

/** A candidate as the splicer needs it: per frame its codebook-0 code, phoneme and text position; the reader's view. */
export interface SpliceCandidate {
  codes: Int32Array;
  phonemes: Int32Array;
  /** Index in the AR text row that the pointer was at for each frame (non-decreasing). */
  positions: Int32Array;
  /** The reader's log-probabilities [frames, C] of the candidate's audio. */
  logProbs: Float32Array;
  frames: number;
}

export interface Spliced {
  codes: Int32Array;
  phonemes: Int32Array;
  /** The candidate each segment came from (-1: no candidate spoke it). */
  choices: number[];
  /** The chosen candidate's score per segment (CTC nats per sounding phoneme; Infinity: no candidate spoke it). */
  scores: number[];
  /** Frames taken per segment (0: no candidate spoke it). */
  lengths: number[];
}

/**
 * The segment of every position of an AR text row (BOS, [prompt transcript, SEP,] target, EOS): the target's words
 * in groups of `words`. A word boundary starts the next word's segment; punctuation stays with the word before it;
 * positions before the target go with the first segment and EOS with the last.
 */
export function textSegments(text: ArrayLike<number>, words: number, firstPhonemeId: number): Int32Array {
  const sep = Array.prototype.indexOf.call(text, SEP_ID) as number;
  const start = sep >= 0 ? sep + 1 : 1;
  const segments = new Int32Array(text.length);
  let word = 0;
  let inWord = false;
  for (let p = start; p < text.length; p++) {
    const id = text[p];
    if (id >= firstPhonemeId) inWord = true;
    else if (id === WORD_BOUNDARY_ID && inWord) {
      inWord = false;
      word++;
    }
    segments[p] = Math.floor(word / words);
  }
  if (text.length >= 2) segments[text.length - 1] = segments[text.length - 2];
  return segments;
}

/**
 * Per segment, the frames [from, to) of a candidate that speak it (from = -1: none), in one pass over its frames
 * (each segment's frames are contiguous: the pointer only moves forward).
 */
function segmentFrames(c: SpliceCandidate, segments: Int32Array, count: number): Int32Array[] {
  const ranges = Array.from({ length: count }, () => Int32Array.of(-1, -1));
  for (let f = 0; f < c.positions.length; f++) {
    const range = ranges[segments[c.positions[f]]];
    if (range[0] < 0) range[0] = f;
    range[1] = f + 1;
  }
  return ranges;
}

/**
 * Per segment of `words` words, the candidate whose frames for it the reader scores best (CTC nats per phoneme of
 * the segment's sounding phonemes; ties and segments without phonemes -> the earliest candidate that speaks it), and
 * those frames joined in order. `firstFrom`: the first segment's candidate, already chosen (and played: early-head.ts).
 */
export function spliceCandidates(candidates: readonly SpliceCandidate[], text: ArrayLike<number>, words: number, dims: ReaderDims, firstFrom?: number): Spliced {
  const segments = textSegments(text, words, dims.firstPhonemeId);
  const sep = Array.prototype.indexOf.call(text, SEP_ID) as number;
  const count = segments.length > 0 ? Math.max(...segments) + 1 : 0;
  const frames = candidates.map((c) => segmentFrames(c, segments, count));
  const codes: number[] = [];
  const phonemes: number[] = [];
  const choices: number[] = [];
  const scores: number[] = [];
  const lengths: number[] = [];
  for (let s = 0; s < count; s++) {
    const targets = readerTargets(dims, Array.from(text).filter((_, p) => p > sep && segments[p] === s));
    let best = -1;
    let bestScore = Infinity;
    for (const [k, c] of candidates.entries()) {
      const [from, to] = frames[k][s];
      if (from < 0 || (s === 0 && firstFrom !== undefined && k !== firstFrom)) continue;
      // Reader frames match codec frames up to its last one or two (its output length: training/reader).
      const f0 = Math.min(from, c.frames - 1);
      const f1 = Math.min(to, c.frames);
      const score = targets.length === 0 ? 0 : perPhonemeScore(dims, c.logProbs.subarray(f0 * dims.vocabSize, f1 * dims.vocabSize), f1 - f0, targets);
      if (best < 0 || score < bestScore) {
        best = k;
        bestScore = score;
      }
    }
    choices.push(best);
    scores.push(bestScore);
    lengths.push(best < 0 ? 0 : frames[best][s][1] - frames[best][s][0]);
    if (best < 0) continue;
    const c = candidates[best];
    for (let f = frames[best][s][0]; f < frames[best][s][1]; f++) {
      codes.push(c.codes[f]);
      phonemes.push(c.phonemes[f]);
    }
  }
  return { codes: Int32Array.from(codes), phonemes: Int32Array.from(phonemes), choices, scores, lengths };
}
