/**
 * Building a Voice from prompt audio: decode, trim, check length/silence, phonemize the transcript (or hear the
 * phonemes with the model's audio reader), bring a slow prompt up to pace (prompt-pace.ts), level, codec-encode.
 */
import { decodeAudio } from '../audio/decode.js';
import { resample } from '../audio/resample.js';
import { gatedLoudnessDb, loudnessSpreadDb, normalizeLoudness } from '../audio/loudness.js';
import { trimSilence } from '../audio/silence.js';
import { ParlaError } from '../errors.js';
import { analyzeText } from '../text/pipeline.js';
import type { AudioReader } from '../lm/audio-reader.js';
import type { CodecOnlyModel } from './model.js';
import { cropPrompt } from './prompt-crop.js';
import { pacePrompt } from './prompt-pace.js';
import type { Voice } from './types.js';

/** Prompt length bounds after trimming silence (seconds). Shorter prompts carry too little voice; longer ones waste positions. */
export const MIN_PROMPT_SECONDS = 1;
export const MAX_PROMPT_SECONDS = 30;
/** Anything quieter than this (gated loudness, dBFS) is treated as silence. */
const SILENCE_DB = -55;
/**
 * A prompt whose loudness moves less than this (dB, loudnessSpreadDb) is a steady tone, hum or noise, not speech:
 * real recordings move by 13 dB or more, and still by 5 dB or more under noise as loud as the speech less 5 dB.
 */
export const MIN_PROMPT_SPREAD_DB = 6;
/** Decoding stops past this (seconds of raw input, before trimming), so a huge upload cannot eat memory. */
const MAX_INPUT_SECONDS = 120;

export const VOICE_ID = /^[a-z0-9-]{1,64}$/;

export interface CreateVoiceOptions {
  name: string;
  transcript?: string;
  /** Default: derived from the name. */
  id?: string;
  origin?: 'bundled' | 'user';
  language?: string;
  /** Rate of a Float32Array input (default: the model's rate). */
  sampleRate?: number;
  signal?: AbortSignal;
}

/**
 * @param input mono PCM (Float32Array at `sampleRate`), encoded audio bytes (wav, mp3, ogg, ...), or a file path
 * @throws ParlaError not_audio | empty_input | audio_silent | audio_too_short | audio_too_long | unknown_symbol | file_not_found,
 *   invalid_input (a prompt that is not speech: MIN_PROMPT_SPREAD_DB)
 */
export async function createVoice(model: CodecOnlyModel, input: Float32Array | Uint8Array | string, options: CreateVoiceOptions): Promise<Voice> {
  // Typed callers always pass a string; JavaScript ones (and JSON) may not, and get the error below, not a TypeError.
  const name = typeof options.name === 'string' ? options.name.trim() : '';
  if (!name) throw new ParlaError('invalid_input', 'a voice needs a non-empty name', { param: 'name' });
  const id = options.id ?? slugify(name);
  if (!VOICE_ID.test(id)) throw new ParlaError('invalid_input', `voice id "${id}" must match ${VOICE_ID.source}`, { param: 'id' });
  const sr = model.sampleRate;
  const raw = await toPcm(input, sr, options);
  if (!(gatedLoudnessDb(raw, sr) > SILENCE_DB)) {
    throw new ParlaError('audio_silent', `voice prompt is silent (loudness below ${SILENCE_DB} dBFS)`, { param: 'audio' });
  }
  const trimmed = trimSilence(raw, sr);
  const seconds = trimmed.length / sr;
  if (seconds < MIN_PROMPT_SECONDS) {
    throw new ParlaError('audio_too_short', `voice prompt has ${seconds.toFixed(2)} s of speech after trimming silence; at least ${MIN_PROMPT_SECONDS} s is needed (3-6 s works best)`, { param: 'audio' });
  }
  if (seconds > MAX_PROMPT_SECONDS) {
    throw new ParlaError('audio_too_long', `voice prompt has ${seconds.toFixed(1)} s of speech; the limit is ${MAX_PROMPT_SECONDS} s (3-6 s works best)`, { param: 'audio' });
  }
  const spread = loudnessSpreadDb(trimmed, sr);
  if (spread < MIN_PROMPT_SPREAD_DB) {
    throw new ParlaError(
      'invalid_input',
      `voice prompt does not sound like speech: its loudness hardly changes (${spread.toFixed(1)} dB between its quiet and loud moments, where speech rises and falls by ${MIN_PROMPT_SPREAD_DB} dB or more); a steady tone, hum or noise cannot be a voice`,
      { param: 'audio' },
    );
  }
  const transcript = options.transcript?.trim();
  const given = transcript ? await transcriptIds(transcript, options.language) : undefined;
  // Without a transcript, a model with an audio reader hears the prompt's phonemes: they set its pace and stand in
  // for the transcript (reference mode without one reads far worse: prompt-pace.ts).
  const reader = model.reader?.input === 'audio' ? model.reader : null;
  if (given && reader?.transcriptMismatch) await checkTranscriptHeard(reader, reader.transcriptMismatch, trimmed, given);
  const paced = await pacePrompt(trimmed, sr, MIN_PROMPT_SECONDS, model.promptPace ?? null, given, reader, options.signal);
  // Longer, at pace, than the model reads well from: its first stretch is kept (prompt-crop.ts). The transcript, typed
  // or heard, spoke for all of it: the part kept is heard again (not at all without an audio reader).
  const cropped = cropPrompt(paced.pcm, sr, model.promptMaxSeconds ?? null, MIN_PROMPT_SECONDS);
  const whole = cropped.croppedFrom === undefined;
  const typed = whole ? given : undefined;
  const heard = whole ? paced.heard : reader ? await reader.transcribe(cropped.pcm) : undefined;
  const pcm = normalizeLoudness(cropped.pcm, sr, { targetDb: -20 });
  const codes = await model.codec.encode(pcm);
  const voice: Voice = { id, name, codes, durationSeconds: pcm.length / sr, origin: options.origin ?? 'user', createdAt: new Date().toISOString() };
  if (paced.tempo !== 1) voice.promptTempo = paced.tempo;
  if (cropped.croppedFrom !== undefined) voice.promptCroppedFrom = Math.round(cropped.croppedFrom * 10) / 10;
  if (typed) {
    voice.transcript = transcript;
    voice.transcriptIds = typed;
  } else if (heard && heard.length > 0) {
    voice.transcriptIds = heard;
    voice.transcriptHeard = true;
  }
  return voice;
}

/**
 * A typed transcript that is not what the prompt says (another clip's, pasted into the wrong field) would be fed to
 * the model as the prompt's words; the audio reader tells it apart by how badly the prompt says it (CTC loss per
 * phoneme), above the limit model.json gives for that reader (`reader.transcript_mismatch`; the shipped one's: 5).
 */
async function checkTranscriptHeard(reader: AudioReader, limit: number, pcm: Float32Array, ids: Int32Array): Promise<void> {
  const score = await reader.score(pcm, ids);
  if (score > limit) {
    const scored = Number.isFinite(score) ? `scores ${score.toFixed(1)} nats per phoneme against it, where a matching transcript scores under ${limit}` : 'is too short to say it';
    throw new ParlaError('invalid_input', `the transcript does not match the voice prompt: the audio ${scored}. Check it, or leave it out and the phonemes the model hears are used`, { param: 'transcript' });
  }
}

/** Phoneme ids of a prompt transcript (no specials); an unpronounceable transcript is an error naming it. */
export async function transcriptIds(transcript: string, language?: string): Promise<Int32Array> {
  const analyzed = await analyzeText(transcript, { language });
  if (analyzed.unknown.length > 0) {
    throw new ParlaError('unknown_symbol', `transcript has phonemes outside the vocabulary: ${analyzed.unknown.join(' ')}`, { param: 'transcript' });
  }
  if (analyzed.ids.length === 0) throw new ParlaError('empty_input', 'transcript has nothing to pronounce', { param: 'transcript' });
  return analyzed.ids;
}

async function toPcm(input: Float32Array | Uint8Array | string, sr: number, options: CreateVoiceOptions): Promise<Float32Array> {
  if (input instanceof Float32Array) {
    if (options.sampleRate !== undefined && options.sampleRate !== sr) {
      return resample(input, options.sampleRate, sr);
    }
    return input;
  }
  return decodeAudio(input, { sampleRate: sr, maxSeconds: MAX_INPUT_SECONDS, signal: options.signal });
}

/** "Ada Lovelace (take 2)" -> "ada-lovelace-take-2"; falls back to "voice" when nothing is left. */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 56)
    .replace(/-+$/, '');
  return slug || 'voice';
}
