/** quietestCut and cropPrompt: where and how a long voice prompt is cut (src/engine/prompt-crop.ts). */
import { describe, expect, it } from 'vitest';
import { sineTone } from '../src/audio/signals.js';
import { quietestCut } from '../src/audio/silence.js';
import { cropPrompt } from '../src/engine/prompt-crop.js';

const SR = 16000;
const tone = (seconds: number, amplitude = 0.5): number[] => Array.from(sineTone(220, seconds, SR, amplitude));

describe('quietestCut', () => {
  it('cuts in the pause inside the range', () => {
    const pcm = Float32Array.from([...tone(2), ...new Array(0.3 * SR).fill(0), ...tone(3)]);
    const cut = quietestCut(pcm, SR, 1 * SR, 4 * SR);
    expect(cut).toBeGreaterThan(2 * SR);
    expect(cut).toBeLessThan(2.3 * SR);
  });

  it('without a pause, at the softest moment; ties go to the latest', () => {
    const pcm = Float32Array.from([...tone(1), ...tone(1, 0.1), ...tone(1)]);
    const cut = quietestCut(pcm, SR, 0.5 * SR, 2.5 * SR);
    expect(cut).toBeGreaterThan(1.03 * SR);
    expect(cut).toBeLessThan(2 * SR);
    // Pure silence everywhere: every position ties, the latest wins.
    expect(quietestCut(new Float32Array(3 * SR), SR, SR, 2 * SR)).toBeGreaterThan(1.99 * SR);
  });

  it('clamps the range to the signal; an empty range gives its end', () => {
    const pcm = Float32Array.from(tone(1));
    expect(quietestCut(pcm, SR, 0.5 * SR, 5 * SR)).toBeLessThanOrEqual(SR);
    expect(quietestCut(pcm, SR, 0.8 * SR, 0.2 * SR)).toBe(0.2 * SR);
  });
});

describe('cropPrompt', () => {
  it('keeps a prompt within the limit whole; cuts a longer one in its pause, recording the length it had', () => {
    const short = Float32Array.from(tone(5));
    expect(cropPrompt(short, SR, 6, 1)).toEqual({ pcm: short });
    expect(cropPrompt(short, SR, null, 1)).toEqual({ pcm: short });
    const long = Float32Array.from([...tone(4), ...new Array(0.4 * SR).fill(0), ...tone(4)]);
    const cut = cropPrompt(long, SR, 6, 1);
    expect(cut.croppedFrom).toBeCloseTo(8.4, 5);
    expect(cut.pcm.length / SR).toBeGreaterThan(4);
    expect(cut.pcm.length / SR).toBeLessThan(4.1); // the trailing pause trimmed (50 ms margin kept)
  });

  it('a cut that would leave under the minimum (a long pause after a short phrase) keeps the first max seconds', () => {
    const odd = Float32Array.from([...tone(0.5), ...new Array(5 * SR).fill(0), ...tone(5)]);
    const cut = cropPrompt(odd, SR, 6, 1);
    expect(cut.pcm.length).toBe(6 * SR);
    expect(cut.croppedFrom).toBeCloseTo(10.5, 5);
  });
});
