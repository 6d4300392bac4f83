/**
 * The exact probability with which CodeSampler emits each token, given logits and history, in closed form:
 *   P(x) = N(x)·[x not repetitive] + (Σ_y N(y)·[y repetitive])·p(x)
 * N = nucleus distribution (tempered, top-k then top-p truncated, renormalized), p = full tempered distribution.
 * Speculative verification accepts drafts against this P. It reuses the sampler's own processors and the shared
 * `isRepetitive`, so the two cannot drift apart. Greedy (T = 0) is one-hot at the argmax (ties -> lowest id).
 */

import { Candidates } from './candidates.js';
import { countInWindow, isRepetitive, resolveSamplingParams, type SamplingParams } from './params.js';
import { TemperatureSampler, TopKSampler, TopPSampler } from './processors.js';
import { GreedySampler } from './selectors.js';

/** Scratch buffers per vocabulary size, reused across calls (JS is single-threaded, so sharing is safe). */
interface Scratch {
  candidates: Candidates;
  fullProbs: Float64Array;
  repetitive: Uint8Array;
}
const scratchByVocab = new Map<number, Scratch>();

function scratchFor(vocabSize: number): Scratch {
  let s = scratchByVocab.get(vocabSize);
  if (s === undefined) {
    s = { candidates: new Candidates(vocabSize), fullProbs: new Float64Array(vocabSize), repetitive: new Uint8Array(vocabSize) };
    scratchByVocab.set(vocabSize, s);
  }
  return s;
}

/**
 * @param logits raw logits for one code, shape (V,)
 * @param history emitted codes so far, oldest first (only the last K matter), as CodeSampler.history() returns
 * @param params sampling parameters (defaults filled, validated)
 * @param out optional output buffer of shape (V,), overwritten
 * @returns probabilities of shape (V,), summing to 1 (up to float32 rounding)
 */
export function targetDistribution(
  logits: ArrayLike<number>,
  history: ArrayLike<number>,
  params: Partial<SamplingParams> = {},
  out: Float32Array = new Float32Array(logits.length),
): Float32Array {
  const p = resolveSamplingParams(params);
  const vocab = logits.length;
  const { candidates: c, fullProbs, repetitive } = scratchFor(vocab);
  c.load(logits);
  out.fill(0);
  if (p.temperature === 0) {
    new GreedySampler().apply(c);
    out[c.selectedToken()] = 1;
    return out;
  }
  new TemperatureSampler(p.temperature).apply(c);
  c.softmax();
  fullProbs.set(c.probs);
  if (p.topK > 0) new TopKSampler(p.topK).apply(c);
  if (p.topP < 1) new TopPSampler(p.topP).apply(c);
  c.softmax();
  if (!p.ras) {
    for (let i = 0; i < c.size; i++) out[c.ids[i]] = c.probs[c.ids[i]];
    return out;
  }
  const windowStart = Math.max(0, history.length - p.rasWindow);
  for (let i = windowStart; i < history.length; i++) {
    const token = history[i];
    if (token >= 0 && token < vocab && isRepetitive(countInWindow(history, token, p.rasWindow), p.rasWindow, p.rasThreshold)) {
      repetitive[token] = 1;
    }
  }
  let repetitiveMass = 0;
  for (let i = 0; i < c.size; i++) {
    const id = c.ids[i];
    if (repetitive[id]) repetitiveMass += c.probs[id];
    else out[id] = c.probs[id];
  }
  if (repetitiveMass > 0) for (let id = 0; id < vocab; id++) out[id] += repetitiveMass * fullProbs[id];
  for (let i = windowStart; i < history.length; i++) if (history[i] >= 0 && history[i] < vocab) repetitive[history[i]] = 0;
  return out;
}
