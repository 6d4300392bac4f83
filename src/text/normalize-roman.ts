/** Roman numerals where they are unambiguous: "Chapter IV" -> "Chapter four", "Henry VIII" -> "Henry the eighth". */
import { cardinal, ordinal } from './numbers.js';

const VALUES: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };
const STRICT_ROMAN = /^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$/;

/** Value of a well-formed Roman numeral (1..3999), or null for anything else ("IIII", "MIC" are null). */
export function romanValue(numeral: string): number | null {
  if (numeral === '' || !STRICT_ROMAN.test(numeral)) return null;
  let total = 0;
  for (let i = 0; i < numeral.length; i++) {
    const value = VALUES[numeral[i]];
    const next = VALUES[numeral[i + 1]] ?? 0;
    total += value < next ? -value : value;
  }
  return total;
}

// Words after which a numeral counts things: "Chapter IV", "World War II", "Super Bowl LV", "Type II".
const COUNTING_WORDS = [
  'Chapter', 'Chapters', 'Part', 'Book', 'Volume', 'Vol', 'Act', 'Scene', 'Section', 'Article', 'Appendix',
  'Canto', 'Psalm', 'Stage', 'Phase', 'Level', 'Type', 'Class', 'Grade', 'Round', 'Episode', 'Lesson',
  'Unit', 'Title', 'Schedule', 'Tier', 'Series', 'Division', 'War', 'Bowl', 'Olympiad', 'Amendment', 'Vatican',
  'Adventure', 'Story', 'Stave', 'Letter', 'Lecture', 'Plate', 'Table', 'Figure', 'Fig',
];
const COUNTING_ALTERNATION = [...COUNTING_WORDS, ...COUNTING_WORDS.map((w) => w.toUpperCase())].join('|');
const AFTER_COUNTING_WORD = new RegExp(`\\b(${COUNTING_ALTERNATION})(\\.?) ([IVXLCDM]+)\\b(?!['\\w-])`, 'g');
// A capitalised name followed by I..XXXIX (two letters or more, so "Malcolm X" and the word "I"
// stay words): a monarch, pope or generation suffix, read as "the eighth".
const AFTER_NAME = /\b([A-Z][a-z]+) ([IVX]{2,6})\b('s)?(?![\w-])/g;
// A heading line that is only a numeral ("IV." or "XII"), or starts with one and a period
// ("II. The Red-Headed League"), as books number their chapters and contents.
const HEADING_LINE = /^([IVXLC]+)(?:\.?$|\.(?= ["'A-Z]))/gm;

/** Converts Roman numerals in the three contexts above; everything else is left alone. */
export function normalizeRoman(text: string): string {
  let out = text.replace(AFTER_COUNTING_WORD, (whole, word: string, dot: string, numeral: string, offset: number, all: string) => {
    const value = romanValue(numeral);
    if (value === null) return whole;
    // "Chapter I" is a numeral only where no sentence goes on after it ("In Chapter I explain ..." is the pronoun).
    const after = all.slice(offset + whole.length, offset + whole.length + 2);
    if (numeral === 'I' && /^ [a-z]/.test(after) && word.toLowerCase() !== 'war') return whole;
    return `${word === 'Vol' ? 'Volume' : word + dot} ${cardinal(value)}`;
  });
  out = out.replace(AFTER_NAME, (whole, name: string, numeral: string, possessive?: string) => {
    const value = romanValue(numeral);
    return value === null ? whole : `${name} the ${ordinal(value)}${possessive ?? ''}`;
  });
  return out.replace(HEADING_LINE, (whole, numeral: string) => {
    const value = romanValue(numeral);
    return value === null ? whole : `${cardinal(value)}.`;
  });
}
