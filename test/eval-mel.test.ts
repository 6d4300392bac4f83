import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/decode.js';
import { DEFAULT_MEL, logMelDistance, logMelSpectrogram } from '../src/eval/mel.js';
import { mixAtSnr, whiteNoise } from '../src/eval/signals.js';
import { sharedDataDir } from '../src/eval/shared-data.js';

const CLIP = path.join(sharedDataDir(), 'kathleen', 'audio', 'arctic_a0004_1592748478.opus');
let speech: Float32Array;

beforeAll(async () => {
  speech = await decodeAudio(CLIP);
});

describe('logMelSpectrogram', () => {
  it('has 1 + floor(N / hop) centred frames of 80 mels', () => {
    const mel = logMelSpectrogram(speech);
    expect(mel.nMels).toBe(80);
    expect(mel.frames).toBe(1 + Math.floor(speech.length / DEFAULT_MEL.hop));
    expect(mel.data.length).toBe(mel.frames * 80);
  });

  it('matches torch.stft + torchaudio-style HTK filterbank on a known frame', () => {
    // Values from torch 1.13 (stft, hann_window(1024), center, reflect; htk mel, norm None; log clamp 1e-5).
    const mel = logMelSpectrogram(speech);
    expect(mel.data[0]).toBeCloseTo(-1.61616, 3);
    expect(mel.data[1]).toBeCloseTo(-1.85606, 3); // frame 0, mel 1
    expect(mel.data[80]).toBeCloseTo(-0.86765, 3); // frame 1, mel 0
  });

  it('puts a 1 kHz tone in the mel band around 1 kHz', () => {
    const tone = Float32Array.from({ length: 16000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16000));
    const mel = logMelSpectrogram(tone);
    const row = mel.data.subarray(10 * 80, 11 * 80);
    const peak = row.indexOf(Math.max(...row));
    const melOf = (f: number): number => 2595 * Math.log10(1 + f / 700);
    const expected = (melOf(1000) / melOf(8000)) * 81 - 1; // filter m is centred at point m + 1 of 82
    expect(Math.abs(peak - expected)).toBeLessThanOrEqual(1);
  });

  it('floors digital silence at log(1e-5)', () => {
    const mel = logMelSpectrogram(new Float32Array(4000));
    expect(Math.max(...mel.data)).toBeCloseTo(Math.log(1e-5), 6);
  });

  it('rejects empty audio', () => {
    expect(() => logMelSpectrogram(new Float32Array(0))).toThrowError(expect.objectContaining({ code: 'empty_input' }));
  });
});

describe('logMelDistance', () => {
  it('is 0 for identical signals', () => {
    expect(logMelDistance(speech, speech)).toBe(0);
  });

  it('grows as white noise rises', () => {
    const noise = whiteNoise(speech.length, 5);
    const d = [30, 20, 10, 0].map((snr) => logMelDistance(speech, mixAtSnr(speech, noise, snr)));
    for (let i = 1; i < d.length; i++) expect(d[i]).toBeGreaterThan(d[i - 1]);
    expect(d[0]).toBeGreaterThan(0);
  });

  it('trims the longer signal to the shorter', () => {
    const longer = new Float32Array(speech.length + 5000);
    longer.set(speech);
    expect(logMelDistance(speech, longer)).toBe(0);
  });

  it('rejects an empty signal, naming it', () => {
    expect(() => logMelDistance(speech, new Float32Array(0))).toThrowError(expect.objectContaining({ param: 'degraded' }));
  });
});
