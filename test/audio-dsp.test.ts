// DSP on Float32 PCM: resampler accuracy and alias rejection, loudness, silence trimming/VAD, crossfades, levels.
import { describe, expect, it } from 'vitest';
import {
  Resampler,
  concatenate,
  gatedLoudnessDb,
  limitPeaks,
  measureLevels,
  normalizeLoudness,
  peak,
  resample,
  rms,
  sineTone,
  silenceRatio,
  speechBounds,
  toDb,
  toneAmplitude,
  trimSilence,
  whiteNoise,
} from '../src/audio/index.js';
import { isParlaError } from '../src/errors.js';

/** Concatenate arrays (test helper). */
function join(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/** Zero crossings per second / 2 = frequency of a clean sine. */
function zeroCrossingFrequency(x: Float32Array, sampleRate: number, start: number, end: number): number {
  let crossings = 0;
  for (let i = start + 1; i < end; i++) if ((x[i - 1] < 0) !== (x[i] < 0)) crossings++;
  return (crossings / 2) * (sampleRate / (end - start));
}

describe('resample', () => {
  // [from, to, tone Hz]: the tone keeps its frequency and amplitude (passband).
  const passband: Array<[number, number, number]> = [
    [16000, 24000, 1000],
    [16000, 24000, 6000],
    [24000, 16000, 3000],
    [44100, 16000, 1000],
    [48000, 16000, 5000],
    [22050, 16000, 2500],
    [8000, 16000, 440],
    [16000, 16001, 3000], // no small common ratio: rounded-phase path
  ];
  it.each(passband)('%i -> %i Hz keeps a %i Hz sine (frequency, amplitude, waveform)', (from, to, f) => {
    const y = resample(sineTone(f, 1, from, 0.5), from, to);
    expect(y.length).toBe(Math.ceil((from * to) / from));
    const a = Math.round(0.1 * to);
    const b = y.length - a; // skip the zero-padded edges
    expect(zeroCrossingFrequency(y, to, a, b)).toBeCloseTo(f, -1);
    expect(Math.abs(toDb(toneAmplitude(y, to, f, a, b) / 0.5))).toBeLessThan(0.05);
    const ideal = sineTone(f, y.length / to, to, 0.5);
    let err = 0;
    for (let i = a; i < b; i++) err = Math.max(err, Math.abs(y[i] - ideal[i]));
    expect(toDb(err / 0.5)).toBeLessThan(-60);
  });

  it.each([
    [48000, 16000, 10000],
    [48000, 16000, 12000],
    [44100, 16000, 15000],
    [24000, 16000, 9000],
  ])('%i -> %i Hz rejects a %i Hz tone above the new Nyquist (no aliasing)', (from, to, f) => {
    const y = resample(sineTone(f, 1, from, 0.5), from, to);
    const a = Math.round(0.1 * to);
    expect(toDb(rms(y, a, y.length - a) / (0.5 / Math.SQRT2))).toBeLessThan(-70);
  });

  it('16 -> 48 kHz leaves no image of a 6 kHz tone at 10 kHz', () => {
    const y = resample(sineTone(6000, 1, 16000, 0.5), 16000, 48000);
    expect(toDb(toneAmplitude(y, 48000, 10000, 4800, 43200) / 0.5)).toBeLessThan(-70);
    expect(toDb(toneAmplitude(y, 48000, 6000, 4800, 43200) / 0.5)).toBeGreaterThan(-0.05);
  });

  it('streaming in odd-sized chunks gives the same samples as one shot', () => {
    const x = whiteNoise(1, 16000, 0.5, 7);
    const oneShot = resample(x, 16000, 24000);
    const r = new Resampler(16000, 24000);
    const parts: Float32Array[] = [];
    for (let i = 0; i < x.length; i += 777) parts.push(r.process(x.subarray(i, i + 777)));
    parts.push(r.flush());
    const streamed = join(...parts);
    expect(streamed.length).toBe(oneShot.length);
    expect(Array.from(streamed)).toEqual(Array.from(oneShot));
  });

  it('returns the input for equal rates and rejects bad rates', () => {
    const x = sineTone(440, 0.1, 16000);
    expect(resample(x, 16000, 16000)).toBe(x);
    for (const bad of [0, 44100.5, -16000, 1e7]) {
      expect(() => new Resampler(bad, 16000)).toThrow(/fromRate/);
    }
  });

  // Measured 0.8 s with both cores at load 11; the bound is loose on purpose and catches accidental O(n^2).
  it('converts 60 s of 44.1 kHz to 16 kHz at least 20x faster than real time', () => {
    const x = whiteNoise(60, 44100, 0.3);
    const t0 = performance.now();
    const y = resample(x, 44100, 16000);
    const ms = performance.now() - t0;
    expect(y.length).toBe(960000);
    expect(ms).toBeLessThan(3000);
  });
});

describe('loudness', () => {
  // Speech-like: noise bursts separated by pauses, at about -35 dBFS.
  const bursts = join(whiteNoise(0.5, 16000, 0.03, 1), new Float32Array(8000), whiteNoise(0.7, 16000, 0.03, 2), new Float32Array(4000));

  it('brings quiet speech-like audio to the target gated level, peaks under the ceiling', () => {
    const y = normalizeLoudness(bursts, 16000, { targetDb: -20, peakDb: -1 });
    expect(gatedLoudnessDb(y, 16000)).toBeCloseTo(-20, 0);
    expect(peak(y)).toBeLessThanOrEqual(10 ** (-1 / 20) + 1e-6);
    expect(gatedLoudnessDb(bursts, 16000)).toBeLessThan(-30); // the gate ignored the pauses, so the level is the bursts'
  });

  it('limits a spike without clipping and without changing the rest', () => {
    const x = sineTone(200, 1, 16000, 0.05);
    x[8000] = 0.9; // one click 25 dB above the tone
    const y = normalizeLoudness(x, 16000, { targetDb: -12, peakDb: -1 });
    expect(peak(y)).toBeLessThanOrEqual(10 ** (-1 / 20) + 1e-6);
    // Far from the spike the gain is the plain normalization gain.
    const gain = y[2000] / x[2000];
    expect(toDb(rms(y, 0, 6000) / (0.05 / Math.SQRT2))).toBeCloseTo(toDb(gain), 1);
    // The limiter's 60 ms release dips the level around the spike a little.
    expect(Math.abs(gatedLoudnessDb(y, 16000) + 12)).toBeLessThan(1);
  });

  it('limitPeaks holds a loud sine exactly at the ceiling', () => {
    const y = limitPeaks(sineTone(440, 0.5, 16000, 2), 16000, 0.5);
    expect(peak(y)).toBeLessThanOrEqual(0.5 + 1e-6);
    expect(peak(y)).toBeGreaterThan(0.45);
  });

  it('returns silence unchanged instead of boosting noise', () => {
    const quiet = whiteNoise(1, 16000, 1e-5);
    expect(Array.from(normalizeLoudness(quiet, 16000))).toEqual(Array.from(quiet));
    expect(gatedLoudnessDb(new Float32Array(100), 16000)).toBe(-Infinity);
  });
});

describe('silence', () => {
  const tone = sineTone(300, 1, 16000, 0.5);
  const padded = join(whiteNoise(0.5, 16000, 0.001), tone, whiteNoise(0.7, 16000, 0.001));

  it('trims edges relative to the peak and keeps the margin', () => {
    const { start, end } = speechBounds(padded, 16000, { marginMs: 50 });
    expect(start).toBeGreaterThanOrEqual(8000 - 800 - 160);
    expect(start).toBeLessThanOrEqual(8000 - 800 + 160);
    expect(end).toBeGreaterThanOrEqual(24000 + 800 - 160);
    expect(end).toBeLessThanOrEqual(24000 + 800 + 160);
    expect(trimSilence(padded, 16000, { marginMs: 50 }).length).toBe(end - start);
  });

  it('threshold is relative: a quiet recording is trimmed the same way', () => {
    const quiet = padded.map((v) => v * 0.01);
    expect(speechBounds(quiet, 16000, { floorDb: -100 })).toEqual(speechBounds(padded, 16000));
  });

  it('all-silent audio trims to nothing and has silence ratio 1', () => {
    const silent = new Float32Array(16000);
    expect(trimSilence(silent, 16000).length).toBe(0);
    expect(silenceRatio(silent, 16000)).toBe(1);
    expect(silenceRatio(new Float32Array(0), 16000)).toBe(1);
  });

  it('silence ratio measures the silent share', () => {
    expect(silenceRatio(padded, 16000)).toBeCloseTo(1.2 / 2.2, 1);
    expect(silenceRatio(tone, 16000)).toBe(0);
  });
});

describe('concatenate', () => {
  it('overlaps by the crossfade with equal-power gains', () => {
    const a = new Float32Array(1000).fill(1);
    const b = new Float32Array(1000).fill(1);
    const y = concatenate([a, b], 16000, { crossfadeMs: 10 }); // 160 samples
    expect(y.length).toBe(2000 - 160);
    expect(y[839 - 80]).toBe(1); // before the overlap: a alone
    expect(y[1000 + 10]).toBe(1); // after it: b alone
    // cos + sin peaks at sqrt(2) mid-way for identical (correlated) signals.
    expect(Math.max(...y.subarray(840, 1000))).toBeCloseTo(Math.SQRT2, 2);
  });

  it('keeps the power of uncorrelated signals through the seam', () => {
    const a = whiteNoise(0.5, 16000, 0.5, 3);
    const b = whiteNoise(0.5, 16000, 0.5, 4);
    const y = concatenate([a, b], 16000, { crossfadeMs: 50 });
    const seam = rms(y, 8000 - 800, 8000);
    expect(Math.abs(toDb(seam / rms(a)))).toBeLessThan(0.5);
  });

  it('inserts pauses with fades and no overlap, one per gap', () => {
    const chunks = [sineTone(440, 0.2, 16000), sineTone(440, 0.2, 16000), sineTone(440, 0.2, 16000)];
    const y = concatenate(chunks, 16000, { pauseMs: [100, 250] });
    expect(y.length).toBe(3 * 3200 + 1600 + 4000);
    expect(peak(y.subarray(3200, 3200 + 1600))).toBe(0);
    expect(Math.abs(y[3199])).toBeLessThan(0.01); // faded out before the pause
    expect(Math.abs(y[3200 + 1600])).toBeLessThan(0.01); // faded in after it
  });

  it('rejects a pause list of the wrong length and negative pauses', () => {
    const c = [new Float32Array(10), new Float32Array(10), new Float32Array(10)];
    for (const pauseMs of [[100], [100, -1]]) {
      try {
        concatenate(c, 16000, { pauseMs });
        expect.unreachable();
      } catch (err) {
        expect(isParlaError(err) && err.param).toBe('pauseMs');
      }
    }
  });
});

describe('levels', () => {
  it('measures peak, RMS and clipping', () => {
    const x = sineTone(1000, 1, 16000, 0.5);
    x[10] = 1;
    x[20] = -1.2;
    const m = measureLevels(x);
    expect(m.peak).toBeCloseTo(1.2, 6);
    expect(m.rmsDb).toBeCloseTo(toDb(0.5 / Math.SQRT2), 2);
    expect(m.clippedSamples).toBe(2);
    expect(m.clippedRatio).toBeCloseTo(2 / 16000, 8);
  });
});
