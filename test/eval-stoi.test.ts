import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/decode.js';
import { resample } from '../src/audio/resample.js';
import { mixAtSnr, whiteNoise } from '../src/eval/signals.js';
import { sharedDataDir } from '../src/eval/shared-data.js';
import { stoi } from '../src/eval/stoi.js';

// "Lord, but I'm glad to see you again, Phil." (2.6 s), a held-out Kathleen sentence.
const CLIP = path.join(sharedDataDir(), 'kathleen', 'audio', 'arctic_a0004_1592748478.opus');
let speech: Float32Array;

beforeAll(async () => {
  speech = await decodeAudio(CLIP);
});

describe('stoi', () => {
  it('is 1 for a signal against itself', () => {
    expect(Math.abs(stoi(speech, speech, 16000) - 1)).toBeLessThan(1e-6);
  });

  it('falls monotonically as white noise rises, near published values at 0 dB', () => {
    const noise = whiteNoise(speech.length, 42);
    const scores = [20, 10, 5, 0, -5].map((snr) => stoi(speech, mixAtSnr(speech, noise, snr), 16000));
    for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeLessThan(scores[i - 1]);
    expect(scores[0]).toBeGreaterThan(0.9);
    expect(scores[3]).toBeGreaterThan(0.6);
    expect(scores[3]).toBeLessThan(0.8);
    // A NumPy port of pystoi (scipy resample_poly to 10 kHz) on the same clip and noise; only the resamplers differ.
    [0.9524, 0.8471, 0.7695, 0.6823, 0.5883].forEach((want, i) => expect(Math.abs(scores[i] - want)).toBeLessThan(0.002));
  });

  it('does not depend on the degraded signal level (it is normalized per segment)', () => {
    const noisy = mixAtSnr(speech, whiteNoise(speech.length, 3), 5);
    const quieter = noisy.map((v) => v * 0.1);
    expect(stoi(speech, quieter, 16000)).toBeCloseTo(stoi(speech, noisy, 16000), 6);
  });

  it('gives unrelated noise the floor the clipping step leaves (~0.31, as the NumPy port does)', () => {
    expect(Math.abs(stoi(speech, whiteNoise(speech.length, 9), 16000) - 0.3073)).toBeLessThan(0.005);
  });

  it('accepts 10 kHz input directly', () => {
    const at10k = resample(speech, 16000, 10000);
    expect(stoi(at10k, at10k, 10000)).toBeCloseTo(1, 6);
  });

  it('rejects signals of different lengths, naming the parameter', () => {
    expect(() => stoi(speech, speech.subarray(1), 16000)).toThrowError(expect.objectContaining({ code: 'invalid_input', param: 'degraded' }));
  });

  it('rejects clips with less than 30 frames of speech', () => {
    const short = speech.subarray(8000, 12000); // 0.25 s
    expect(() => stoi(short, short, 16000)).toThrowError(expect.objectContaining({ code: 'audio_too_short' }));
  });
});
