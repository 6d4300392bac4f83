/** Level measurements on Float32 PCM: peak, RMS, dBFS, clipping. */

/** Amplitude -> dBFS (full scale = 1.0); -Infinity for 0. */
export function toDb(amplitude: number): number {
  return 20 * Math.log10(amplitude);
}

/** dBFS -> amplitude. */
export function fromDb(db: number): number {
  return 10 ** (db / 20);
}

/** Largest absolute sample. */
export function peak(pcm: Float32Array): number {
  let p = 0;
  for (let i = 0; i < pcm.length; i++) {
    const a = Math.abs(pcm[i]);
    if (a > p) p = a;
  }
  return p;
}

/** Root mean square over [start, end); 0 for an empty range. */
export function rms(pcm: Float32Array, start = 0, end = pcm.length): number {
  if (end <= start) return 0;
  let sum = 0;
  for (let i = start; i < end; i++) sum += pcm[i] * pcm[i];
  return Math.sqrt(sum / (end - start));
}

/**
 * RMS of each frame of `frameSize` samples (the last, partial frame included).
 * @returns (ceil(N / frameSize),)
 */
export function frameRms(pcm: Float32Array, frameSize: number): Float32Array {
  const frames = Math.ceil(pcm.length / frameSize);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) out[f] = rms(pcm, f * frameSize, Math.min(pcm.length, (f + 1) * frameSize));
  return out;
}

export interface LevelReport {
  peak: number;
  peakDb: number;
  rms: number;
  rmsDb: number;
  /** Samples at or beyond the clip threshold (default 0.999 = -0.009 dBFS). */
  clippedSamples: number;
  clippedRatio: number;
}

/** All level measurements in one pass-friendly call, e.g. for eval robustness checks and logs. */
export function measureLevels(pcm: Float32Array, clipThreshold = 0.999): LevelReport {
  let clipped = 0;
  for (let i = 0; i < pcm.length; i++) if (Math.abs(pcm[i]) >= clipThreshold) clipped++;
  const p = peak(pcm);
  const r = rms(pcm);
  return { peak: p, peakDb: toDb(p), rms: r, rmsDb: toDb(r), clippedSamples: clipped, clippedRatio: pcm.length ? clipped / pcm.length : 0 };
}
