/** Band-limited resampling between integer rates by Kaiser-windowed sinc interpolation (polyphase), for the instruments. */
import { ParlaError } from '../errors.js';

/** Zero crossings of the sinc kept on each side; 16 gives > 80 dB stopband with beta 8.6. */
const ZERO_CROSSINGS = 16;
const KAISER_BETA = 8.6;
/** Cutoff as a share of the lower Nyquist frequency, leaving room for the transition band. */
const ROLLOFF = 0.95;

function besselI0(x: number): number {
  let sum = 1, term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * `pcm` at `fromRate` -> `toRate` (integer Hz). Output length = ceil(length * toRate / fromRate);
 * output sample n sits at input time n * fromRate / toRate, so there is no delay.
 */
export function resample(pcm: Float32Array, fromRate: number, toRate: number): Float32Array {
  for (const [name, rate] of [['fromRate', fromRate], ['toRate', toRate]] as const) {
    if (!Number.isInteger(rate) || rate <= 0) throw new ParlaError('invalid_input', `${name} must be a positive integer, got ${rate}`, { param: name });
  }
  if (fromRate === toRate) return pcm.slice();
  const g = gcd(fromRate, toRate);
  const up = toRate / g;
  const down = fromRate / g;
  // Cutoff in cycles per input sample relative to the input Nyquist frequency.
  const cutoff = ROLLOFF * Math.min(1, up / down);
  const half = Math.ceil(ZERO_CROSSINGS / cutoff);
  const taps = 2 * half + 1;
  const i0Beta = besselI0(KAISER_BETA);
  // One filter per fractional phase p / up of the input time.
  const phases: Float64Array[] = [];
  for (let p = 0; p < up; p++) {
    const frac = p / up;
    const h = new Float64Array(taps);
    for (let k = 0; k < taps; k++) {
      const tau = k - half - frac; // input-sample distance from the output time
      const x = cutoff * tau;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = tau / (half + 1);
      const win = Math.abs(r) >= 1 ? 0 : besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / i0Beta;
      h[k] = cutoff * sinc * win;
    }
    phases.push(h);
  }
  const outLength = Math.ceil((pcm.length * up) / down);
  const out = new Float32Array(outLength);
  for (let n = 0; n < outLength; n++) {
    const pos = n * down;
    const base = Math.floor(pos / up);
    const h = phases[pos % up];
    let acc = 0;
    const first = base - half;
    for (let k = 0; k < taps; k++) {
      const t = first + k;
      if (t >= 0 && t < pcm.length) acc += pcm[t] * h[k];
    }
    out[n] = acc;
  }
  return out;
}
