/**
 * Bringing a slow voice prompt up to the model's pace before it is encoded. The shipped model speaks at about its
 * prompt's pace and reads worst from slow ones: held-out speakers reading at 4-14 phoneme symbols a second, their
 * prompts sped up to Kathleen's 18 (at most 2x), read 40.7% WER through generate() over eight seeds against 44.7%
 * as recorded; without transcripts, paced by what the audio reader hears, 43.3% against 49.0% (training/README.md,
 * seventeenth session). Fast prompts are never slowed down: they read as well or better.
 */

/** The pace, in transcript phoneme symbols (model phoneme ids, word spaces and stress marks included) per second. */
export const PROMPT_PACE = 18;
/**
 * The same pace in phonemes the audio reader hears per second (greedy CTC: no spaces or punctuation, and it misses
 * some): Kathleen's eval prompt, 17.8 symbols a second by its transcript, is heard as 12.6 phonemes a second.
 */
export const HEARD_PROMPT_PACE = 12.6;
/** The most a prompt is sped up: ffmpeg's atempo keeps words clear to about 2x. */
export const MAX_PROMPT_SPEEDUP = 2;
/** Prompts within 5% of the pace stay as recorded (no time-stretch artefacts for nothing). */
const MIN_PROMPT_SPEEDUP = 1.05;

/**
 * The speed-up that brings `count` units over `seconds` up to `pace` units a second: at most MAX_PROMPT_SPEEDUP,
 * never leaving less than `minSeconds`, and 1 (as recorded) for prompts at, near or above the pace, or with nothing
 * to count (a clip the reader hears no phoneme in has no pace to go by).
 */
export function promptTempo(count: number, seconds: number, minSeconds: number, pace = PROMPT_PACE): number {
  if (!(count > 0)) return 1;
  const wanted = Math.min(pace / (count / seconds), MAX_PROMPT_SPEEDUP, seconds / minSeconds);
  return wanted >= MIN_PROMPT_SPEEDUP ? Math.round(wanted * 100) / 100 : 1;
}
