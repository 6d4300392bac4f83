/** The fixed phoneme vocabulary (symbol <-> id) shared by the runtime, the training data and every model. */
import { ParlaError } from '../errors.js';

/** Special tokens; their ids are fixed at 0..3 and recorded in every model.json. */
export const PAD = '<pad>';
export const BOS = '<bos>';
export const EOS = '<eos>';
/** Separates the prompt transcript from the target text in the AR input. */
export const SEP = '<sep>';

/** Word boundary and the punctuation kept for prosody. */
const PUNCTUATION = [' ', '.', ',', '?', '!', ';', ':', '—'];

/** Suprasegmentals and diacritics espeak-ng emits for English. */
const MARKS = ['ˈ', 'ˌ', 'ː', 'ˑ', '\u0329', '\u0303', 'ʲ', 'ʰ'];

/**
 * IPA letters: everything espeak-ng produces for its English voices (en-us, en-gb, en-029,
 * Scottish, RP; measured on 1,500 paragraphs of Gutenberg prose) plus the few it uses for
 * foreign names. Appending is safe; reordering or removing breaks every trained model.
 */
const LETTERS = [
  'a', 'b', 'c', 'd', 'e', 'f', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't',
  'u', 'v', 'w', 'x', 'y', 'z', 'æ', 'ç', 'ð', 'ø', 'ŋ', 'œ', 'ɐ', 'ɑ', 'ɒ', 'ɔ', 'ɕ', 'ə', 'ɚ',
  'ɛ', 'ɜ', 'ɝ', 'ɡ', 'ɣ', 'ɪ', 'ɫ', 'ɬ', 'ɭ', 'ɯ', 'ɲ', 'ɵ', 'ɸ', 'ɹ', 'ɾ', 'ʁ', 'ʃ', 'ʊ', 'ʋ',
  'ʌ', 'ʎ', 'ʒ', 'ʔ', 'ʑ', 'β', 'θ', 'χ', 'ᵻ', 'ɨ', 'ʉ', 'ɦ', 'ʀ', 'g',
];

/** id -> symbol. */
export const SYMBOLS: readonly string[] = Object.freeze([PAD, BOS, EOS, SEP, ...PUNCTUATION, ...MARKS, ...LETTERS]);

const ID_OF = new Map(SYMBOLS.map((s, i) => [s, i]));

export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const SEP_ID = 3;
/** The word boundary (a space between words). */
export const WORD_BOUNDARY_ID = SYMBOLS.indexOf(' ');

export function symbolId(symbol: string): number | undefined {
  return ID_OF.get(symbol);
}

/** Splits a phoneme string into symbols (one code point each) and reports any symbol outside the vocabulary. */
export function splitSymbols(phonemes: string): { symbols: string[]; unknown: string[] } {
  const symbols = Array.from(phonemes.normalize('NFC'));
  const unknown = [...new Set(symbols.filter((s) => !ID_OF.has(s)))];
  return { symbols, unknown };
}

/** Phoneme string -> ids. Unknown symbols are an error naming them, never silently dropped. */
export function phonemesToIds(phonemes: string): Int32Array {
  const { symbols, unknown } = splitSymbols(phonemes);
  if (unknown.length > 0) {
    const shown = unknown.map((s) => `'${s}' (U+${s.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
    throw new ParlaError('unknown_symbol', `phonemes contain symbols outside the vocabulary: ${shown.join(', ')}`, {
      param: 'phonemes',
    });
  }
  return Int32Array.from(symbols, (s) => ID_OF.get(s)!);
}

export function idsToPhonemes(ids: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const s = SYMBOLS[ids[i]];
    if (s === undefined) throw new ParlaError('invalid_input', `phoneme id ${ids[i]} is outside the vocabulary (0..${SYMBOLS.length - 1})`, { param: 'ids' });
    out += s;
  }
  return out;
}
