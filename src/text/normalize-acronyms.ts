/** Upper-case words: spell out acronyms that are not said as words ("FBI" -> "F-B-I", "NASA" stays) and calm shouted lines. */

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

/** Whether an all-capitals word reads as a word: vowels, no three consonants in a row, a valid start. */
export function isPronounceable(word: string): boolean {
  if (SAID_AS_WORDS.has(word)) return true;
  if (SPELLED.has(word) || word.length <= 3) return false;
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
      if (shouted && (COMMON_SHORT.has(letters) || (letters.length >= 4 && /[AEIOUY]/.test(letters)))) {
        return whole.toLowerCase();
      }
      return isPronounceable(letters) ? whole : spellOut(letters, suffix);
    });
  }).join('\n');
}
