/** Time alignment of a codec's output to its input, so sample-level metrics compare the same instants. */
import { ParlaError } from '../errors.js';

/**
 * Lag in samples (0..maxLag) at which `degraded` best matches `reference` by waveform cross-correlation,
 * i.e. degraded[t + lag] ~ reference[t]. Suits waveform-matching codecs (Opus); parametric codecs
 * (Codec2) synthesize their own phase, so use their known frame delay instead.
 */
export function estimateDelay(reference: Float32Array, degraded: Float32Array, maxLag: number): number {
  if (!Number.isInteger(maxLag) || maxLag < 0) throw new ParlaError('invalid_input', `maxLag must be a non-negative integer, got ${maxLag}`, { param: 'maxLag' });
  const span = Math.min(reference.length, degraded.length - maxLag);
  if (span <= 0) return 0;
  let bestLag = 0;
  let best = -Infinity;
  for (let lag = 0; lag <= maxLag; lag++) {
    let dot = 0;
    for (let t = 0; t < span; t++) dot += reference[t] * degraded[t + lag];
    if (dot > best) { best = dot; bestLag = lag; }
  }
  return bestLag;
}

/** `degraded` advanced by `delay` samples and cut or zero-padded to `length`. */
export function compensateDelay(degraded: Float32Array, delay: number, length: number): Float32Array {
  const out = new Float32Array(length);
  out.set(degraded.subarray(delay, Math.min(degraded.length, delay + length)));
  return out;
}
