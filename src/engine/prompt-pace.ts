/**
 * Bringing a slow voice prompt up to the model's pace before it is encoded. The shipped model speaks at about its
 * prompt's pace and reads worst from slow ones (model.json `prompt_pace` says how fast it wants them): held-out
 * speakers reading at 4-14 phoneme symbols a second, their prompts sped up to Kathleen's 18 (at most 2x), read
 * 41.7% WER through generate() over eight seeds against 44.7% as recorded; without transcripts, paced by what the
 * audio reader hears and with those phonemes standing in for the transcript, 38.5% against 49.0%
 * (training/README.md, seventeenth session). Fast prompts are never slowed down.
 */
import type { z } from 'zod';
import { changeSpeed } from '../audio/tempo.js';
import type { AudioReader } from '../lm/audio-reader.js';
import type { promptPaceSection } from './manifest-schema.js';

/**
 * model.json `prompt_pace`: the shipped model's is Kathleen's pace, 18 symbols a second (her eval prompt 17.8), heard
 * by its audio reader as 12.6 phonemes a second (greedy CTC: no spaces or punctuation, and it misses some), at most
 * 2x (ffmpeg's atempo keeps words clear to about that).
 */
export interface PromptPace {
  symbolsPerSecond: number;
  /** null: prompts without a transcript are not paced. */
  heardPerSecond: number | null;
  maxSpeedup: number;
}

/** model.json's `prompt_pace` section, or null (no pacing). */
export function promptPaceOf(section: z.infer<typeof promptPaceSection> | null | undefined): PromptPace | null {
  return section ? { symbolsPerSecond: section.symbols_per_second, heardPerSecond: section.heard_per_second ?? null, maxSpeedup: section.max_speedup } : null;
}

/** Prompts within 5% of the pace stay as recorded (no time-stretch artefacts for nothing). */
const MIN_PROMPT_SPEEDUP = 1.05;

/**
 * The speed-up that brings `count` units over `seconds` up to `pace` units a second: at most `maxSpeedup`, never
 * leaving less than `minSeconds`, and 1 (as recorded) for prompts at, near or above the pace, or with nothing to
 * count (a clip the reader hears no phoneme in has no pace to go by).
 */
export function promptTempo(count: number, seconds: number, minSeconds: number, pace: number, maxSpeedup: number): number {
  if (!(count > 0)) return 1;
  const wanted = Math.min(pace / (count / seconds), maxSpeedup, seconds / minSeconds);
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
 * `pcm` (trimmed speech) at the model's pace (none: kept as it came): measured by the transcript's phoneme ids when
 * there is one, else by the phonemes `reader` hears, which then stand in for the transcript. The reader's log-mel
 * frontend removes the level, so `pcm` need not be levelled first.
 */
export async function pacePrompt(pcm: Float32Array, sampleRate: number, minSeconds: number, pace: PromptPace | null, transcriptIds: Int32Array | undefined, reader: AudioReader | null, signal?: AbortSignal): Promise<PacedPrompt> {
  const seconds = pcm.length / sampleRate;
  const speedUp = (tempo: number): Promise<Float32Array> => (tempo === 1 ? Promise.resolve(pcm) : changeSpeed(pcm, sampleRate, tempo, signal));
  if (transcriptIds) {
    const tempo = pace ? promptTempo(transcriptIds.length, seconds, minSeconds, pace.symbolsPerSecond, pace.maxSpeedup) : 1;
    return { pcm: await speedUp(tempo), tempo };
  }
  if (!reader) return { pcm, tempo: 1 };
  const heard = await reader.transcribe(pcm);
  const tempo = pace?.heardPerSecond ? promptTempo(heard.length, seconds, minSeconds, pace.heardPerSecond, pace.maxSpeedup) : 1;
  if (tempo === 1) return { pcm, tempo, heard };
  const paced = await speedUp(tempo);
  // Heard again at the new pace: the transcript must say what the encoded prompt says.
  return { pcm: paced, tempo, heard: await reader.transcribe(paced) };
}
