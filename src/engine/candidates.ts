/**
 * Best of N: a chunk's codebook 0 is sampled N times (seeds seed, seed + stride, ...) and the model's code reader
 * (src/lm/code-reader.ts) keeps the candidate that says the text best. Candidates differ a lot in intelligibility
 * (with the shipped AR, the best of four pocketsphinx transcripts reads 42% WER where one reads 62%), but the first
 * reader trained here does not tell them apart yet, so the default model ships none (training/README.md). The
 * candidates decode together, so the batcher steps them as one batch.
 */
import { ParlaError } from '../errors.js';
import type { CodeReader } from '../lm/code-reader.js';
import type { ArJob, ArResult } from './ar-decode.js';

export const MAX_CANDIDATES = 8;
/** Candidate k of a chunk uses seed + k x stride: candidate 0 is what a single-candidate request would get. */
export const CANDIDATE_SEED_STRIDE = 1_000_003;

/** Throws a ParlaError naming `candidates` unless n is an integer in 1..MAX_CANDIDATES that the model can choose between. */
export function checkCandidates(n: number, hasReader: boolean): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CANDIDATES) {
    throw new ParlaError('invalid_input', `candidates must be an integer in 1..${MAX_CANDIDATES}, got ${n}`, { param: 'candidates' });
  }
  if (n > 1 && !hasReader) {
    throw new ParlaError('invalid_input', `candidates = ${n} needs a model with a code reader to choose between them (model.json "reader"); this one has none`, { param: 'candidates' });
  }
}

export interface CandidateChoice {
  /** The chosen candidate's codes; arSteps, proposed and accepted summed over every candidate. */
  result: ArResult;
  /** The reader's score of each candidate (nats per phoneme, lower is better). */
  scores: number[];
  chosen: number;
}

/** Decodes `n` candidates of `job` (all submitted at once) and keeps the one the reader scores best for `textIds`. */
export async function bestOfCandidates(
  decode: (job: ArJob) => Promise<ArResult>,
  reader: CodeReader,
  job: ArJob,
  n: number,
  textIds: ArrayLike<number>,
): Promise<CandidateChoice> {
  const results = await Promise.all(Array.from({ length: n }, (_, k) => decode({ ...job, seed: job.seed + k * CANDIDATE_SEED_STRIDE })));
  const scores: number[] = [];
  for (const r of results) scores.push(await reader.score(r.codes, textIds));
  // Ties (and all-Infinity) keep the earliest candidate.
  const chosen = scores.reduce((best, s, i) => (s < scores[best] ? i : best), 0);
  const sum = (key: 'arSteps' | 'proposed' | 'accepted'): number => results.reduce((total, r) => total + r[key], 0);
  return { result: { ...results[chosen], arSteps: sum('arSteps'), proposed: sum('proposed'), accepted: sum('accepted') }, scores, chosen };
}
