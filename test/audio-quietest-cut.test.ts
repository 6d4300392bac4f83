/** quietestCut: where a long voice prompt is cut (src/engine/prompt-crop.ts). */
import { describe, expect, it } from 'vitest';
import { sineTone } from '../src/audio/signals.js';
import { quietestCut } from '../src/audio/silence.js';

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
