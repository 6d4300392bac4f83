/** The engine's public contract: what the CLI, the HTTP server and the audiobook tool call. */
import type { Codes } from '../codec/codes.js';
import type { Lexicon } from '../text/lexicon.js';

/** A voice prompt ready for synthesis: codec codes of a few seconds of speech, optionally its transcript. */
export interface Voice {
  /** Stable, filesystem-safe id ([a-z0-9-]{1,64}). */
  id: string;
  name: string;
  /** All Q codebooks of the prompt audio, [Q, Tp]. */
  codes: Codes;
  /** What the prompt says; without it the model runs in reference mode without transcript. */
  transcript?: string;
  /** Phoneme ids of the transcript (cached so saved voices need no re-phonemization). */
  transcriptIds?: Int32Array;
  /** True when no transcript was given and transcriptIds are the phonemes the model's audio reader heard. */
  transcriptHeard?: boolean;
  /** Prompt length in seconds (as encoded: after any speed-up). */
  durationSeconds: number;
  /** How much a slow prompt was sped up to the model's pace before encoding (prompt-pace.ts); absent = as recorded. */
  promptTempo?: number;
  /** Seconds of speech (after any speed-up) a prompt longer than the model reads well from had before it was cut (prompt-crop.ts); absent = whole. */
  promptCroppedFrom?: number;
  /** 'bundled' ships in voices/, 'user' was created through the API/CLI/UI. */
  origin: 'bundled' | 'user';
  createdAt?: string;
}

export interface VoiceInfo {
  id: string;
  name: string;
  durationSeconds: number;
  /** See Voice.promptTempo. */
  promptTempo?: number;
  /** See Voice.promptCroppedFrom. */
  promptCroppedFrom?: number;
  /** A transcript was given (else the model's audio reader heard the prompt's phonemes, when it has one). */
  hasTranscript: boolean;
  origin: 'bundled' | 'user';
  createdAt?: string;
}

/** Saved voices on disk (voices/<id>/voice.json + codes.pcodes). */
export interface VoiceLibrary {
  list(): Promise<VoiceInfo[]>;
  /** Throws ParlaError('voice_not_found') listing the valid ids. */
  get(id: string): Promise<Voice>;
  /** Decodes any common audio format, trims, checks length/silence, encodes with the codec, stores. */
  create(input: { name: string; audio: Buffer; transcript?: string }): Promise<VoiceInfo>;
  delete(id: string): Promise<void>;
}

export interface SamplingOptions {
  /** Seeded RNG; same seed + same settings -> same audio. */
  seed?: number;
  /** 0 = greedy. */
  temperature?: number;
  topP?: number;
  topK?: number;
  /** Repetition-aware sampling (VALL-E 2): on by default, window K = 10, threshold t_r = 0.1. */
  ras?: boolean;
  rasWindow?: number;
  rasThreshold?: number;
  /** Phoneme-pointer models: 'greedy' (default) moves the pointer deterministically at any temperature, 'sample' draws it. */
  pointer?: 'greedy' | 'sample';
  /**
   * Phoneme-pointer models: classifier-free guidance weight (0 = off; src/engine/guidance.ts). Each candidate is decoded
   * with a second, unconditional AR row, which costs AR time.
   */
  guidance?: number;
  /** Speculative decoding with the drafter (exact: same output distribution). */
  speculative?: boolean;
  /**
   * Candidates sampled per chunk, the model's reader keeping the one that says the text best (1..8; default:
   * the model's `sampling.candidates`, else 1). Greedy decoding (temperature 0) makes one.
   */
  candidates?: number;
  /**
   * With several candidates: take each group of this many words from the candidate the reader hears say it best,
   * instead of the best candidate whole (0 = whole candidates; default: the model's `sampling.splice_words`, else 0).
   * Needs a phoneme-pointer model with an audio reader (src/engine/splice.ts).
   */
  spliceWords?: number;
  /**
   * With splicing: when some group of words is spoken by no candidate, or its best take still scores above this many
   * nats per phoneme (the reader's CTC loss), sample as many candidates again (up to 8 in all) and splice from all of
   * them; 0 = never (default: the model's `sampling.retry_above`, else 0).
   */
  retryAbove?: number;
}

export interface SynthesisOptions extends SamplingOptions {
  voice: Voice;
  /** Text normalization (numbers, currency, ...) on by default. */
  normalize?: boolean;
  language?: string;
  lexicon?: Lexicon;
  /** Maximum phonemes per synthesis chunk. */
  chunkPhonemes?: number;
  /**
   * Budget of the first chunk (default min(chunkPhonemes, 40); 60 in stream() with several candidates): small, so
   * streamed audio starts sooner. The first chunk ends at its first comma or sentence end past a few words; the
   * chunks after it grow about 4x each up to chunkPhonemes (src/engine/first-chunk.ts). generate() and stream() cut
   * the text the same way, except that generate() with several candidates defaults to chunkPhonemes (the reader
   * picks better on whole sentences).
   * Batch callers that plan their own chunks (audiobooks) set it to chunkPhonemes so no sentence is cut.
   */
  firstChunkPhonemes?: number;
  /** Cancels generation (client went away); the generator then throws ParlaError('cancelled'). */
  signal?: AbortSignal;
  /** Called once with the totals when synthesis finishes (generate and stream). */
  onStats?: (stats: SynthesisStats) => void;
}

/** One piece of streamed audio, in order. */
export interface AudioChunk {
  /** Sentence-chunk index within the text. */
  index: number;
  /** The text chunk this audio belongs to (first piece of the chunk only; '' for continuations). */
  text: string;
  phonemes: string;
  /** Mono PCM at `sampleRate`. */
  audio: Float32Array;
  sampleRate: number;
  /** True on the last piece of a text chunk. */
  chunkEnd: boolean;
}

export interface SynthesisStats {
  audioSeconds: number;
  wallSeconds: number;
  /** wallSeconds / audioSeconds. */
  rtf: number;
  arSteps: number;
  /** The sampling temperature used (the request's, else the model's recommended one, else the engine default); 0 = greedy. */
  temperature: number;
  /** Speculative decoding: accepted draft codes / proposed draft codes. */
  acceptanceRate?: number;
  firstAudioMs?: number;
  /** Candidates sampled over all chunks, when more than one per chunk (a chunk retried with more counts them all). */
  candidates?: number;
  /** Text chunks synthesized (each one AR run, or one round or two of candidates). */
  chunks: number;
}

export interface SynthesisResult {
  audio: Float32Array;
  sampleRate: number;
  stats: SynthesisStats;
}
