/** The whole text front end in one call: normalize -> phonemize -> vocabulary ids. Runtime and training both use it. */
import type { Lexicon } from './lexicon.js';
import { normalizeText } from './normalize.js';
import { phonemize } from './phonemize.js';
import { phonemesToIds, splitSymbols } from './symbols.js';

export interface TextOptions {
  /** Expand numbers, currency, abbreviations, ... into words first (default true). */
  normalize?: boolean;
  /** English variant for espeak-ng (default 'en-us'). */
  language?: string;
  lexicon?: Lexicon;
}

export interface AnalyzedText {
  /** Spoken-form text that was phonemized. */
  normalized: string;
  /** IPA with punctuation, one symbol per code point. */
  phonemes: string;
  /** Vocabulary ids; empty when `unknown` is not. */
  ids: Int32Array;
  /** Symbols outside the vocabulary (the utterance cannot be used while this is non-empty). */
  unknown: string[];
}

export async function analyzeText(text: string, options: TextOptions = {}): Promise<AnalyzedText> {
  const normalized = options.normalize === false ? text.trim() : normalizeText(text);
  const phonemes = await phonemize(normalized, { language: options.language, lexicon: options.lexicon });
  const { unknown } = splitSymbols(phonemes);
  const ids = unknown.length === 0 ? phonemesToIds(phonemes) : new Int32Array(0);
  return { normalized, phonemes, ids, unknown };
}
