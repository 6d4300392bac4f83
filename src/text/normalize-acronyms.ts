/** Upper-case words: spell out acronyms that are not said as words ("FBI" -> "F-B-I"; "NASA", "OW", "STOP" stay) and calm shouted lines. */

/** Acronyms said as words even though they are short or look unpronounceable to the rule below. */
const SAID_AS_WORDS = new Set(
  ('NASA NATO UNESCO UNICEF OPEC NAFTA AIDS LASER RADAR SONAR SCUBA FIFA UEFA GIF JPEG PIN RAM ROM SIM ' +
    'COVID OSHA FEMA DARPA ISIS ASCII IKEA LEGO NASCAR POTUS SWAT UNIX LINUX ZIP CAPTCHA ASAP IMAX ' +
    'NASDAQ ASEAN SARS MERS OK JSON').split(' '),
);
/** Acronyms spelled even though the rule below would say them as a word. */
const SPELLED = new Set('UCLA OECD AARP IEEE NAACP UNHCR AMA EULA'.split(' '));
const SPECIAL: Record<string, string> = { OK: 'okay', PhD: 'P-H-D', PhDs: 'P-H-Ds', TV: 'T-V', TVs: 'T-Vs' };

// Two-consonant starts English words have; an acronym starting otherwise ("NYSE", "HTML") is spelled.
const ONSETS = new Set(
  'BL BR CH CL CR DR FL FR GL GR KN PH PL PR SC SH SK SL SM SN SP ST SW TH TR TW WH WR SCR SPR STR SQU'.split(' '),
);

// Short words a heading or a shouted line writes in capitals ("BY", "THE END"); alone in running text
// they could be acronyms ("IT", "US"), so they are lower-cased only in shouted lines.
const COMMON_SHORT = new Set(
  ('A AN AS AT BE BY DO GO HE IF IN IS IT ME MY NO OF ON OR SO TO UP US WE ALL AND ARE BUT CAN DID FOR GET ' +
    'HAD HAS HER HIM HIS HOW ITS LET MAY NEW NOT NOW OFF OLD ONE OUR OUT OWN SAY SEE SHE THE TOO TWO WAS WAY ' +
    'WHO WHY YES YET YOU END BOY MAN MEN DAY SIR MR MRS DR ST')
    .split(' '),
);

/**
 * Two letters tell nothing by their shape: nearly every consonant-vowel pair is also a code or an initialism ("CA",
 * "OR", "ID", "UK", "AT" in "AT&T"). So only these are words: interjections and the short words English writes in
 * capitals for emphasis, none of them a common initialism ("IT", "US", "AM", "IS", "IN" are left out: spelled).
 */
const TWO_LETTER_WORDS = new Set('NO OH OW AH AW HA HO HI UH UM EH YO OI GO SO DO TO BE WE HE ME MY BY UP OF ON AN IF'.split(' '));

/** Three-letter initialisms that have the shape of an English syllable (see isSyllable) but are spelled. */
const SYLLABLE_INITIALISMS = new Set(
  'VIP SUV HIV MIT SAS LED RAF GOP POW SOS RIP DOT DOD DOJ SEC VAT NIH FAQ LAX GED SAT ROI EEG'.split(' '),
);

/**
 * Vowel letter pairs that make one vowel sound in three-letter English words ("BOO", "YOU", "SEA", "TOE", "DUE");
 * initialisms' pairs ("CIA", "CEO", "DUI", "EIN") are not among them.
 */
const VOWEL_DIGRAPHS = new Set('EE OO EA OA OU AI OI IE OE UE'.split(' '));

/**
 * Whether a three-letter word is spelled like one English syllable, as words are ("WOW", "HEY", "YES", "YOU", "WHY",
 * "ICE") and initialisms mostly are not ("BBC", "FBI", "USA", "API", "CIA", "ATM"): an onset of at most one consonant
 * or a pair English starts words with, one vowel letter or vowel digraph (Y only at the end of a vowelless word), and
 * at most one final consonant or a doubled one ("ALL", "ODD"), a silent final E not counted ("ICE", "ONE").
 */
function isSyllable(word: string): boolean {
  const w = /[AEIOU][^AEIOU]E$/.test(word) ? word.slice(0, -1) : word;
  const onsetOk = (onset: string) => onset.length <= 1 || ONSETS.has(onset);
  if (!/[AEIOU]/.test(w)) return /^[^AEIOUY]{1,2}Y$/.test(w) && onsetOk(w.slice(0, -1)); // "MY", "WHY", "SKY"
  const parts = /^([^AEIOU]*)([AEIOU]+)([^AEIOU]*)$/.exec(w);
  if (!parts) return false; // two vowel groups: "USA", "API", "UFO"
  const [, onset, nucleus, coda] = parts;
  const codaOk = coda.length <= 1 || (coda.length === 2 && coda[0] === coda[1]);
  return onsetOk(onset) && (nucleus.length === 1 || VOWEL_DIGRAPHS.has(nucleus)) && codaOk;
}

/**
 * Whether an all-capitals word reads as a word. Two letters: a short closed list; three: the shape of one syllable,
 * minus known initialisms; four or more: vowels, no three consonants in a row, a valid start.
 */
export function isPronounceable(word: string): boolean {
  if (SAID_AS_WORDS.has(word)) return true;
  if (SPELLED.has(word) || SYLLABLE_INITIALISMS.has(word)) return false;
  if (word.length <= 2) return TWO_LETTER_WORDS.has(word);
  if (word.length === 3) return isSyllable(word);
  if (word.length >= 7 && /[AEIOUY]/.test(word)) return true; // "CONTENTS", "ADVENTURES": words, not acronyms
  const onset = /^[^AEIOU]*/.exec(word)?.[0] ?? '';
  if (onset.length > 1 && !ONSETS.has(onset)) return false;
  const rest = word.slice(onset.length);
  return /[AEIOU]/.test(rest) && !/[^AEIOUY]{3}/.test(rest);
}

const CAPS_WORD = /(?<![\w'’-])([A-Z][A-Z]+)('s|s)?(?![\w'’])/g;
const SPECIAL_WORD = /\b(OK|PhDs?|TVs?)\b/g;

/** A line written mostly in capitals is a heading or shouting, not a row of acronyms. */
function isShouted(line: string): boolean {
  const words = line.match(/[A-Za-z]{2,}/g) ?? [];
  if (words.length === 0) return false;
  return words.filter((w) => w === w.toUpperCase()).length / words.length >= 0.6;
}

/**
 * Letters joined by hyphens ("F-B-I"): espeak-ng then says each letter's name, where with spaces
 * it reads a lone "A" as the article ("A T and T" -> "uh tee").
 */
export function spellLetters(letters: string): string {
  return letters.split('').join('-');
}

function spellOut(letters: string, suffix: string | undefined): string {
  const spelled = spellLetters(letters);
  return suffix ? `${spelled}'s` : spelled;
}

/**
 * Spells out unpronounceable acronyms letter by letter ("FBI's" -> "F-B-I's", "CDs" -> "C-D's");
 * in a line written in capitals, words are lower-cased instead, except short ones that could only be spelled.
 */
export function normalizeAcronyms(text: string): string {
  return text.split('\n').map((line) => {
    const shouted = isShouted(line);
    const withSpecials = line.replace(SPECIAL_WORD, (w) => SPECIAL[w]);
    return withSpecials.replace(CAPS_WORD, (whole, letters: string, suffix?: string) => {
      if (SAID_AS_WORDS.has(letters)) return whole;
      if (shouted && (COMMON_SHORT.has(letters) || (letters.length === 3 && isPronounceable(letters)) || (letters.length >= 4 && /[AEIOUY]/.test(letters)))) {
        return whole.toLowerCase();
      }
      return isPronounceable(letters) ? whole : spellOut(letters, suffix);
    });
  }).join('\n');
}
