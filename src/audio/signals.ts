/** Test and calibration signals (tones, chirps, seeded noise) and a single-frequency level probe. */

/**
 * Sine tone. @returns (round(seconds·sampleRate),) amplitude·sin(2π·f·t + phase)
 */
export function sineTone(frequency: number, seconds: number, sampleRate: number, amplitude = 0.5, phase = 0): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * frequency * i) / sampleRate + phase);
  return out;
}

/** Linear chirp from f0 to f1 Hz over `seconds`. */
export function chirp(f0: number, f1: number, seconds: number, sampleRate: number, amplitude = 0.5): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  const k = (f1 - f0) / seconds;
  for (let i = 0; i < n; i++) {
    const t = i / sampleRate;
    out[i] = amplitude * Math.sin(2 * Math.PI * (f0 * t + 0.5 * k * t * t));
  }
  return out;
}

/**
 * `pcm` shaped by a syllable-like envelope: `perSecond` raised-sine bursts a second, down to `floor` (amplitude)
 * between them, so that a test tone rises and falls as speech does (voice prompts must: loudnessSpreadDb).
 */
export function syllabify(pcm: Float32Array, sampleRate: number, perSecond = 4, floor = 0.05): Float32Array {
  return pcm.map((x, i) => x * (floor + (1 - floor) * Math.sin((Math.PI * perSecond * i) / sampleRate) ** 2));
}

/** Uniform white noise in [-amplitude, amplitude] from a seeded generator (mulberry32), reproducible across runs. */
export function whiteNoise(seconds: number, sampleRate: number, amplitude = 0.5, seed = 1): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = amplitude * (((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1);
  }
  return out;
}

/**
 * Amplitude of the `frequency` component (Goertzel over a Hann window, corrected for the window's
 * coherent gain): a sine of amplitude A reads about A when the range holds many periods.
 */
export function toneAmplitude(pcm: Float32Array, sampleRate: number, frequency: number, start = 0, end = pcm.length): number {
  const n = end - start;
  const w = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const hann = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    const s0 = pcm[start + i] * hann + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * Math.sqrt(Math.max(0, power))) / (n * 0.5);
}
