/** Hyphenated digit groups before any other number rule sees them: phone numbers (digit by digit) and ranges ("10-12" -> "10 to 12"). */
import { digitByDigit, twoDigitsAfter, yearWords } from './numbers.js';

// "(555) 123-4567", "555-123-4567", "+1 555.123.4567", "1-800-555-1234".
const US_PHONE = /(?<![\w+-])(?:(\+?1)[ .-]?)?(?:\((\d{3})\) ?|(\d{3})([ .-]))(\d{3})[ .-](\d{4})(?![\w-])/g;
// "+44 20 7946 0958": a plus sign and at least three groups.
const INTERNATIONAL_PHONE = /(?<![\w+])\+(\d{1,3})((?:[ .-]\d{1,4}){2,5})(?![\w-])/g;
// "555-1234": a local seven-digit number.
const LOCAL_PHONE = /(?<![\w.,/-])(\d{3})-(\d{4})(?![\w-]|\.\d)/g;
const NUMBER = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?`;
// A hyphen between two numbers; neither side part of a longer hyphen chain ("2021-13-45").
const RANGE = new RegExp(`(?<![\\w.,/-])(${NUMBER})-([$£€]?)(${NUMBER})(?!\\d|[-.,]\\d)`, 'g');

/** Digit groups read one digit at a time, groups separated by commas for a short pause. */
function spokenGroups(groups: Array<string | undefined>): string {
  return groups.filter((g): g is string => Boolean(g)).map(digitByDigit).join(', ');
}

function isYear(value: string): boolean {
  return /^\d{4}$/.test(value) && Number(value) >= 1100 && Number(value) <= 2099;
}

/** Phone numbers become spoken digits; number ranges become "A to B" (year ranges go straight to words). */
export function normalizePhonesAndRanges(text: string): string {
  let out = text.replace(US_PHONE, (_m, country?: string, area1?: string, area2?: string, _sep?: string, exchange?: string, line?: string) =>
    (country?.startsWith('+') ? 'plus ' : '') + spokenGroups([country, area1 ?? area2, exchange, line]));
  out = out.replace(INTERNATIONAL_PHONE, (_m, country: string, rest: string) =>
    `plus ${spokenGroups([country, ...rest.split(/[ .-]/)])}`);
  out = out.replace(LOCAL_PHONE, (_m, a: string, b: string) => spokenGroups([a, b]));
  return out.replace(RANGE, (_m, from: string, symbol: string, to: string) => {
    if (isYear(from) && ((isYear(to) && Number(to) > Number(from)) || /^\d{2}$/.test(to))) {
      return `${yearWords(from)} to ${to.length === 2 ? twoDigitsAfter(Number(to)) : yearWords(to)}`;
    }
    return `${from} to ${symbol}${to}`;
  });
}
