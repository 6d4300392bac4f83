/** Every number left after dates, money and units: fractions, ordinals, decades, years vs. counts, decimals, negatives. */
import {
  cardinal, decimal, digitByDigit, fractionWords, ordinal, pluralWord, yearWords,
} from './numbers.js';
import { spellLetters } from './normalize-acronyms.js';

/** Bare integers longer than this are identifiers (card, account, ISBN), read digit by digit. */
const MAX_SPOKEN_DIGITS = 15;

// A four-digit number after one of these words is a year: "in 1999", "since 1850", "the summer of 1969".
const YEAR_BEFORE = new Set(
  ('in since by from to until till through during before after around circa c ca early late mid year ' +
    'spring summer autumn fall winter born died of between')
    .split(' '),
);
// ... but never after one of these: "number 1661", "page 1200", "about 1500".
const COUNT_BEFORE = new Set(
  ('number numbers no page pages chapter section room item items issue volume episode figure table line verse ' +
    'about over under nearly almost approximately exactly total some only').split(' '),
);
// ... and before one of these: "1999 was", "the 2016 election".
const YEAR_AFTER = new Set(
  ('was were saw brought marked season election elections census edition model olympics world war ' +
    'championship film movie album version budget crisis revolution earthquake act law survey')
    .split(' '),
);

const MIXED_FRACTION = /(?<![\w.,/])(\d+) (\d{1,2})\/(\d{1,2})(?![\w/]|\.\d)/g;
const FRACTION = /(?<![\w.,/])(\d+)\/(\d+)(?![\w/]|\.\d)/g;
const ORDINAL = /(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th|ST|ND|RD|TH)\b/g;
const DECADE = /(?<![\w.])(?:(\d\d)|')?(\d)0(?:'?s)\b/g;
const ROUND_PLURAL = /(?<![\w.])1(00|,?000)s\b/g; // "100s" -> "hundreds", "1,000s" -> "thousands"
const RATIO = /(?<![\w:.])(\d+):(\d+)(?![\w:])/g; // scores and ratios left after clock times: "3:2"
const ERA = /(?<![\w.])(\d{1,4}) ?(BCE|BC|CE|AD|B\.C\.(?:E\.)?|A\.D\.|C\.E\.)(?!\w)/g;
const ERA_BEFORE = /\b(AD|A\.D\.) (\d{1,4})\b/g;
const HASH_NUMBER = /(?<![\w&])#(?=\d)/g;
const DOTTED_SEQUENCE = /(?<![\w.])\d+(?:\.\d+){2,}(?![\w]|\.\d)/g;
const SECTION_NUMBER = /(?<![\w.])\d+(?:\.(?:\d+|[A-Z]))*\.[A-Z](?:\.(?:\d+|[A-Z]))*(?![\w]|\.\w)/g; // "1.E.8"

const LETTER_THEN_DIGIT = /(?<=[A-Za-z])-?(?=\d)/g; // "COVID-19", "v1.2", "MP3"
const DIGIT_THEN_LETTER = /(?<=\d)(?=[A-Za-z])/g; // "221B", "5G" (after ordinals and decades are read)
const GENERIC = /((?<=^|[\s(["'])-)?(?<!\d)(?<!\d\.)(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(\d+))?(?!\d)/g;
const LEADING_POINT = /(?<![\w.])\.(\d+)/g;

function isFraction(numerator: string, denominator: string): boolean {
  const bottom = Number(denominator);
  return bottom >= 2 && bottom <= 10 && Number(numerator) <= 20 && Number(numerator) > 0;
}

/** Reads a bare four-digit number as a year when the words around it say so. */
function readsAsYear(all: string, offset: number, length: number): boolean {
  const before = /([A-Za-z]+)\.? $/.exec(all.slice(Math.max(0, offset - 20), offset))?.[1]?.toLowerCase();
  if (before && COUNT_BEFORE.has(before)) return false;
  if (before && YEAR_BEFORE.has(before)) return true;
  const after = /^ ([A-Za-z]+)/.exec(all.slice(offset + length, offset + length + 20))?.[1];
  if (after === undefined) return true; // "It was 1999." / end of text
  if (YEAR_AFTER.has(after.toLowerCase())) return true;
  return /^[A-Z]/.test(after) && !/^[A-Z]+$/.test(after); // "1999 Olympics" but not "1999 USD"
}

function integerWords(integer: string, all: string, offset: number, length: number, hasFraction: boolean): string {
  if (integer.includes(',')) return cardinal(integer.replace(/,/g, ''));
  if (integer.length > 1 && integer.startsWith('0')) return digitByDigit(integer);
  if (integer.length > MAX_SPOKEN_DIGITS) return digitByDigit(integer);
  const value = Number(integer);
  if (!hasFraction && integer.length === 4 && value >= 1000 && value <= 2099 && readsAsYear(all, offset, length)) {
    return yearWords(integer);
  }
  return cardinal(integer);
}

/** Replaces the remaining numbers by words (run after dates, money, units and ranges). */
export function normalizeNumbers(text: string): string {
  let out = text.replace(LETTER_THEN_DIGIT, ' ');
  out = out.replace(MIXED_FRACTION, (whole, n: string, a: string, b: string) =>
    isFraction(a, b) ? `${cardinal(n)} and ${fractionWords(a, b)}` : whole);
  out = out.replace(FRACTION, (_m, a: string, b: string) =>
    isFraction(a, b) ? fractionWords(a, b) : `${a} ${b}`); // "24/7", "9/11", "50/50": both numbers said
  out = out.replace(ORDINAL, (_m, n: string) => ordinal(n.replace(/,/g, '')));
  out = out.replace(DECADE, (whole, century: string | undefined, tens: string) => {
    if (century === undefined) return pluralWord(cardinal(Number(tens) * 10));
    const value = Number(`${century}${tens}0`);
    // "1990s" -> "nineteen nineties", but "100s" / "1000s" -> "hundreds" / "thousands".
    if (value < 1100) return pluralWord(cardinal(value).replace(/^one /, ''));
    return pluralWord(yearWords(value));
  });
  out = out.replace(ROUND_PLURAL, (_m, zeros: string) => (zeros === '00' ? 'hundreds' : 'thousands'));
  out = out.replace(RATIO, '$1 to $2');
  out = out.replace(ERA, (_m, year: string, era: string) => `${yearWords(year)} ${spellLetters(era.replace(/\./g, ''))}`);
  out = out.replace(ERA_BEFORE, (_m, era: string, year: string) => `A-D ${yearWords(year)}`);
  out = out.replace(HASH_NUMBER, 'number ');
  out = out.replace(SECTION_NUMBER, (seq) => seq.split('.').map((part) => (/\d/.test(part) ? cardinal(part) : part)).join(' '));
  out = out.replace(DOTTED_SEQUENCE, (seq) => seq.split('.').map((part) => cardinal(part)).join(' point '));
  out = out.replace(DIGIT_THEN_LETTER, ' ');
  out = out.replace(LEADING_POINT, (_m, digits: string) => `point ${digitByDigit(digits)}`);
  out = out.replace(GENERIC, (whole, minus: string | undefined, integer: string, fraction: string | undefined, offset: number, all: string) => {
    const sign = minus ? 'minus ' : '';
    const intWords = integerWords(integer, all, offset, whole.length, fraction !== undefined);
    if (fraction === undefined) return sign + intWords;
    return sign + decimal(integer.replace(/,/g, ''), fraction);
  });
  return out;
}
