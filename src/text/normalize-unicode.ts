/** First normalization pass: plain ASCII-like punctuation, no control characters or emoji, tidy whitespace. */

// Vulgar fractions become "1/2" text before compatibility folding, which would glue
// "3½" into "31⁄2"; the number pass then reads "3 1/2" as "three and one half".
const VULGAR_FRACTIONS: Record<string, string> = {
  '½': '1/2', '⅓': '1/3', '⅔': '2/3', '¼': '1/4', '¾': '3/4', '⅕': '1/5', '⅖': '2/5', '⅗': '3/5',
  '⅘': '4/5', '⅙': '1/6', '⅚': '5/6', '⅛': '1/8', '⅜': '3/8', '⅝': '5/8', '⅞': '7/8',
};

const PUNCTUATION: Array<[RegExp, string]> = [
  [/[\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033\u301D\u301E\uFF02]/g, '"'],
  [/[\u2018\u2019\u201A\u201B\u2039\u203A\u2032\u0060\u00B4]/g, "'"],
  [/(?<=\d)[\u2012\u2013](?=\d)/g, '-'], // en dash in "1990–1995" is a range hyphen
  [/[\u2010\u2011\u2212\uFE63\uFF0D]/g, '-'], // hyphens and the minus sign
  [/ ?(?:[\u2012\u2013\u2014\u2015]|--+) ?|(?<!\d) - (?!\d)/g, ' — '], // dashes between clauses
  [/\u2026/g, '...'],
  [/\u2044/g, '/'],
  // Emphasis markup from Markdown and Project Gutenberg (_italic_, *bold*, =bold=) hides the words
  // from every later pattern ("_vs._", "=Chapter IV=").
  [/(?<![\w*_=])[*_=]+(?=[\w"'(])|(?<=[\w.,;:!?"')])[*_=]+(?![\w*_=])/g, ''],
];

// Emoji, pictographs, their modifiers, joiners and flags carry no speakable text (©, ®, ™ are read later).
const EMOJI = /(?![©®™])[\p{Extended_Pictographic}\p{Emoji_Modifier}\u{1F1E6}-\u{1F1FF}\u200D\uFE0E\uFE0F\u20E3]/gu;
// Control and format characters except newline and tab (tab becomes a space below).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u200B\u200C\u2060\uFEFF]/g;
// Compatibility forms worth folding: ligatures (ﬁ), full-width ASCII, letterlike symbols (℃, №).
const COMPATIBILITY = /[\uFB00-\uFB06\uFF01-\uFF5E\u2100-\u214F]/g;

/**
 * Cleans raw text: NFC, straight quotes, "-" for hyphens/minus, " — " for clause dashes,
 * "..." for ellipses, no control characters or emoji; spaces collapsed, lines trimmed,
 * blank-line paragraph breaks kept (as exactly one empty line).
 */
export function normalizeUnicode(text: string): string {
  let out = text.normalize('NFC').replace(/\r\n?/g, '\n');
  out = out.replace(/(\d?)([½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])/g, (_m, digit: string, frac: string) =>
    (digit ? `${digit} ` : '') + VULGAR_FRACTIONS[frac]);
  out = out.replace(COMPATIBILITY, (c) => c.normalize('NFKC'));
  out = out.replace(CONTROL, '').replace(EMOJI, '');
  for (const [pattern, replacement] of PUNCTUATION) out = out.replace(pattern, replacement);
  return collapseWhitespace(out);
}

/** Collapses runs of spaces, trims every line, keeps at most one blank line between paragraphs. */
export function collapseWhitespace(text: string): string {
  return text
    .replace(/[\t\v\f\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000 ]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/ +([,.?!;:])(?!\d)/g, '$1')
    .trim();
}
