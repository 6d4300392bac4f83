/** Text -> synthesis chunks: normalize once, split into sentences, pack them under a phoneme budget, phonemize each. */
import { ParlaError } from '../errors.js';
import type { Lexicon } from '../text/lexicon.js';
import { normalizeText } from '../text/normalize.js';
import { analyzeText } from '../text/pipeline.js';
import { chunkSentences, splitSentences } from '../text/split.js';

export interface TextChunk {
  text: string;
  phonemes: string;
  /** Phoneme ids, no specials. */
  ids: Int32Array;
}

export interface ChunkTextOptions {
  normalize?: boolean;
  language?: string;
  lexicon?: Lexicon;
  /** Phoneme budget per chunk. */
  maxPhonemes: number;
  /** Smaller budget for the first chunk (time to first audio is the AR + NAR time of the first chunk). */
  firstMaxPhonemes?: number;
}

/**
 * Packing measures characters of normalized text, a close and synchronous stand-in for the phoneme count
 * (espeak IPA is about as long as English spelling); each chunk is then phonemized exactly.
 * @throws ParlaError empty_input (nothing to say) | unknown_symbol (phonemes outside the vocabulary)
 */
export async function chunkText(text: string, options: ChunkTextOptions): Promise<TextChunk[]> {
  if (typeof text !== 'string' || text.trim() === '') throw new ParlaError('empty_input', 'text is empty', { param: 'text' });
  const normalized = options.normalize === false ? text : normalizeText(text);
  const sentences = splitSentences(normalized);
  if (sentences.length === 0) throw new ParlaError('empty_input', `text has nothing to pronounce: "${text.slice(0, 60)}"`, { param: 'text' });
  const pieces = packChunks(sentences, options.maxPhonemes, options.firstMaxPhonemes ?? options.maxPhonemes);
  const chunks: TextChunk[] = [];
  for (const piece of pieces) {
    const analyzed = await analyzeText(piece, { normalize: false, language: options.language, lexicon: options.lexicon });
    if (analyzed.unknown.length > 0) {
      throw new ParlaError('unknown_symbol', `"${piece.slice(0, 60)}" gives phonemes outside the vocabulary: ${analyzed.unknown.join(' ')}`, { param: 'text' });
    }
    if (analyzed.ids.length > 0) chunks.push({ text: piece, phonemes: analyzed.phonemes, ids: analyzed.ids });
  }
  if (chunks.length === 0) throw new ParlaError('empty_input', `text has nothing to pronounce: "${text.slice(0, 60)}"`, { param: 'text' });
  return chunks;
}

const measure = (s: string): number => Array.from(s).length;

/** Packs sentences under `max`, except the first chunk, which gets `firstMax` (cut at a clause or word if needed). */
function packChunks(sentences: string[], max: number, firstMax: number): string[] {
  if (firstMax >= max) return chunkSentences(sentences, { maxUnits: max, measure });
  const [first] = chunkSentences(sentences, { maxUnits: firstMax, measure });
  // chunkSentences keeps every word in order, so the rest is the text after the first chunk's words.
  const words = sentences.join(' ').split(/\s+/);
  const rest = words.slice(first.split(/\s+/).length).join(' ');
  return rest ? [first, ...chunkSentences(splitSentences(rest), { maxUnits: max, measure })] : [first];
}
