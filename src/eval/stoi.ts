/**
 * Short-Time Objective Intelligibility (Taal, Hendriks, Heusdens, Jensen, IEEE TASLP 2011),
 * following the published MATLAB reference step by step; scores are in [-1, 1], ~1 = intelligible as the clean signal.
 */
import { ParlaError } from '../errors.js';
import { resample } from '../audio/resample.js';
import { hanningMatlab, PowerSpectrum } from './spectrum.js';

const FS = 10000; // analysis rate
const FRAME = 256; // samples per frame (25.6 ms), hop FRAME / 2
const NFFT = 512;
const BANDS = 15; // one-third octave bands...
const MIN_FREQ = 150; // ...starting at 150 Hz centre frequency
const SEGMENT = 30; // frames per short-time segment (384 ms)
const BETA_DB = -15; // lower signal-to-distortion bound for clipping
const DYN_RANGE_DB = 40; // frames more than this below the loudest clean frame are dropped
const EPS = 2.220446049250313e-16;

/** Band matrix rows as [firstBin, endBin) ranges of the NFFT/2+1 spectrum (MATLAB thirdoct). */
function thirdOctaveBands(): Array<[number, number]> {
  const binFreqs = Array.from({ length: NFFT / 2 + 1 }, (_, i) => (i * FS) / NFFT);
  const nearest = (f: number): number => {
    let best = 0;
    for (let i = 1; i < binFreqs.length; i++) if ((binFreqs[i] - f) ** 2 < (binFreqs[best] - f) ** 2) best = i;
    return best;
  };
  return Array.from({ length: BANDS }, (_, k) => [
    nearest(MIN_FREQ * 2 ** ((2 * k - 1) / 6)),
    nearest(MIN_FREQ * 2 ** ((2 * k + 1) / 6)),
  ]);
}
const BAND_BINS = thirdOctaveBands();

/** Drops frames of both signals where the clean frame is > 40 dB below the loudest one, then overlap-adds the rest. */
function removeSilentFrames(x: Float32Array, y: Float32Array): [Float64Array, Float64Array] {
  const hop = FRAME / 2;
  const w = hanningMatlab(FRAME);
  const starts: number[] = [];
  for (let s = 0; s < x.length - FRAME; s += hop) starts.push(s);
  const energies = starts.map((s) => {
    let e = 0;
    for (let i = 0; i < FRAME; i++) e += (w[i] * x[s + i]) ** 2;
    return 20 * Math.log10(Math.sqrt(e) + EPS);
  });
  const loudest = Math.max(...energies);
  const kept = starts.filter((_, i) => energies[i] > loudest - DYN_RANGE_DB);
  const length = kept.length === 0 ? 0 : (kept.length - 1) * hop + FRAME;
  const xs = new Float64Array(length);
  const ys = new Float64Array(length);
  kept.forEach((s, j) => {
    for (let i = 0; i < FRAME; i++) {
      xs[j * hop + i] += w[i] * x[s + i];
      ys[j * hop + i] += w[i] * y[s + i];
    }
  });
  return [xs, ys];
}

/** One-third-octave band envelopes, [band][frame], from a Hann STFT with 50% overlap. */
function bandEnvelopes(signal: Float64Array, spectrum: PowerSpectrum): Float64Array[] {
  const w = hanningMatlab(FRAME);
  const frames: number[] = [];
  for (let s = 0; s < signal.length - FRAME; s += FRAME / 2) frames.push(s);
  const bands = Array.from({ length: BANDS }, () => new Float64Array(frames.length));
  const power = new Float64Array(spectrum.bins);
  frames.forEach((s, t) => {
    spectrum.frame(signal, s, w, power);
    BAND_BINS.forEach(([lo, hi], b) => {
      let sum = 0;
      for (let k = lo; k < hi; k++) sum += power[k];
      bands[b][t] = Math.sqrt(sum);
    });
  });
  return bands;
}

/**
 * STOI of `degraded` against `clean`: both the same length, at `sampleRate` (resampled to 10 kHz).
 * Throws 'audio_too_short' when fewer than 30 non-silent frames (~0.4 s of speech) remain.
 */
export function stoi(clean: Float32Array, degraded: Float32Array, sampleRate: number): number {
  if (clean.length !== degraded.length) {
    throw new ParlaError('invalid_input', `STOI needs signals of equal length, got ${clean.length} and ${degraded.length} samples`, { param: 'degraded' });
  }
  const x10 = sampleRate === FS ? clean : resample(clean, sampleRate, FS);
  const y10 = sampleRate === FS ? degraded : resample(degraded, sampleRate, FS);
  const [xs, ys] = removeSilentFrames(x10, y10);
  const spectrum = new PowerSpectrum(NFFT);
  const X = bandEnvelopes(xs, spectrum);
  const Y = bandEnvelopes(ys, spectrum);
  const frames = X[0].length;
  if (frames < SEGMENT) {
    throw new ParlaError('audio_too_short', `STOI needs at least ${SEGMENT} non-silent frames (~0.4 s of speech), got ${frames}`, { param: 'clean' });
  }
  const clip = 1 + 10 ** (-BETA_DB / 20);
  const xSeg = new Float64Array(SEGMENT);
  const ySeg = new Float64Array(SEGMENT);
  let total = 0;
  let count = 0;
  for (let end = SEGMENT; end <= frames; end++) {
    for (let b = 0; b < BANDS; b++) {
      // Scale the degraded segment to the clean segment's energy, then clip it at beta dB SDR.
      let xNorm = 0, yNorm = 0;
      for (let i = 0; i < SEGMENT; i++) {
        xSeg[i] = X[b][end - SEGMENT + i];
        ySeg[i] = Y[b][end - SEGMENT + i];
        xNorm += xSeg[i] * xSeg[i];
        yNorm += ySeg[i] * ySeg[i];
      }
      const scale = Math.sqrt(xNorm) / (Math.sqrt(yNorm) + EPS);
      for (let i = 0; i < SEGMENT; i++) ySeg[i] = Math.min(ySeg[i] * scale, xSeg[i] * clip);
      total += correlation(xSeg, ySeg);
      count++;
    }
  }
  return total / count;
}

/** Sample correlation coefficient of two equal-length vectors (0 when either is constant). */
function correlation(a: Float64Array, b: Float64Array): number {
  let ma = 0, mb = 0;
  for (let i = 0; i < a.length; i++) { ma += a[i]; mb += b[i]; }
  ma /= a.length;
  mb /= b.length;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    const da = a[i] - ma, db = b[i] - mb;
    ab += da * db; aa += da * da; bb += db * db;
  }
  return ab / ((Math.sqrt(aa) + EPS) * (Math.sqrt(bb) + EPS));
}
