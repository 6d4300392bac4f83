/**
 * Log-mel spectrogram and the log-mel L1 distance used for codec fidelity.
 * Conventions follow torchaudio.transforms.MelSpectrogram as Vocos-style codecs use it: periodic Hann
 * window, centred frames with reflect padding, magnitude (power 1), HTK mel scale without
 * normalization, natural log of max(mel, 1e-5).
 */
import { ParlaError } from '../errors.js';
import { hannPeriodic, PowerSpectrum } from './spectrum.js';

export interface MelConfig {
  sampleRate: number;
  nFft: number;
  hop: number;
  nMels: number;
  fMin: number;
  fMax: number;
}

/** 16 kHz, 1024-point frames every 256 samples (16 ms), 80 mels over 0-8 kHz. */
export const DEFAULT_MEL: MelConfig = { sampleRate: 16000, nFft: 1024, hop: 256, nMels: 80, fMin: 0, fMax: 8000 };

const LOG_FLOOR = 1e-5;

export interface LogMel {
  frames: number;
  nMels: number;
  /** Row-major [frames, nMels]. */
  data: Float32Array;
}

const hzToMel = (f: number): number => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/** Triangular filters, [nMels][nFft/2+1] (torchaudio melscale_fbanks, mel_scale 'htk', norm None). */
function melFilters(cfg: MelConfig): Float64Array[] {
  const bins = cfg.nFft / 2 + 1;
  const points = Array.from({ length: cfg.nMels + 2 }, (_, i) =>
    melToHz(hzToMel(cfg.fMin) + ((hzToMel(cfg.fMax) - hzToMel(cfg.fMin)) * i) / (cfg.nMels + 1)));
  return Array.from({ length: cfg.nMels }, (_, m) => {
    const row = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * cfg.sampleRate) / 2 / (bins - 1);
      const up = (f - points[m]) / (points[m + 1] - points[m]);
      const down = (points[m + 2] - f) / (points[m + 2] - points[m + 1]);
      row[k] = Math.max(0, Math.min(up, down));
    }
    return row;
  });
}

/** Reflect index into [0, n) as numpy/torch 'reflect' padding does (edge sample not repeated). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Log-mel spectrogram of mono `pcm` at cfg.sampleRate: 1 + floor(length / hop) frames. */
export function logMelSpectrogram(pcm: Float32Array, cfg: MelConfig = DEFAULT_MEL): LogMel {
  if (pcm.length === 0) throw new ParlaError('empty_input', 'log-mel spectrogram of empty audio', { param: 'pcm' });
  const spectrum = new PowerSpectrum(cfg.nFft);
  const window = hannPeriodic(cfg.nFft);
  const filters = melFilters(cfg);
  const frames = 1 + Math.floor(pcm.length / cfg.hop);
  const data = new Float32Array(frames * cfg.nMels);
  const frame = new Float64Array(cfg.nFft);
  const power = new Float64Array(spectrum.bins);
  const magnitude = new Float64Array(spectrum.bins);
  const pad = cfg.nFft / 2;
  for (let t = 0; t < frames; t++) {
    for (let i = 0; i < cfg.nFft; i++) frame[i] = pcm[reflect(t * cfg.hop + i - pad, pcm.length)];
    spectrum.frame(frame, 0, window, power);
    for (let k = 0; k < spectrum.bins; k++) magnitude[k] = Math.sqrt(power[k]);
    for (let m = 0; m < cfg.nMels; m++) {
      const row = filters[m];
      let sum = 0;
      for (let k = 0; k < spectrum.bins; k++) sum += row[k] * magnitude[k];
      data[t * cfg.nMels + m] = Math.log(Math.max(sum, LOG_FLOOR));
    }
  }
  return { frames, nMels: cfg.nMels, data };
}

/**
 * Mean absolute difference of log-mel values (natural log) between a reference and a degraded signal.
 * Both must start at the same instant (delay-compensated); the longer one is trimmed to the shorter,
 * so a length mismatch of a few samples is harmless but a missing tail is not counted as an error.
 */
export function logMelDistance(reference: Float32Array, degraded: Float32Array, cfg: MelConfig = DEFAULT_MEL): number {
  const length = Math.min(reference.length, degraded.length);
  if (length === 0) throw new ParlaError('empty_input', 'log-mel distance needs two non-empty signals', { param: reference.length === 0 ? 'reference' : 'degraded' });
  const a = logMelSpectrogram(reference.subarray(0, length), cfg);
  const b = logMelSpectrogram(degraded.subarray(0, length), cfg);
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i] - b.data[i]);
  return sum / a.data.length;
}
