/** Loudness normalization: gated RMS (BS.1770-style gating, no K-weighting) to a target, then a look-ahead peak limiter. */
import { frameRms, fromDb, peak, toDb } from './levels.js';

export interface LoudnessOptions {
  /** Target gated RMS in dBFS (default -20, comfortable speech level). */
  targetDb?: number;
  /** Sample peaks never exceed this, in dBFS (default -1). */
  peakDb?: number;
}

/**
 * How far a clip's loudness moves: dB between the 90th and the 10th percentile of its 20 ms frame levels. Speech
 * rises and falls with its syllables and pauses; a steady tone, hum or machine noise does not. Measured (after
 * trimSilence): 180 real recordings (Kathleen, speechocean762, LibriSpeech) 13-40 dB; the same mixed with white
 * noise or an exercise bike at 5 dB SNR 5-15 dB; sine, sweep, hum, white and pink noise 0-4 dB; six recorded
 * household noises 2-5 dB, or 9-30 dB for the ones with clatter in them.
 */
export function loudnessSpreadDb(pcm: Float32Array, sampleRate: number): number {
  const frame = Math.max(1, Math.round(0.02 * sampleRate));
  const levels = Array.from(frameRms(pcm.subarray(0, pcm.length - (pcm.length % frame)), frame), (r) => toDb(Math.max(r, 1e-6))).sort((a, b) => a - b);
  if (levels.length === 0) return 0;
  const at = (q: number): number => levels[Math.floor(q * (levels.length - 1))];
  return at(0.9) - at(0.1);
}

/**
 * Loudness as BS.1770 gates it, without the K-weighting filter: mean power of 400 ms blocks
 * (75% overlap) louder than -70 dBFS, then of those within 10 dB of that mean, so pauses
 * between sentences do not drag the level down. Clips shorter than one block use all samples.
 * @returns dBFS; -Infinity for silence
 */
export function gatedLoudnessDb(pcm: Float32Array, sampleRate: number): number {
  const block = Math.round(0.4 * sampleRate);
  const hop = Math.round(0.1 * sampleRate);
  const powers: number[] = [];
  for (let start = 0; start + block <= pcm.length || powers.length === 0; start += hop) {
    const end = Math.min(pcm.length, start + block);
    let sum = 0;
    for (let i = start; i < end; i++) sum += pcm[i] * pcm[i];
    powers.push(end > start ? sum / (end - start) : 0);
    if (end === pcm.length) break;
  }
  const meanAbove = (gate: number): number => {
    const kept = powers.filter((p) => p > gate);
    return kept.length ? kept.reduce((a, b) => a + b, 0) / kept.length : 0;
  };
  const absolute = meanAbove(fromDb(-70) ** 2);
  if (absolute === 0) return -Infinity;
  return 10 * Math.log10(meanAbove(absolute / 10));
}

/**
 * Look-ahead peak limiter: the gain reaches ceiling/|x| exactly at each over-threshold sample,
 * ramps down over `lookaheadMs` before it (no clicks) and recovers with a `releaseMs` time constant.
 * @returns a new array whose peak is <= ceiling
 */
export function limitPeaks(pcm: Float32Array, sampleRate: number, ceiling: number, lookaheadMs = 5, releaseMs = 60): Float32Array {
  const n = pcm.length;
  const w = Math.max(1, Math.round((lookaheadMs / 1000) * sampleRate));
  // Required gain per sample, then its minimum over the next w samples (monotone deque, O(n)).
  const need = new Float32Array(n);
  for (let i = 0; i < n; i++) need[i] = Math.min(1, ceiling / Math.max(Math.abs(pcm[i]), 1e-12));
  const ahead = new Float32Array(n);
  const deque = new Int32Array(n);
  let head = 0;
  let tail = 0;
  for (let i = n - 1; i >= 0; i--) {
    while (tail > head && need[deque[tail - 1]] >= need[i]) tail--;
    deque[tail++] = i;
    if (deque[head] >= i + w) head++;
    ahead[i] = need[deque[head]];
  }
  // Moving average over the past w of those minima: at a peak every averaged term is <= its need.
  // ext[j] is the minimum for position j - (w - 1); positions before the start see only the first samples.
  const ext = new Float32Array(n + w - 1);
  let prefixMin = 1;
  for (let j = 0; j < w - 1; j++) ext[j] = prefixMin = Math.min(prefixMin, j < n ? need[j] : 1);
  ext.set(ahead, w - 1);
  const out = new Float32Array(n);
  const recover = 1 - Math.exp(-1 / ((releaseMs / 1000) * sampleRate));
  let sum = 0;
  for (let j = 0; j < w - 1; j++) sum += ext[j];
  let gain = 1;
  for (let i = 0; i < n; i++) {
    sum += ext[i + w - 1] - (i > 0 ? ext[i - 1] : 0);
    const smooth = Math.min(1, sum / w);
    gain = Math.min(smooth, gain + (1 - gain) * recover);
    out[i] = pcm[i] * gain;
  }
  return out;
}

/**
 * Bring speech to a target loudness without clipping: scale the gated RMS to `targetDb`, then
 * limit peaks to `peakDb`. Silence (below the -70 dBFS gate) is returned unchanged, never boosted.
 * @returns a new array
 */
export function normalizeLoudness(pcm: Float32Array, sampleRate: number, opts: LoudnessOptions = {}): Float32Array {
  const target = opts.targetDb ?? -20;
  const ceiling = fromDb(opts.peakDb ?? -1);
  const loudness = gatedLoudnessDb(pcm, sampleRate);
  if (!Number.isFinite(loudness)) return pcm.slice();
  const gain = fromDb(target - loudness);
  const scaled = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) scaled[i] = pcm[i] * gain;
  return peak(scaled) > ceiling ? limitPeaks(scaled, sampleRate, ceiling) : scaled;
}
