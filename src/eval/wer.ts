/** Word and character error rates by Levenshtein alignment, per utterance and pooled over a corpus. */
import { normalizeForScoring } from './score-text.js';

export interface ErrorCounts {
  /** substitutions + deletions + insertions */
  errors: number;
  substitutions: number;
  deletions: number;
  insertions: number;
  /** Number of reference tokens (words or characters). */
  refLength: number;
  /** errors / refLength; 0 when both are empty, Infinity when only the reference is empty. */
  rate: number;
}

/**
 * Minimum-edit alignment of `hyp` against `ref`. Ties prefer substitution, then deletion, then
 * insertion, so the split between kinds is deterministic (the total is always the edit distance).
 */
export function alignTokens<T>(ref: readonly T[], hyp: readonly T[]): ErrorCounts {
  const n = ref.length;
  const m = hyp.length;
  // cost[i][j] = edit distance of ref[:i] vs hyp[:j]; op[i][j] = last operation on that path.
  const cost = new Uint32Array((n + 1) * (m + 1));
  const op = new Uint8Array((n + 1) * (m + 1)); // 0 match, 1 sub, 2 del, 3 ins
  const at = (i: number, j: number): number => i * (m + 1) + j;
  for (let i = 1; i <= n; i++) { cost[at(i, 0)] = i; op[at(i, 0)] = 2; }
  for (let j = 1; j <= m; j++) { cost[at(0, j)] = j; op[at(0, j)] = 3; }
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const same = ref[i - 1] === hyp[j - 1];
      let best = cost[at(i - 1, j - 1)] + (same ? 0 : 1);
      let bestOp = same ? 0 : 1;
      const del = cost[at(i - 1, j)] + 1;
      if (del < best) { best = del; bestOp = 2; }
      const ins = cost[at(i, j - 1)] + 1;
      if (ins < best) { best = ins; bestOp = 3; }
      cost[at(i, j)] = best;
      op[at(i, j)] = bestOp;
    }
  }
  let substitutions = 0, deletions = 0, insertions = 0;
  for (let i = n, j = m; i > 0 || j > 0; ) {
    const o = op[at(i, j)];
    if (o === 0 || o === 1) { if (o === 1) substitutions++; i--; j--; }
    else if (o === 2) { deletions++; i--; }
    else { insertions++; j--; }
  }
  const errors = substitutions + deletions + insertions;
  return { errors, substitutions, deletions, insertions, refLength: n, rate: rateOf(errors, n) };
}

function rateOf(errors: number, refLength: number): number {
  if (refLength === 0) return errors === 0 ? 0 : Infinity;
  return errors / refLength;
}

/** Words of a text after scoring normalization. */
export function scoringWords(text: string): string[] {
  const normalized = normalizeForScoring(text);
  return normalized === '' ? [] : normalized.split(' ');
}

/** Word error rate of `hypothesis` against `reference`, both normalized with normalizeForScoring. */
export function wordErrors(reference: string, hypothesis: string): ErrorCounts {
  return alignTokens(scoringWords(reference), scoringWords(hypothesis));
}

/** Character error rate over the normalized texts; spaces between words count as characters. */
export function charErrors(reference: string, hypothesis: string): ErrorCounts {
  return alignTokens([...normalizeForScoring(reference)], [...normalizeForScoring(hypothesis)]);
}

/** Pooled counts over many utterances: rate = sum of errors / sum of reference lengths. */
export function corpusErrors(perUtterance: readonly ErrorCounts[]): ErrorCounts {
  const sum = (key: keyof ErrorCounts): number => perUtterance.reduce((acc, c) => acc + c[key], 0);
  const errors = sum('errors');
  const refLength = sum('refLength');
  return {
    errors,
    substitutions: sum('substitutions'),
    deletions: sum('deletions'),
    insertions: sum('insertions'),
    refLength,
    rate: rateOf(errors, refLength),
  };
}
