import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain-JS training helper without type declarations
import { alignFrames } from '../training/lm/frame-align.mjs';

describe('alignFrames (self-generated training data)', () => {
  it('maps each frame to the next matching phoneme, never backwards', () => {
    // ids: a b a c ; frames speak a a b b a c c
    expect(alignFrames([1, 1, 2, 2, 1, 3, 3], [1, 2, 1, 3])).toEqual([0, 0, 1, 1, 2, 3, 3]);
  });

  it('follows a pointer that skips phonemes', () => {
    expect(alignFrames([1, 3, 3, 4], [1, 2, 3, 4])).toEqual([0, 2, 2, 3]);
  });

  it('keeps the previous index for an id not found ahead (a special token)', () => {
    expect(alignFrames([1, 2, 99, 99], [1, 2])).toEqual([0, 1, 1, 1]);
  });

  it('does not jump further than the lookahead', () => {
    expect(alignFrames([1, 5], [1, 2, 3, 4, 5], 2)).toEqual([0, 0]);
    expect(alignFrames([1, 5], [1, 2, 3, 4, 5], 4)).toEqual([0, 4]);
  });
});
