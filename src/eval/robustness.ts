/**
 * Failure detectors for generated speech, shared by the evaluation and the audiobook quality gate:
 * duration against phoneme count (runaway), silence, clipping and looped (repeated) audio.
 * Each check returns a verdict with the numbers behind it; `checkRobustness` runs them all.
 */
import { ParlaError } from '../errors.js';
import { checkLoops, loopHeard, textRepeats, type LoopVerdict } from './loops.js';

/**
 * Expected speech duration = FIXED + PER_PHONEME x phonemes: least-squares fit over 203 Kathleen
 * sentences (every 8th of the corpus, 13-70 phonemes, en-us espeak-ng phonemes counted by
 * countPhonemes; speech from first to last frame within 40 dB of the loudest). Per-phoneme time
 * ranged 0.070-0.120 s (1st-99th percentile), i.e. 0.8x-1.35x the fit.
 */
export const DURATION_FIXED_SECONDS = 0.51;
export const DURATION_SECONDS_PER_PHONEME = 0.072;
/** Ratios of actual to expected duration: below TOO_SHORT or above TOO_LONG is implausible; above RUNAWAY the model ran on. */
export const DURATION_TOO_SHORT = 0.4;
export const DURATION_TOO_LONG = 2.0;
export const DURATION_RUNAWAY = 2.5;

/** Phonemes in an IPA string: letters only, not stress/length marks, diacritics, spaces or punctuation. */
export function countPhonemes(ipa: string): number {
  let n = 0;
  for (const ch of ipa.normalize('NFC')) if (/\p{L}/u.test(ch) && !/\p{Lm}/u.test(ch)) n++;
  return n;
}

export function expectedDurationSeconds(phonemeCount: number): number {
  if (!Number.isFinite(phonemeCount) || phonemeCount < 0) throw new ParlaError('invalid_input', `phonemeCount must be >= 0, got ${phonemeCount}`, { param: 'phonemeCount' });
  return DURATION_FIXED_SECONDS + DURATION_SECONDS_PER_PHONEME * phonemeCount;
}

export interface DurationVerdict {
  status: 'ok' | 'too_short' | 'too_long' | 'runaway';
  seconds: number;
  expectedSeconds: number;
  /** seconds / expectedSeconds */
  ratio: number;
}

export function checkDuration(pcm: Float32Array, sampleRate: number, phonemeCount: number): DurationVerdict {
  const seconds = pcm.length / sampleRate;
  const expectedSeconds = expectedDurationSeconds(phonemeCount);
  const ratio = seconds / expectedSeconds;
  const status = ratio > DURATION_RUNAWAY ? 'runaway' : ratio > DURATION_TOO_LONG ? 'too_long' : ratio < DURATION_TOO_SHORT ? 'too_short' : 'ok';
  return { status, seconds, expectedSeconds, ratio };
}

/** A 20 ms frame quieter than this (RMS, dBFS) counts as silence. */
export const SILENCE_FRAME_DBFS = -50;
/** Whole clip quieter than this is silent, whatever its frames. */
export const SILENT_CLIP_DBFS = -45;
/** More silent frames than this share = mostly silence (Kathleen sentences: at most ~0.35, see tests). */
export const MAX_SILENCE_RATIO = 0.7;

export interface SilenceVerdict {
  silent: boolean;
  rmsDbfs: number;
  /** Share of 20 ms frames below SILENCE_FRAME_DBFS. */
  silenceRatio: number;
}

const dbfs = (meanSquare: number): number => 10 * Math.log10(meanSquare + 1e-20);

export function checkSilence(pcm: Float32Array, sampleRate: number): SilenceVerdict {
  const frame = Math.round(sampleRate * 0.02);
  let total = 0, frames = 0, quiet = 0;
  for (let start = 0; start < pcm.length; start += frame) {
    const end = Math.min(pcm.length, start + frame);
    let sum = 0;
    for (let i = start; i < end; i++) sum += pcm[i] * pcm[i];
    total += sum;
    frames++;
    if (dbfs(sum / (end - start)) < SILENCE_FRAME_DBFS) quiet++;
  }
  const rmsDbfs = dbfs(total / Math.max(1, pcm.length));
  const silenceRatio = frames === 0 ? 1 : quiet / frames;
  return { silent: rmsDbfs < SILENT_CLIP_DBFS || silenceRatio > MAX_SILENCE_RATIO, rmsDbfs, silenceRatio };
}

/** Samples at or beyond this magnitude are taken as clipped. */
export const CLIP_LEVEL = 0.99;
/** More clipped samples than this share flags the clip (one in a thousand). */
export const MAX_CLIPPED_RATIO = 1e-3;

export interface ClippingVerdict {
  clipped: boolean;
  clippedRatio: number;
  peak: number;
}

export function checkClipping(pcm: Float32Array): ClippingVerdict {
  let n = 0, peak = 0;
  for (let i = 0; i < pcm.length; i++) {
    const a = Math.abs(pcm[i]);
    if (a > peak) peak = a;
    if (a >= CLIP_LEVEL) n++;
  }
  const clippedRatio = pcm.length === 0 ? 0 : n / pcm.length;
  return { clipped: clippedRatio > MAX_CLIPPED_RATIO, clippedRatio, peak };
}

export interface RobustnessVerdict {
  /** True when no check failed (duration 'ok' or only 'too_long', not silent, not clipped, not looped). */
  ok: boolean;
  /** Names of the failed checks, e.g. ['runaway', 'looped']. */
  failures: string[];
  duration?: DurationVerdict;
  silence: SilenceVerdict;
  clipping: ClippingVerdict;
  loops: LoopVerdict;
  /** The text repeats itself (textRepeats), so repeated audio was not counted as a loop. */
  repeatsExpected: boolean;
}

/**
 * Runs every check on mono `pcm`; the duration check runs when `phonemeCount` is given.
 * 'too_long' is reported but is not a failure by itself (slow speakers reach 1.35x); 'runaway' is.
 * With the `text`, repeated audio is not a failure when the text says something twice ("no, no, no"); a model
 * that loops on such a text still runs long, which the duration check catches.
 */
export function checkRobustness(pcm: Float32Array, sampleRate: number, phonemeCount?: number, text?: string): RobustnessVerdict {
  if (pcm.length === 0) {
    throw new ParlaError('empty_input', 'robustness check of empty audio', { param: 'pcm' });
  }
  const duration = phonemeCount === undefined ? undefined : checkDuration(pcm, sampleRate, phonemeCount);
  const silence = checkSilence(pcm, sampleRate);
  const clipping = checkClipping(pcm);
  const loops = checkLoops(pcm, sampleRate);
  const failures: string[] = [];
  if (duration && (duration.status === 'runaway' || duration.status === 'too_short')) failures.push(duration.status);
  if (silence.silent) failures.push('silent');
  if (clipping.clipped) failures.push('clipped');
  const repeatsExpected = text !== undefined && textRepeats(text);
  if (loops.looped && !repeatsExpected) failures.push('looped');
  return { ok: failures.length === 0, failures, duration, silence, clipping, loops, repeatsExpected };
}

/**
 * `failures` without 'looped' unless a recognizer heard a loop in `transcript` of the audio (loopHeard): the audio
 * detector takes the even rhythm of a list said once for a repeat. For callers that have a transcript (the eval).
 */
export function withHeardLoops(failures: string[], transcript: string, text: string): string[] {
  return failures.includes('looped') && !loopHeard(transcript, text) ? failures.filter((f) => f !== 'looped') : failures;
}
