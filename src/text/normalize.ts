/** English text normalization: raw text in, plain spoken-form English out, sentence punctuation kept. */
import { ParlaError } from '../errors.js';
import { expandAbbreviations } from './normalize-abbreviations.js';
import { normalizeAcronyms } from './normalize-acronyms.js';
import { normalizeDatesAndTimes, type DateOrder } from './normalize-datetime.js';
import { normalizeMoney } from './normalize-money.js';
import { normalizeNumbers } from './normalize-numbers.js';
import { normalizePhonesAndRanges } from './normalize-ranges.js';
import { normalizeRoman } from './normalize-roman.js';
import { normalizeSymbols, tidyPunctuation } from './normalize-symbols.js';
import { normalizeUnicode } from './normalize-unicode.js';
import { normalizeUnits } from './normalize-units.js';
import { normalizeWeb } from './normalize-web.js';

export interface NormalizeOptions {
  /** How to read an ambiguous numeric date like "03/04/2021": month first (US, default) or day first. */
  dateOrder?: DateOrder;
  /** Spell out unpronounceable acronyms ("FBI" -> "F B I"); default true. */
  spellAcronyms?: boolean;
}

/**
 * Turns raw English text into what a reader would say: "$42.50" -> "forty-two dollars and fifty cents",
 * "Dr. Smith" -> "Doctor Smith", "in 1999" -> "in nineteen ninety-nine". Keeps . , ? ! ; : and
 * " — " for prosody and sentence splitting, and paragraph breaks as one blank line.
 * Pure and synchronous; linear in the text length (a few regex passes over the whole text).
 *
 * Order matters: each pass consumes what it recognises, so the most specific forms go first
 * (web addresses before dots are read, dates before ranges, ranges before money and units,
 * all of those before bare numbers, symbols and acronyms last).
 *
 * @throws ParlaError('invalid_input', param 'text') when `text` is not a string.
 */
export function normalizeText(text: string, options: NormalizeOptions = {}): string {
  if (typeof text !== 'string') {
    throw new ParlaError('invalid_input', `normalizeText: "text" must be a string, got ${text === null ? 'null' : typeof text}`, { param: 'text' });
  }
  const dateOrder = options.dateOrder ?? 'mdy';
  if (dateOrder !== 'mdy' && dateOrder !== 'dmy') {
    throw new ParlaError('invalid_input', `normalizeText: "dateOrder" must be "mdy" or "dmy", got "${String(dateOrder)}"`, { param: 'dateOrder' });
  }
  let out = normalizeUnicode(text);
  if (out === '') return '';
  out = normalizeWeb(out);
  out = normalizeDatesAndTimes(out, dateOrder);
  out = normalizePhonesAndRanges(out);
  out = normalizeMoney(out);
  out = normalizeUnits(out);
  out = expandAbbreviations(out);
  out = normalizeRoman(out);
  out = normalizeNumbers(out);
  out = normalizeSymbols(out);
  if (options.spellAcronyms !== false) out = normalizeAcronyms(out);
  return tidyPunctuation(out);
}
