/** Shared by the parity and streaming tests: how far two signals (or logit rows) of one length are apart. */
import { expect } from 'vitest';

/** The largest absolute difference between a and b, which must have the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
