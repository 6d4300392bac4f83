/** Checks synthesis options up front (typed errors naming the parameter) and fills the defaults. */
import { ParlaError } from '../errors.js';
import { resolveSamplingParams, type SamplingParams } from '../lm/sampling/index.js';
import { checkCandidates } from './candidates.js';
import { checkRetryAbove, checkSpliceWords } from './splice.js';
import { DEFAULT_MIN_LENGTH, type MinLength } from './min-length.js';
import { DEFAULT_LENGTH_LIMIT, type LengthLimit } from './prompt.js';
import type { SynthesisOptions, Voice } from './types.js';

/** Default phoneme budget per chunk: about 8-10 s of speech, one or two sentences. */
export const DEFAULT_CHUNK_PHONEMES = 150;
/**
 * Budget of the first chunk: at most about 3 s of speech, cut at the first comma or sentence end (first-chunk.ts),
 * because the first chunk is generated whole before any audio leaves.
 */
export const FIRST_CHUNK_PHONEMES = 40;
/**
 * Budget of stream()'s first chunk when several candidates are sampled: the reader and the splice choose far better
 * on whole short sentences and clauses than on a 40-character fragment (tts-kathleen, four candidates spliced, seed
 * 1: 35.3% WER at 60 against 44.6% at 40), for about 60-110 ms more before the first audio on those sentences
 * (median; up to ~450 ms for a 55-character first clause: training/README.md, sixteenth session). One candidate
 * keeps FIRST_CHUNK_PHONEMES: a short first chunk does not cost it.
 */
export const FIRST_CHUNK_PHONEMES_CANDIDATES = 60;
/** Silence between text chunks (a sentence pause) and the fades around it. */
export const CHUNK_PAUSE_MS = 150;
export const CHUNK_FADE_MS = 10;

export interface ResolvedSynthesis {
  voice: Voice;
  params: Readonly<SamplingParams>;
  /** Chunk i uses seed + i, so one chunk's output does not depend on how long the previous ones were. */
  seed: number;
  speculative: boolean;
  /** Candidates per chunk (1 when greedy: they would all be the same). */
  candidates: number;
  /** Words per spliced segment (splice.ts); 0 = the best candidate whole. */
  spliceWords: number;
  /** Spliced chunks whose worst word group scores above this get a second round of candidates (0 = never). */
  retryAbove: number;
  /**
   * Whether the first chunk may be retried too: not in stream() unless the request asks for retries, because the
   * first chunk is all that the first audio waits for (later chunks are made while earlier ones play).
   */
  retryFirstChunk: boolean;
  chunkPhonemes: number;
  firstChunkPhonemes: number;
  signal?: AbortSignal;
}

/**
 * `modelDefaults`: the model's recommended sampling settings, used where the options leave a setting out; `model`:
 * its default candidates per chunk and whether it has a reader to choose between them, its default splicing and
 * whether it can splice; `streaming`: stream() (the first chunk is kept short for the first audio) or generate()
 * (nothing waits for the first audio: with several
 * candidates the first chunk is not shortened, since the reader picks better on whole sentences: on tts-kathleen,
 * seed 1, best of four read 39.8% WER with whole sentences against 45.4% with a short first chunk, and one
 * candidate 47.4% against 45.8%).
 */
export function resolveSynthesisOptions(
  options: SynthesisOptions,
  modelDefaults: Partial<SamplingParams> = {},
  model: { candidates: number; hasReader: boolean; spliceWords?: number; canSplice?: boolean; retryAbove?: number; hasPointer?: boolean } = { candidates: 1, hasReader: false },
  streaming = true,
): ResolvedSynthesis {
  if (!options || typeof options !== 'object') throw new ParlaError('invalid_input', 'synthesis options are required (at least a voice)', { param: 'options' });
  const { voice } = options;
  if (!voice || typeof voice !== 'object' || !voice.codes) throw new ParlaError('invalid_input', 'a voice is required', { param: 'voice' });
  const params = resolveSamplingParams({
    temperature: options.temperature ?? modelDefaults.temperature,
    topP: options.topP ?? modelDefaults.topP,
    topK: options.topK ?? modelDefaults.topK,
    ras: options.ras ?? modelDefaults.ras,
    rasWindow: options.rasWindow ?? modelDefaults.rasWindow,
    rasThreshold: options.rasThreshold ?? modelDefaults.rasThreshold,
    pointer: options.pointer ?? modelDefaults.pointer,
    guidance: options.guidance ?? modelDefaults.guidance,
  });
  if (params.guidance > 0 && model.hasPointer === false) {
    throw new ParlaError('invalid_input', `guidance ${params.guidance} needs a phoneme-pointer model (this one has no pointer); use 0`, { param: 'guidance' });
  }
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed)) throw new ParlaError('invalid_input', `seed must be an integer, got ${seed}`, { param: 'seed' });
  const chunkPhonemes = options.chunkPhonemes ?? DEFAULT_CHUNK_PHONEMES;
  if (!Number.isInteger(chunkPhonemes) || chunkPhonemes < 10) {
    throw new ParlaError('invalid_input', `chunkPhonemes must be an integer >= 10, got ${chunkPhonemes}`, { param: 'chunkPhonemes' });
  }
  const requested = options.candidates ?? model.candidates;
  checkCandidates(requested, model.hasReader);
  const candidates = params.temperature === 0 ? 1 : requested;
  const spliceWords = options.spliceWords ?? model.spliceWords ?? 0;
  checkSpliceWords(spliceWords, model.canSplice ?? false);
  // The model's default applies only where it can (a request that turns splicing off turns retries off with it).
  const retryAbove = options.retryAbove ?? (spliceWords > 0 ? model.retryAbove ?? 0 : 0);
  checkRetryAbove(retryAbove, spliceWords);
  const firstChunkPhonemes = options.firstChunkPhonemes ?? defaultFirstChunk(chunkPhonemes, candidates, streaming);
  if (!Number.isInteger(firstChunkPhonemes) || firstChunkPhonemes < 10 || firstChunkPhonemes > chunkPhonemes) {
    throw new ParlaError('invalid_input', `firstChunkPhonemes must be an integer in 10..chunkPhonemes (${chunkPhonemes}), got ${firstChunkPhonemes}`, { param: 'firstChunkPhonemes' });
  }
  return { voice, params, seed, speculative: options.speculative ?? true, candidates, spliceWords, retryAbove, retryFirstChunk: !streaming || options.retryAbove !== undefined, chunkPhonemes, firstChunkPhonemes, signal: options.signal };
}

/** The first chunk's budget: short in stream() (the first audio waits for it), longer when a reader picks among candidates, whole in generate(). */
function defaultFirstChunk(chunkPhonemes: number, candidates: number, streaming: boolean): number {
  if (candidates === 1) return Math.min(chunkPhonemes, FIRST_CHUNK_PHONEMES);
  return streaming ? Math.min(chunkPhonemes, FIRST_CHUNK_PHONEMES_CANDIDATES) : chunkPhonemes;
}

/** Checks a Synthesizer's length limit (positive seconds per phoneme, extra seconds >= 0) and fills the defaults. */
export function resolveLengthLimit(limit: Partial<LengthLimit>): LengthLimit {
  const { secondsPerPhoneme, extraSeconds } = { ...DEFAULT_LENGTH_LIMIT, ...limit };
  if (typeof secondsPerPhoneme !== 'number' || !(secondsPerPhoneme > 0) || !Number.isFinite(secondsPerPhoneme)) {
    throw new ParlaError('invalid_input', `lengthLimit.secondsPerPhoneme must be a positive number, got ${String(secondsPerPhoneme)}`, { param: 'lengthLimit' });
  }
  if (typeof extraSeconds !== 'number' || !(extraSeconds >= 0) || !Number.isFinite(extraSeconds)) {
    throw new ParlaError('invalid_input', `lengthLimit.extraSeconds must be a number >= 0, got ${String(extraSeconds)}`, { param: 'lengthLimit' });
  }
  return { secondsPerPhoneme, extraSeconds };
}

/**
 * Checks a Synthesizer's minimum length (seconds per phoneme >= 0, below the length limit's, so that end of speech
 * stays reachable) and fills the default. Even 0 keeps the floor of one group (no empty chunk).
 */
export function resolveMinLength(min: Partial<MinLength>, limit: Readonly<LengthLimit>): MinLength {
  const { secondsPerPhoneme } = { ...DEFAULT_MIN_LENGTH, ...min };
  if (typeof secondsPerPhoneme !== 'number' || !(secondsPerPhoneme >= 0) || !(secondsPerPhoneme < limit.secondsPerPhoneme)) {
    throw new ParlaError(
      'invalid_input',
      `minLength.secondsPerPhoneme must be a number >= 0 and below lengthLimit.secondsPerPhoneme (${limit.secondsPerPhoneme}), got ${String(secondsPerPhoneme)}`,
      { param: 'minLength' },
    );
  }
  return { secondsPerPhoneme };
}
