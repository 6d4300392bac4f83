/** Number words in American English: cardinals, ordinals, digit-by-digit, decimals, years, fractions. */

const ONES = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine',
  'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
// Short scale; index i names 1000^i. Longer integers are read digit by digit (see cardinal()).
const SCALES = [
  '', 'thousand', 'million', 'billion', 'trillion', 'quadrillion', 'quintillion',
  'sextillion', 'septillion', 'octillion', 'nonillion', 'decillion',
];
/** Integers with more digits than this have no scale word and are read digit by digit. */
export const MAX_CARDINAL_DIGITS = SCALES.length * 3;

/** 0..999 -> words, hyphenating 21..99 ("forty-two"), no "and" (American usage). */
function underThousand(n: number): string {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds > 0) words.push(`${ONES[hundreds]} hundred`);
  if (rest > 0 || hundreds === 0) {
    if (rest < 20) words.push(ONES[rest]);
    else words.push(TENS[Math.floor(rest / 10)] + (rest % 10 ? `-${ONES[rest % 10]}` : ''));
  }
  return words.join(' ');
}

/**
 * Cardinal words for a non-negative integer given as a digit string or number
 * ("1234" -> "one thousand two hundred thirty-four"). Leading zeros are ignored.
 * Integers beyond decillions are read digit by digit so nothing ever throws.
 */
export function cardinal(value: number | string): string {
  const digitsOnly = String(value).replace(/^0+(?=\d)/, '');
  if (!/^\d+$/.test(digitsOnly)) throw new RangeError(`cardinal() needs a non-negative integer, got "${value}"`);
  if (digitsOnly.length > MAX_CARDINAL_DIGITS) return digitByDigit(digitsOnly);
  if (digitsOnly === '0') return 'zero';
  const groups: number[] = [];
  for (let end = digitsOnly.length; end > 0; end -= 3) {
    groups.unshift(Number(digitsOnly.slice(Math.max(0, end - 3), end)));
  }
  const words: string[] = [];
  groups.forEach((group, i) => {
    if (group === 0) return;
    const scale = SCALES[groups.length - 1 - i];
    words.push(underThousand(group) + (scale ? ` ${scale}` : ''));
  });
  return words.join(' ');
}

const IRREGULAR_ORDINALS: Record<string, string> = {
  one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth',
};

/** Turns the last word of a cardinal into its ordinal ("twenty-one" -> "twenty-first"). */
export function ordinalOfWords(words: string): string {
  const match = /([a-z]+)$/.exec(words);
  if (!match) return words;
  const last = match[1];
  const head = words.slice(0, match.index);
  if (IRREGULAR_ORDINALS[last]) return head + IRREGULAR_ORDINALS[last];
  if (last.endsWith('y')) return `${head}${last.slice(0, -1)}ieth`;
  return `${head}${last}th`;
}

/** Ordinal words for a non-negative integer ("21" -> "twenty-first", "100" -> "one hundredth"). */
export function ordinal(value: number | string): string {
  return ordinalOfWords(cardinal(value));
}

/** Every digit as its own word ("4075" -> "four zero seven five"). Non-digits are skipped. */
export function digitByDigit(digits: string): string {
  return [...digits].filter((c) => c >= '0' && c <= '9').map((c) => ONES[Number(c)]).join(' ');
}

/** "3" + "14" -> "three point one four"; an empty integer part reads "point five". */
export function decimal(integerPart: string, fractionPart: string): string {
  const whole = integerPart === '' ? '' : `${cardinal(integerPart)} `;
  return `${whole}point ${digitByDigit(fractionPart)}`;
}

/** A number as written, with optional thousands commas and decimals ("1,234.5"). */
export function numberWords(text: string): string {
  const [integerPart, fractionPart] = text.replace(/,/g, '').split('.');
  return fractionPart === undefined ? cardinal(integerPart) : decimal(integerPart, fractionPart);
}

/** The last two digits of a year or clock time: 5 -> "oh five", 45 -> "forty-five". */
export function twoDigitsAfter(n: number): string {
  return n < 10 ? `oh ${ONES[n]}` : cardinal(n);
}

/**
 * A calendar year as people say it: 1999 -> "nineteen ninety-nine", 1905 -> "nineteen oh five",
 * 1900 -> "nineteen hundred", 2000..2009 -> "two thousand five", 2021 -> "twenty twenty-one".
 */
export function yearWords(value: number | string): string {
  const year = Number(value);
  if (!Number.isInteger(year) || year < 0) return cardinal(String(value));
  if (year < 1000 || year >= 10000) return cardinal(year);
  const high = Math.floor(year / 100);
  const low = year % 100;
  if (year % 1000 < 10 && high % 10 === 0) return cardinal(year); // 1000, 2000..2009, 3005
  if (low === 0) return `${cardinal(high)} hundred`;
  return `${cardinal(high)} ${twoDigitsAfter(low)}`;
}

/** Plural of a number word for decades and the like: "ninety" -> "nineties", "six" -> "sixes". */
export function pluralWord(words: string): string {
  if (words.endsWith('y')) return `${words.slice(0, -1)}ies`;
  if (words.endsWith('x') || words.endsWith('s')) return `${words}es`;
  return `${words}s`;
}

/** "1/2" -> "one half", "3/4" -> "three quarters", "2/3" -> "two thirds", "5/8" -> "five eighths". */
export function fractionWords(numerator: string, denominator: string): string {
  const top = Number(numerator);
  const bottom = Number(denominator);
  const denominatorWord = bottom === 2 ? 'half' : bottom === 4 ? 'quarter' : ordinal(denominator);
  const noun = top === 1 ? denominatorWord : denominatorWord === 'half' ? 'halves' : `${denominatorWord}s`;
  return `${cardinal(numerator)} ${noun}`;
}
