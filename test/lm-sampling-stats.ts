// Goodness-of-fit helpers for the sampling tests: Pearson chi-square against an exact distribution.

/** Pearson chi-square of observed counts against probabilities; cells expecting < 5 draws are pooled into one. */
export function chiSquare(counts: ArrayLike<number>, probs: ArrayLike<number>): { statistic: number; df: number } {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  let statistic = 0;
  let cells = 0;
  let pooledExpected = 0;
  let pooledObserved = 0;
  for (let i = 0; i < counts.length; i++) {
    const expected = probs[i] * total;
    if (expected <= 1e-9) {
      if (counts[i] > 0) return { statistic: Infinity, df: 1 }; // drew an impossible outcome
      continue;
    }
    if (expected < 5) {
      pooledExpected += expected;
      pooledObserved += counts[i];
      continue;
    }
    statistic += (counts[i] - expected) ** 2 / expected;
    cells++;
  }
  if (pooledExpected > 0) {
    statistic += (pooledObserved - pooledExpected) ** 2 / pooledExpected;
    cells++;
  }
  return { statistic, df: Math.max(1, cells - 1) };
}

/** Upper quantile of chi-square(df) by Wilson-Hilferty; z = 3.719 is the 1e-4 tail (draws are seeded, so no flakes). */
export function chiSquareCritical(df: number, z = 3.719): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** True when the counts are consistent with probs at the 1e-4 level. */
export function fits(counts: ArrayLike<number>, probs: ArrayLike<number>): boolean {
  const { statistic, df } = chiSquare(counts, probs);
  return statistic < chiSquareCritical(df);
}

/** One-line summary for test failure messages. */
export function describeFit(counts: ArrayLike<number>, probs: ArrayLike<number>): string {
  const { statistic, df } = chiSquare(counts, probs);
  return `chi2 = ${statistic.toFixed(1)} (df ${df}, critical ${chiSquareCritical(df).toFixed(1)})`;
}
