/**
 * Bringing a slow voice prompt up to the model's pace before it is encoded. The shipped model speaks at about its
 * prompt's pace and reads worst from slow ones: held-out speakers reading at 4-14 phoneme symbols a second, their
 * prompts sped up to Kathleen's 18 (at most 2x), read 41.7% WER through generate() over eight seeds against 44.7%
 * as recorded; without transcripts, paced by what the audio reader hears and with those phonemes standing in for the
 * transcript, 38.5% against 49.0% (training/README.md, seventeenth session). Fast prompts are never slowed down.
 */
import { changeSpeed } from '../audio/tempo.js';
import type { AudioReader } from '../lm/audio-reader.js';

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

export interface PacedPrompt {
  /** The prompt at pace (or as it came). */
  pcm: Float32Array;
  /** The speed-up applied (1 = none). */
  tempo: number;
  /** Without a transcript: the phonemes the reader heard in `pcm` (what stands in for the transcript). */
  heard?: Int32Array;
}

/**
 * `pcm` (trimmed speech) at the model's pace: measured by the transcript's phoneme ids when there is one, else by
 * the phonemes `reader` hears (none: kept as it came). The reader's log-mel frontend removes the level, so `pcm` need
 * not be levelled first.
 */
export async function pacePrompt(pcm: Float32Array, sampleRate: number, minSeconds: number, transcriptIds: Int32Array | undefined, reader: AudioReader | null, signal?: AbortSignal): Promise<PacedPrompt> {
  const seconds = pcm.length / sampleRate;
  if (transcriptIds) {
    const tempo = promptTempo(transcriptIds.length, seconds, minSeconds);
    return { pcm: tempo === 1 ? pcm : await changeSpeed(pcm, sampleRate, tempo, signal), tempo };
  }
  if (!reader) return { pcm, tempo: 1 };
  const heard = await reader.transcribe(pcm);
  const tempo = promptTempo(heard.length, seconds, minSeconds, HEARD_PROMPT_PACE);
  if (tempo === 1) return { pcm, tempo, heard };
  const paced = await changeSpeed(pcm, sampleRate, tempo, signal);
  // Heard again at the new pace: the transcript must say what the encoded prompt says.
  return { pcm: paced, tempo, heard: await reader.transcribe(paced) };
}
