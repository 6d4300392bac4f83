/** Windows and real-FFT power spectra of frames (on fft.js), shared by STOI and the log-mel features. */
import FFT from 'fft.js';
import { ParlaError } from '../errors.js';

/** MATLAB `hanning(n)`: symmetric, without the zero end points (STOI's window). */
export function hanningMatlab(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) w[k] = 0.5 * (1 - Math.cos((2 * Math.PI * (k + 1)) / (n + 1)));
  return w;
}

/** Periodic Hann window of length n (torch.hann_window's default, used for mel features). */
export function hannPeriodic(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) w[k] = 0.5 * (1 - Math.cos((2 * Math.PI * k) / n));
  return w;
}

/** Computes |X[k]|^2, k = 0..size/2, of windowed frames zero-padded to a power-of-two FFT size. */
export class PowerSpectrum {
  readonly size: number;
  /** size / 2 + 1 */
  readonly bins: number;
  private readonly fft: FFT;
  private readonly input: Float64Array;
  private readonly output: number[];

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new ParlaError('invalid_input', `FFT size must be a power of two >= 4, got ${size}`, { param: 'size' });
    }
    this.size = size;
    this.bins = size / 2 + 1;
    this.fft = new FFT(size);
    this.input = new Float64Array(size);
    this.output = this.fft.createComplexArray() as number[];
  }

  /**
   * Power spectrum of `signal[start .. start + window.length)` times `window` (samples outside the
   * signal read as 0), written into `out` (length `bins`) and returned.
   */
  frame(signal: ArrayLike<number>, start: number, window: Float64Array, out = new Float64Array(this.bins)): Float64Array {
    const input = this.input;
    input.fill(0);
    for (let i = 0; i < window.length; i++) {
      const t = start + i;
      if (t >= 0 && t < signal.length) input[i] = signal[t] * window[i];
    }
    this.fft.realTransform(this.output, input);
    const o = this.output;
    for (let k = 0; k < this.bins; k++) out[k] = o[2 * k] * o[2 * k] + o[2 * k + 1] * o[2 * k + 1];
    return out;
  }
}
