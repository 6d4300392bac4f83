/** English abbreviations: the word lists shared by the normalizer (to expand them) and the sentence splitter (to not split at them). */

/** Titles that stand before a name; their period never ends a sentence. */
export const TITLES: Record<string, string> = {
  Mr: 'Mister', Mrs: 'Missus', Ms: 'Miz', Messrs: 'Messieurs', Prof: 'Professor', Gen: 'General',
  Col: 'Colonel', Capt: 'Captain', Lt: 'Lieutenant', Sgt: 'Sergeant', Cpl: 'Corporal', Maj: 'Major',
  Adm: 'Admiral', Gov: 'Governor', Sen: 'Senator', Rep: 'Representative', Rev: 'Reverend',
  Hon: 'Honorable', Pres: 'President', Fr: 'Father', Mt: 'Mount', Ft: 'Fort',
};

/** Read one way before a name and another after one: [before, after] ("St. Louis" / "Main St."). */
export const CONTEXTUAL: Record<string, [string, string]> = { St: ['Saint', 'Street'], Dr: ['Doctor', 'Drive'] };

/** Suffixes after a name: "John Smith Jr." -> "Junior". */
export const NAME_SUFFIXES: Record<string, string> = { Jr: 'Junior', Sr: 'Senior' };

/** Read the same everywhere and never at the end of a sentence (key: as written, without the final period). */
export const INNER: Record<string, string> = {
  vs: 'versus', 'e.g': 'for example', 'i.e': 'that is', 'a.k.a': 'also known as', approx: 'approximately',
  cf: 'compare', viz: 'namely',
};

/** Read the same everywhere; the period may also end the sentence. */
export const FINAL: Record<string, string> = {
  etc: 'et cetera', 'Ph.D': 'P-H-D', dept: 'department', Dept: 'Department', Inc: 'Incorporated', Ltd: 'Limited',
  Co: 'Company', Corp: 'Corporation', Ave: 'Avenue', Blvd: 'Boulevard', Rd: 'Road', Hwy: 'Highway',
  Univ: 'University', govt: 'government', intl: 'international', misc: 'miscellaneous', 'et al': 'and others',
  Jan: 'January', Feb: 'February', Aug: 'August', Sept: 'September', Oct: 'October', Nov: 'November', Dec: 'December',
};

/** Read only before a number: "No. 5" -> "number 5", "p. 12" -> "page 12". */
export const BEFORE_NUMBER: Record<string, string> = {
  No: 'number', no: 'number', Nos: 'numbers', nos: 'numbers', p: 'page', pp: 'pages', Fig: 'figure', FIG: 'figure',
  fig: 'figure', Vol: 'volume', vol: 'volume', Ch: 'chapter', ch: 'chapter', ca: 'circa', c: 'circa',
  Tel: 'telephone', tel: 'telephone', Sec: 'section', sec: 'section', Art: 'article', art: 'article',
};

/**
 * Words that usually open a sentence. After an ambiguous period ("etc.", "U.S.", an initial "F.")
 * a capitalised word from this list means a new sentence; any other capitalised word (a name)
 * means the sentence goes on ("John F. Kennedy", "U.S. Army").
 */
export const SENTENCE_STARTERS = new Set(
  ('The A An This That These Those It Its He She They We You I His Her Their Our My Your There Then But And ' +
    'So Yet Or Nor If When While After Before As In On At For With Without From To By Of Now Here What Who ' +
    'Why How Where Which Yes No Not One Some Many Most All Each Every Meanwhile However Still Also Finally ' +
    'Later Today Tomorrow Yesterday Soon Once Although Though Because Since Unless Until Please Let Oh Well ' +
    'Did Do Does Is Are Was Were Can Could Will Would Should Must Have Has Had Thus Hence Instead Indeed ' +
    'Perhaps Maybe Sometimes Even Only Just Besides Nevertheless Nonetheless Otherwise')
    .split(' '),
);

const lower = (keys: string[]) => new Set(keys.map((k) => k.toLowerCase()));

/** Lower-cased abbreviations (without their final period) after which a sentence never ends. */
export const NEVER_FINAL = lower([...Object.keys(TITLES), ...Object.keys(INNER), 'v']);

/** Lower-cased abbreviations that end a sentence only when a sentence starter follows. */
export const MAYBE_FINAL = lower([
  ...Object.keys(FINAL), ...Object.keys(CONTEXTUAL), ...Object.keys(NAME_SUFFIXES),
  'a.m', 'p.m', 'ph.d', 'm.d', 'b.a', 'm.a', 'b.sc', 'm.sc', 'u.s', 'u.k', 'u.s.a', 'd.c',
]);

/** Lower-cased abbreviations whose period is part of the word only when a number follows. */
export const NUMBER_PREFIXES = lower(Object.keys(BEFORE_NUMBER));

/**
 * Whether a period just before `offset` in `text` should also end the sentence: the text ends,
 * a line ends, or the next word is a sentence starter ("... 5 p.m. Then" but not "U.S. Army").
 */
export function sentenceEndsAfter(text: string, offset: number): boolean {
  const rest = text.slice(offset, offset + 40);
  if (rest === '' || rest.startsWith('\n')) return true;
  const next = /^ ["'(]?([A-Z][a-z]*)\b/.exec(rest);
  return next !== null && SENTENCE_STARTERS.has(next[1]);
}
