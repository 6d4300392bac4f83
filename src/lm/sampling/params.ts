/** Sampling parameters for codebook-0 decoding: defaults, validation, and the one definition of "repetitive". */

import { ParlaError } from '../../errors.js';

/**
 * How the AR codes are drawn. Order of processing is fixed: temperature -> top-k -> top-p (nucleus) -> draw,
 * with repetition-aware sampling (RAS, VALL-E 2) falling back to the full tempered distribution.
 */
export interface SamplingParams {
  /** Softmax temperature; 0 means greedy (argmax, ties -> lowest id) and disables every other processor. */
  temperature: number;
  /** Keep the k highest logits (ties -> lower id first); 0 disables. */
  topK: number;
  /** Nucleus mass in (0, 1]: keep the smallest prefix (by logit, ties -> lower id) whose mass reaches topP; 1 disables. */
  topP: number;
  /** Repetition-aware sampling on/off. */
  ras: boolean;
  /** RAS window K: how many of the latest history tokens are counted (>= 1). */
  rasWindow: number;
  /** RAS threshold t_r in [0, 1]: a token is repetitive when count / K > t_r (strictly). */
  rasThreshold: number;
  /**
   * Phoneme-pointer models: how the pointer moves after each group. 'greedy' (default) moves deterministically at
   * any temperature (see src/engine/phoneme-pointer.ts); 'sample' draws each advance at the codes' temperature.
   * With the shipped model, codes sampled at T 0.3 with a greedy pointer read 64.5% WER on tts-kathleen (3 seeds),
   * with a sampled pointer 84.3%, greedy codes 69.5%.
   */
  pointer: 'greedy' | 'sample';
  /**
   * Phoneme-pointer models: classifier-free guidance weight w >= 0 (0 = off). Each row is decoded twice, once fed
   * the pointer's phoneme and once fed "unknown" (as the prompt's own groups are), and the codes are drawn from
   * cond + w (cond - uncond) logits (src/engine/guidance.ts).
   */
  guidance: number;
}

/** VALL-E 2's RAS defaults (K = 10, t_r = 0.1) with a 0.8 nucleus, as used in its published inference recipes. */
export const DEFAULT_SAMPLING_PARAMS: Readonly<SamplingParams> = Object.freeze({
  temperature: 1,
  topK: 0,
  topP: 0.8,
  ras: true,
  rasWindow: 10,
  rasThreshold: 0.1,
  pointer: 'greedy',
  guidance: 0,
});

function invalid(param: keyof SamplingParams, message: string): ParlaError {
  return new ParlaError('invalid_input', `sampling parameter ${param}: ${message}`, { param });
}

/** Guidance above this only pushes the logits further from anything the model would say (3 already read far worse). */
export const MAX_GUIDANCE = 10;

/** Objects returned by resolveSamplingParams (frozen, so still valid): resolving them again is free. */
const resolved = new WeakSet<object>();

/**
 * Fills defaults and checks every field; throws ParlaError('invalid_input', param = field name) on a bad one.
 * Returns a frozen object; passing it back (e.g. per position in verification) skips the work.
 */
export function resolveSamplingParams(params: Partial<SamplingParams> = {}): Readonly<SamplingParams> {
  if (resolved.has(params)) return params as SamplingParams;
  const p: SamplingParams = { ...DEFAULT_SAMPLING_PARAMS, ...stripUndefined(params) };
  if (typeof p.temperature !== 'number' || !Number.isFinite(p.temperature) || p.temperature < 0) {
    throw invalid('temperature', `must be a finite number >= 0 (0 = greedy), got ${p.temperature}`);
  }
  if (!Number.isInteger(p.topK) || p.topK < 0) {
    throw invalid('topK', `must be an integer >= 0 (0 = off), got ${p.topK}`);
  }
  if (typeof p.topP !== 'number' || !(p.topP > 0 && p.topP <= 1)) {
    throw invalid('topP', `must be in (0, 1] (1 = off), got ${p.topP}`);
  }
  if (typeof p.ras !== 'boolean') {
    throw invalid('ras', `must be true or false, got ${String(p.ras)}`);
  }
  if (!Number.isInteger(p.rasWindow) || p.rasWindow < 1) {
    throw invalid('rasWindow', `K must be an integer >= 1, got ${p.rasWindow}`);
  }
  if (typeof p.rasThreshold !== 'number' || !(p.rasThreshold >= 0 && p.rasThreshold <= 1)) {
    throw invalid('rasThreshold', `t_r must be in [0, 1], got ${p.rasThreshold}`);
  }
  if (p.pointer !== 'greedy' && p.pointer !== 'sample') {
    throw invalid('pointer', `must be "greedy" or "sample", got ${JSON.stringify(p.pointer)}`);
  }
  if (typeof p.guidance !== 'number' || !(p.guidance >= 0 && p.guidance <= MAX_GUIDANCE)) {
    throw invalid('guidance', `must be a number in [0, ${MAX_GUIDANCE}] (0 = off), got ${p.guidance}`);
  }
  Object.freeze(p);
  resolved.add(p);
  return p;
}

function stripUndefined(params: Partial<SamplingParams>): Partial<SamplingParams> {
  return Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Partial<SamplingParams>;
}

/**
 * The single definition of "repetitive" shared by the sampler and the exact target distribution:
 * count of the token among the last K history tokens, divided by K (always K, even while the history is shorter),
 * strictly greater than t_r. With K = 10, t_r = 0.1 a token must already occur twice in the window.
 */
export function isRepetitive(countInWindow: number, windowSize: number, threshold: number): boolean {
  return countInWindow / windowSize > threshold;
}

/** How many times `token` occurs among the last `windowSize` entries of `history`. */
export function countInWindow(history: ArrayLike<number>, token: number, windowSize: number): number {
  let count = 0;
  for (let i = Math.max(0, history.length - windowSize); i < history.length; i++) if (history[i] === token) count++;
  return count;
}
