/**
 * Best of N: a chunk's codebook 0 is sampled N times (seeds seed, seed + stride, ...) and the model's reader keeps
 * the candidate that says the text best: a code reader (src/lm/code-reader.ts) reads codebook 0, an audio reader
 * (src/lm/audio-reader.ts) hears each candidate decoded. Candidates differ a lot in intelligibility (with the shipped
 * AR and decoder, the best of four pocketsphinx transcripts reads 27% WER on held-out Kathleen sentences where one
 * reads 46%); the code reader did not tell them apart (training/README.md). The candidates decode together, so the
 * batcher steps them as one batch.
 */
import { ParlaError } from '../errors.js';
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
    throw new ParlaError('invalid_input', `candidates = ${n} needs a model with a reader to choose between them (model.json "reader"); this one has none`, { param: 'candidates' });
  }
}

export interface CandidateChoice {
  /** The chosen candidate's codes; arSteps, proposed and accepted summed over every candidate. */
  result: ArResult;
  /** The reader's score of each candidate (lower is better). */
  scores: number[];
  chosen: number;
}

/**
 * Decodes `n` candidates of `job` (all submitted at once; `decode` gets each one's index) and keeps the one `score`
 * rates best (lowest; the reader's CTC loss of the chunk's phonemes, per phoneme). `first`: the index of the first of
 * them (a second round of candidates continues the seeds of the first, so rounds of 4 + 4 sample what 8 at once would).
 */
export async function bestOfCandidates(
  decode: (job: ArJob, k: number) => Promise<ArResult>,
  score: (candidate: ArResult) => Promise<number>,
  job: ArJob,
  n: number,
  first = 0,
): Promise<CandidateChoice> {
  const results = await Promise.all(Array.from({ length: n }, (_, k) => decode({ ...job, seed: job.seed + (first + k) * CANDIDATE_SEED_STRIDE }, first + k)));
  const scores: number[] = [];
  for (const r of results) scores.push(await score(r));
  // Ties (and all-Infinity) keep the earliest candidate.
  const chosen = scores.reduce((best, s, i) => (s < scores[best] ? i : best), 0);
  return { result: withWorkOf(results[chosen], results), scores, chosen };
}

/** `result` with arSteps, proposed and accepted summed over `all` (the work every candidate cost, for the stats). */
export function withWorkOf(result: ArResult, all: readonly ArResult[]): ArResult {
  const sum = (key: 'arSteps' | 'proposed' | 'accepted'): number => all.reduce((total, r) => total + r[key], 0);
  return { ...result, arSteps: sum('arSteps'), proposed: sum('proposed'), accepted: sum('accepted') };
}
