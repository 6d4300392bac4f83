/** Dates ("May 3, 2021", "3/14/2015", "2021-05-03") and clock times ("3:45 pm", "10:00") in words. */
import { sentenceEndsAfter } from './abbreviations.js';
import { cardinal, ordinal, twoDigitsAfter, yearWords } from './numbers.js';

export type DateOrder = 'mdy' | 'dmy';

const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];
const MONTH_ALIASES: Record<string, number> = { Sept: 9 };
MONTHS.forEach((name, i) => {
  MONTH_ALIASES[name] = i + 1;
  MONTH_ALIASES[name.slice(0, 3)] = i + 1;
});
// Capitalised names only, so the verb "may" is never a month.
const MONTH = `(${Object.keys(MONTH_ALIASES).sort((a, b) => b.length - a.length).join('|')})\\.?`;
const ORDINAL_SUFFIX = '(?:st|nd|rd|th)?';

const ISO_DATE = /\b(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z?)?\b/g;
const NUMERIC_DATE = /\b(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})\b/g;
const MONTH_DAY = new RegExp(`\\b${MONTH} (\\d{1,2})${ORDINAL_SUFFIX}\\b(?:,? (\\d{4})\\b)?`, 'g');
const DAY_MONTH = new RegExp(`\\b(\\d{1,2})${ORDINAL_SUFFIX} (?:of )?${MONTH}(?:,? (\\d{4})\\b)?`, 'g');
const MONTH_YEAR = new RegExp(`\\b${MONTH},? (\\d{4})\\b`, 'g');
const CLOCK = /\b(\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp])\.?[Mm]\b\.?)?/g;
const HOUR_MERIDIEM = /\b(\d{1,2}) ?([AaPp])(?:\.[Mm]\.|[Mm]\b\.?)/g;

function monthName(token: string): string {
  return MONTHS[MONTH_ALIASES[token] - 1];
}

function validDay(month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** Two-digit years are read as written ("'05" -> "oh five", "99" -> "ninety-nine"). */
function spokenYear(year: string): string {
  return year.length === 2 ? twoDigitsAfter(Number(year)) : yearWords(year);
}

function monthDayYear(month: number, day: number, year?: string): string {
  return `${MONTHS[month - 1]} ${ordinal(day)}${year ? `, ${spokenYear(year)}` : ''}`;
}

function meridiem(letter: string, matched: string, text: string, end: number): string {
  const dotted = matched.endsWith('.');
  return `${letter.toLowerCase()}-m${dotted && sentenceEndsAfter(text, end) ? '.' : ''}`;
}

function clockWords(hour: number, minute: number, hasMeridiem: boolean): string {
  if (minute === 0) return hasMeridiem ? cardinal(hour) : hour <= 12 ? `${cardinal(hour)} o'clock` : `${cardinal(hour)} hundred`;
  return `${cardinal(hour)} ${twoDigitsAfter(minute)}`;
}

/** Replaces dates and clock times by words; `order` decides ambiguous "03/04/2021" (default month first). */
export function normalizeDatesAndTimes(text: string, order: DateOrder = 'mdy'): string {
  let out = text.replace(ISO_DATE, (whole, y: string, m: string, d: string, time?: string) => {
    if (!validDay(Number(m), Number(d))) return whole;
    return monthDayYear(Number(m), Number(d), y) + (time ? ` at ${time}` : '');
  });
  out = out.replace(NUMERIC_DATE, (whole, a: string, sep: string, b: string, y: string) => {
    const dayFirst = sep === '.' || Number(a) > 12 || (order === 'dmy' && Number(b) <= 12);
    const [month, day] = dayFirst ? [Number(b), Number(a)] : [Number(a), Number(b)];
    return validDay(month, day) ? monthDayYear(month, day, y) : whole;
  });
  out = out.replace(MONTH_DAY, (whole, m: string, d: string, y?: string) =>
    Number(d) >= 1 && Number(d) <= 31 ? monthDayYear(MONTH_ALIASES[m], Number(d), y) : whole);
  out = out.replace(DAY_MONTH, (whole, d: string, m: string, y: string | undefined, offset: number, all: string) => {
    if (Number(d) < 1 || Number(d) > 31) return whole;
    const article = /\bthe $/i.test(all.slice(Math.max(0, offset - 4), offset)) ? '' : 'the ';
    return `${article}${ordinal(d)} of ${monthName(m)}${y ? `, ${yearWords(y)}` : ''}`;
  });
  out = out.replace(MONTH_YEAR, (_whole, m: string, y: string) => `${monthName(m)} ${yearWords(y)}`);
  out = out.replace(CLOCK, (whole, h: string, m: string, s: string | undefined, ap: string | undefined, offset: number, all: string) => {
    const hour = Number(h);
    const minute = Number(m);
    if (hour > 24 || minute > 59 || (s !== undefined && Number(s) > 59)) return whole;
    let words = clockWords(hour, minute, ap !== undefined);
    if (s !== undefined && Number(s) > 0) words += ` and ${cardinal(s)} second${Number(s) === 1 ? '' : 's'}`;
    if (ap !== undefined) words += ` ${meridiem(ap, whole, all, offset + whole.length)}`;
    return words;
  });
  return out.replace(HOUR_MERIDIEM, (whole, h: string, ap: string, offset: number, all: string) =>
    Number(h) > 12 ? whole : `${cardinal(h)} ${meridiem(ap, whole, all, offset + whole.length)}`);
}
