/**
 * Detects looped audio (a model repeating the same stretch of speech) by self-similarity of log-mel
 * frames: a 0.5 s window that nearly equals the audio some lag >= 0.5 s later is a repeat.
 */
import { ParlaError } from '../errors.js';
import { DEFAULT_MEL, logMelSpectrogram } from './mel.js';
import { resample } from '../audio/resample.js';
import { normalizeForScoring } from './score-text.js';

/** Shortest lag and window looked at (a repeated word or phrase, not a held vowel). */
export const LOOP_MIN_SECONDS = 0.5;
/** Longest lag searched; bounds the cost at ~F x 625 frame comparisons. */
export const LOOP_MAX_LAG_SECONDS = 10;
/**
 * Mean |log-mel difference| (nats) under which a window counts as a repeat. Measured: 102 Kathleen
 * sentences (every 16th) gave 0.60 at the lowest, median 1.0; exact repeats give 0, repeats through
 * Opus 6 kbps or with added noise 0.01-0.25. Re-generated (not copied) repeats differ more, so this
 * errs towards missing a loop rather than flagging natural speech.
 */
export const LOOP_DISTANCE = 0.4;
/** Frames more than this (nats, ~35 dB) below the loudest frame are silence and never match. */
const VOICED_RANGE = 4;
/** Frames whose mean log-mel is below this are silence whatever the loudest frame (speech at -25 dBFS: about -1). */
const VOICED_FLOOR = -7;
/** Lags whose distance is within this of the best so far do not replace it, so the shortest period wins. */
const TIE = 1e-6;

export interface LoopVerdict {
  looped: boolean;
  /** Smallest windowed mean log-mel distance found between the audio and itself at a lag (Infinity if too short to test). */
  repeatDistance: number;
  /** The lag (s) and window start (s) where it was found. */
  lagSeconds: number;
  atSeconds: number;
}

export function checkLoops(pcm: Float32Array, sampleRate: number): LoopVerdict {
  if (pcm.length === 0) throw new ParlaError('empty_input', 'loop check of empty audio', { param: 'pcm' });
  const audio = sampleRate === DEFAULT_MEL.sampleRate ? pcm : resample(pcm, sampleRate, DEFAULT_MEL.sampleRate);
  const { frames, nMels, data } = logMelSpectrogram(audio);
  const secondsPerFrame = DEFAULT_MEL.hop / DEFAULT_MEL.sampleRate;
  const window = Math.round(LOOP_MIN_SECONDS / secondsPerFrame);
  const minLag = window;
  const maxLag = Math.min(Math.round(LOOP_MAX_LAG_SECONDS / secondsPerFrame), frames - window);
  const loudness = new Float64Array(frames);
  for (let t = 0; t < frames; t++) {
    let s = 0;
    for (let m = 0; m < nMels; m++) s += data[t * nMels + m];
    loudness[t] = s / nMels;
  }
  const loudest = Math.max(...loudness);
  const voiced = Array.from(loudness, (v) => v > loudest - VOICED_RANGE && v > VOICED_FLOOR);
  const best: LoopVerdict = { looped: false, repeatDistance: Infinity, lagSeconds: 0, atSeconds: 0 };
  const dist = new Float64Array(frames);
  const ok = new Uint8Array(frames);
  for (let lag = minLag; lag <= maxLag; lag++) {
    // Frame distances at this lag, then a sliding window over them.
    for (let t = 0; t + lag < frames; t++) {
      ok[t] = voiced[t] && voiced[t + lag] ? 1 : 0;
      if (!ok[t]) continue;
      let s = 0;
      for (let m = 0; m < nMels; m++) s += Math.abs(data[t * nMels + m] - data[(t + lag) * nMels + m]);
      dist[t] = s / nMels;
    }
    let sum = 0, count = 0;
    for (let t = 0; t + lag < frames; t++) {
      if (ok[t]) { sum += dist[t]; count++; }
      const leaving = t - window;
      if (leaving >= 0 && ok[leaving]) { sum -= dist[leaving]; count--; }
      // Windows must be at least half voiced so silence-vs-silence never decides.
      const mean = Math.max(0, sum / count); // running sums can drift a hair below 0
      if (t >= window - 1 && count >= window / 2 && mean < best.repeatDistance - TIE) {
        best.repeatDistance = mean;
        best.lagSeconds = lag * secondsPerFrame;
        best.atSeconds = (t - window + 1) * secondsPerFrame;
      }
    }
  }
  best.looped = best.repeatDistance < LOOP_DISTANCE;
  return best;
}

const wordsOf = (text: string): string[] => text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];

/** Words too common to make a repeated phrase by themselves ("of the ... of the" is not a repeat anyone hears). */
const FUNCTION_WORDS = new Set(['a', 'an', 'the', 'of', 'to', 'in', 'on', 'at', 'and', 'or', 'is', 'it', 'was', 'for', 'as', 'with', 'by', 'he', 'she', 'i', 'you', 'we', 'they', 'that', 'this', 'be', 'are', 'her', 'his']);

/**
 * Whether the text itself says something twice, so that repeated audio is expected, not a loop: a word said
 * twice in a row ("no, no", "the the"), or a phrase of two or more words, not all function words, said twice
 * ("tick tock, tick tock", "round and round and round"). Speech of such a text is not failed as looped.
 */
export function textRepeats(text: string): boolean {
  const words = wordsOf(text);
  if (words.some((w, i) => i > 0 && w === words[i - 1])) return true;
  const seen = new Set<string>();
  for (let i = 0; i + 1 < words.length; i++) {
    const pair = `${words[i]} ${words[i + 1]}`;
    if (seen.has(pair) && !(FUNCTION_WORDS.has(words[i]) && FUNCTION_WORDS.has(words[i + 1]))) return true;
    seen.add(pair);
  }
  return false;
}

/**
 * Whether a loop the audio detector found is heard: in the recognizer's transcript of the audio some word, not a
 * function word, comes more often than in the text, and the transcript has more words than the text, since a loop
 * adds speech. The detector takes the even rhythm of a list said once ("Monday, Tuesday, Wednesday, ...") for a
 * repeat: of the five hard sentences it flagged in the twenty-sixth session (shipped model, RAS on), pocketsphinx
 * heard every list said once. The word count keeps homophones from passing for loops ("I scream, you scream, we
 * all scream for ice cream" heard as "ice cream you scream we all scream for ice cream").
 */
export function loopHeard(transcript: string, text: string): boolean {
  const heard = wordsOf(transcript);
  const said = wordsOf(normalizeForScoring(text)); // as the recognizer writes it: "3" is "three"
  if (heard.length <= said.length) return false;
  const counts = new Map<string, number>();
  for (const w of said) counts.set(w, (counts.get(w) ?? 0) + 1);
  for (const w of heard) counts.set(w, (counts.get(w) ?? 0) - 1);
  return [...counts].some(([w, n]) => n < 0 && !FUNCTION_WORDS.has(w) && heard.filter((h) => h === w).length > 1);
}
