/**
 * Speaker-verification metrics, the same definitions as training/speaker/metrics.py, so an EER
 * measured here with the ONNX encoder is comparable, pair for pair, with the PyTorch one.
 */
import { ParlaError } from '../errors.js';
import { NumpyGenerator } from './numpy-random.js';

function checkScores(scores: readonly number[], what: string): void {
  if (scores.length === 0) throw new ParlaError('invalid_input', `EER needs at least one ${what} score`, { param: what });
  const bad = scores.findIndex((s) => !Number.isFinite(s));
  if (bad >= 0) throw new ParlaError('invalid_input', `${what} score ${bad} is not a finite number (${scores[bad]})`, { param: what });
}

/** Count of sorted values below `t`, advancing `from` (thresholds arrive in ascending order). */
function countBelow(sorted: Float64Array, t: number, from: number): number {
  let k = from;
  while (k < sorted.length && sorted[k] < t) k++;
  return k;
}

/**
 * Equal error rate of similarity scores (accept when score >= threshold).
 * Candidate thresholds are the distinct scores plus +Infinity; at each one the false-reject rate
 * (same-speaker scores below it) and false-accept rate (different-speaker scores at or above it)
 * are computed, and the EER is their mean where |FAR - FRR| is smallest (the lowest such threshold).
 * Tied scores therefore move together, as in `equal_error_rate` of training/speaker/metrics.py.
 */
export function equalErrorRate(sameScores: readonly number[], differentScores: readonly number[]): number {
  checkScores(sameScores, 'same-speaker');
  checkScores(differentScores, 'different-speaker');
  const pos = Float64Array.from(sameScores).sort();
  const neg = Float64Array.from(differentScores).sort();
  const all = Float64Array.from([...sameScores, ...differentScores]).sort();
  let below = 0, negBelow = 0;
  let best = { gap: Infinity, eer: NaN };
  for (let k = 0; k <= all.length; k++) {
    if (k > 0 && k < all.length && all[k] === all[k - 1]) continue;
    const t = k < all.length ? all[k] : Infinity;
    below = countBelow(pos, t, below);
    negBelow = countBelow(neg, t, negBelow);
    // Same float64 operations as numpy, so ties in |FAR - FRR| break the same way.
    const frr = below / pos.length;
    const far = 1.0 - negBelow / neg.length;
    const gap = Math.abs(far - frr);
    if (gap < best.gap) best = { gap, eer: (far + frr) / 2 };
  }
  return best.eer;
}

/** Index pairs (i < j) into a list of labelled utterances. */
export interface VerificationTrials {
  same: Array<[number, number]>;
  different: Array<[number, number]>;
}

/**
 * `trials` of training/speaker/metrics.py: every same-speaker pair (i < j, row-major), plus as many
 * different-speaker pairs drawn without replacement by `np.random.default_rng(seed).choice`.
 * Both sides use the same numpy stream, so they score the identical pairs.
 */
export function verificationTrials(speakers: readonly string[], seed = 0): VerificationTrials {
  const same: Array<[number, number]> = [];
  const different: Array<[number, number]> = [];
  for (let i = 0; i < speakers.length; i++) {
    for (let j = i + 1; j < speakers.length; j++) (speakers[i] === speakers[j] ? same : different).push([i, j]);
  }
  const pick = new NumpyGenerator(seed).choiceWithoutReplacement(different.length, Math.min(same.length, different.length));
  return { same, different: pick.map((k) => different[k]) };
}
