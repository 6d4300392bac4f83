/** Expands abbreviations ("Dr." -> "Doctor"/"Drive", "e.g." -> "for example", "U.S.A." -> "U-S-A") keeping real sentence ends. */
import {
  BEFORE_NUMBER, CONTEXTUAL, FINAL, INNER, NAME_SUFFIXES, SENTENCE_STARTERS, TITLES, sentenceEndsAfter,
} from './abbreviations.js';
import { spellLetters } from './normalize-acronyms.js';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const alternation = (keys: string[]) => keys.sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
/** Lower-case keys also match capitalised at the start of a sentence ("E.g." / "Etc."). */
const withCapitals = (table: Record<string, string>) => {
  const out: Record<string, string> = { ...table };
  for (const [key, value] of Object.entries(table)) {
    const capital = key[0].toUpperCase() + key.slice(1);
    if (!(capital in out)) out[capital] = value[0].toUpperCase() + value.slice(1);
  }
  return out;
};

const INNER_ALL = withCapitals(INNER);
const FINAL_ALL = withCapitals(FINAL);
const INNER_PATTERN = new RegExp(`(?<![\\w.])(${alternation(Object.keys(INNER_ALL))})\\.(?!\\w)|\\b([Vv]s)\\b(?!\\.)`, 'g');
const LEGAL_V = / v\. (?=[A-Z])/g;
const FINAL_PATTERN = new RegExp(`(?<![\\w.])(${alternation(Object.keys(FINAL_ALL))})\\.(?!\\w)`, 'g');
// Titles without a period only where that spelling is common ("Mr Smith", "Dr Jones").
// Capitalised or all capitals ("MR. HOLMES" in a heading).
const TITLES_ALL: Record<string, string> = Object.fromEntries(
  Object.entries(TITLES).flatMap(([key, value]) => [[key, value], [key.toUpperCase(), value]]),
);
const TITLE_PATTERN = new RegExp(`\\b(?:(${alternation(Object.keys(TITLES_ALL))})\\. |(Mr|Mrs|Ms|Prof) (?=[A-Z]))`, 'g');
const CONTEXTUAL_PATTERN = /\b(St|Dr)(\.|(?= [A-Z]))/g;
const SUFFIX_PATTERN = new RegExp(`(?<=[A-Z][a-z]+,? )(${alternation(Object.keys(NAME_SUFFIXES))})(\\.?)(?!\\w)`, 'g');
const NUMBER_PREFIX_PATTERN = new RegExp(`(?<![\\w.])(${alternation(Object.keys(BEFORE_NUMBER))})\\. ?(?=\\d)`, 'g');
// "U.S.A.", "J.R.R." (but not "a.m."/"p.m.", read with their clock time).
const INITIALISM = /(?<![\w.])((?:[A-Za-z]\.){2,})(?![A-Za-z])/g;
const SINGLE_INITIAL = /(?<![\w.])([A-HJ-Z])\. (?=[A-Z])/g;

/** The word before `offset` ("" at the start of the text). */
function previousWord(text: string, offset: number): string {
  return /(\S+) $/.exec(text.slice(Math.max(0, offset - 40), offset))?.[1] ?? '';
}

/** Expands the abbreviations above; a period that may also end the sentence is kept only where it does. */
export function expandAbbreviations(text: string): string {
  const keepPeriod = (all: string, end: number) => (sentenceEndsAfter(all, end) ? '.' : '');
  let out = text.replace(INNER_PATTERN, (_m, key?: string) => (key ? INNER_ALL[key] : 'versus'));
  out = out.replace(LEGAL_V, ' versus ');
  out = out.replace(NUMBER_PREFIX_PATTERN, (_m, key: string) => `${BEFORE_NUMBER[key]} `);
  out = out.replace(TITLE_PATTERN, (_m, dotted?: string, bare?: string) => `${TITLES_ALL[dotted ?? bare ?? '']} `);
  out = out.replace(CONTEXTUAL_PATTERN, (whole, key: string, dot: string, offset: number, all: string) => {
    const end = offset + whole.length;
    const next = /^ ([A-Z][a-z]*)/.exec(all.slice(end, end + 30))?.[1];
    const [beforeName, afterNameReading] = CONTEXTUAL[key];
    // A name right after it decides, whatever stands before: "St. Louis", "Mrs. St. Clair", "Mount St. Helens",
    // "Arthur St. Clair", "Dr. Who". A capitalised word that opens sentences is no name: "Main St. Then we left."
    if (next !== undefined && !SENTENCE_STARTERS.has(next)) return beforeName;
    // No name after it: a name or number before it makes it the street: "Elm St.", "42 Baker St.", "Main St. Then".
    const previousIsCapital = /^[A-Z0-9]/.test(previousWord(all, offset));
    if (!previousIsCapital && next !== undefined) return beforeName;
    if (!dot) return whole; // bare "St" / "Dr" with no name after it: leave as written
    return afterNameReading + keepPeriod(all, end);
  });
  out = out.replace(SUFFIX_PATTERN, (whole, key: string, dot: string, offset: number, all: string) =>
    NAME_SUFFIXES[key] + (dot ? keepPeriod(all, offset + whole.length) : ''));
  out = out.replace(FINAL_PATTERN, (whole, key: string, offset: number, all: string) =>
    FINAL_ALL[key] + keepPeriod(all, offset + whole.length));
  out = out.replace(INITIALISM, (whole, letters: string, offset: number, all: string) => {
    if (/^[ap]\.m\.$/i.test(letters)) return whole;
    const spelled = spellLetters(letters.replace(/\./g, '').toUpperCase());
    return spelled + keepPeriod(all, offset + whole.length);
  });
  return out.replace(SINGLE_INITIAL, (whole, letter: string, offset: number, all: string) => {
    const next = /^[A-Z][a-z]*/.exec(all.slice(offset + whole.length, offset + whole.length + 30))?.[0] ?? '';
    return SENTENCE_STARTERS.has(next) ? whole : `${letter} `;
  });
}
