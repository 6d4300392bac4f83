/**
 * Text -> synthesis chunks: normalize once, split into sentences, pack them under a phoneme budget (a short first
 * chunk, see first-chunk.ts), then phonemize each chunk when it is about to be synthesized.
 *
 * Phonemizing is lazy because it is slow: the espeak-ng WASM build synthesizes audio to get its phonemes, 8-100 ms
 * a clause (about 25 ms typical) on the 2-core machine under load, so phonemizing a 1,000-character request (~40
 * clauses) up front would delay its first audio by about a second. The cost: a later chunk whose phonemes fall
 * outside the vocabulary (in practice espeak's English output always fits it) is found only when that chunk is
 * reached, after earlier chunks' audio has been streamed.
 */
import { ParlaError } from '../errors.js';
import type { Lexicon } from '../text/lexicon.js';
import { normalizeText } from '../text/normalize.js';
import { analyzeText } from '../text/pipeline.js';
import { splitSentences } from '../text/split.js';
import { planChunkTexts, type PlannedChunk } from './first-chunk.js';

export interface TextChunk {
  text: string;
  phonemes: string;
  /** Phoneme ids, no specials. */
  ids: Int32Array;
  /** Ends between two words of a phrase: joined to the next chunk without a pause. */
  midPhrase: boolean;
}

export interface TextOptions {
  normalize?: boolean;
  language?: string;
  lexicon?: Lexicon;
}

export interface ChunkTextOptions extends TextOptions {
  /** Phoneme budget per chunk. */
  maxPhonemes: number;
  /** Smaller budget for the first chunk (time to first audio is the AR + NAR time of the first chunk). */
  firstMaxPhonemes?: number;
}

/**
 * The chunks' texts, in order, without phonemizing them. Packing measures characters of normalized text, a close
 * and synchronous stand-in for the phoneme count (espeak IPA is about as long as English spelling).
 * @throws ParlaError empty_input (nothing to say)
 */
export function planChunks(text: string, options: ChunkTextOptions): PlannedChunk[] {
  // JavaScript callers and JSON bodies can pass anything: a non-string is named as such, not as empty text.
  if (typeof text !== 'string') throw new ParlaError('invalid_input', `text must be a string, got ${text === null ? 'null' : typeof text}`, { param: 'text' });
  if (text.trim() === '') throw new ParlaError('empty_input', 'text is empty', { param: 'text' });
  const normalized = options.normalize === false ? text : normalizeText(text);
  const sentences = splitSentences(normalized);
  if (sentences.length === 0) throw nothingToSay(text);
  return planChunkTexts(sentences, { maxUnits: options.maxPhonemes, firstMaxUnits: options.firstMaxPhonemes ?? options.maxPhonemes, measure });
}

/**
 * Phonemizes one planned chunk (already normalized); null when it has nothing to pronounce.
 * @throws ParlaError unknown_symbol (phonemes outside the vocabulary) | unsupported_language
 */
export async function phonemizeChunk(piece: PlannedChunk, options: TextOptions): Promise<TextChunk | null> {
  const { text, midPhrase } = piece;
  const analyzed = await analyzeText(text, { normalize: false, language: options.language, lexicon: options.lexicon });
  if (analyzed.unknown.length > 0) {
    throw new ParlaError('unknown_symbol', `"${text.slice(0, 60)}" gives phonemes outside the vocabulary: ${analyzed.unknown.join(' ')}`, { param: 'text' });
  }
  return analyzed.ids.length > 0 ? { text, phonemes: analyzed.phonemes, ids: analyzed.ids, midPhrase } : null;
}

/**
 * All chunks at once, phonemized (for callers that want them up front; synthesis phonemizes lazily).
 * @throws ParlaError empty_input (nothing to say) | unknown_symbol (phonemes outside the vocabulary)
 */
export async function chunkText(text: string, options: ChunkTextOptions): Promise<TextChunk[]> {
  const chunks: TextChunk[] = [];
  for (const piece of planChunks(text, options)) {
    const chunk = await phonemizeChunk(piece, options);
    if (chunk) chunks.push(chunk);
  }
  if (chunks.length === 0) throw nothingToSay(text);
  return chunks;
}

export function nothingToSay(text: string): ParlaError {
  return new ParlaError('empty_input', `text has nothing to pronounce: "${text.slice(0, 60)}"`, { param: 'text' });
}

const measure = (s: string): number => Array.from(s).length;
