/** Symbols left after numbers are read (&, %, @, +, =, #, ©, brackets ...) in words, then a final punctuation tidy-up. */

const SYMBOL_WORDS: Array<[RegExp, string]> = [
  [/&/g, ' and '],
  [/%/g, ' percent '],
  [/(?<=\w)\+\+/g, ' plus plus '], // C++
  [/\+/g, ' plus '],
  [/(?<![=<>!])=(?!=)/g, ' equals '],
  [/#(?=[A-Za-z])/g, ' hashtag '],
  [/#/g, ' hash '],
  [/@(?=\w)/g, ' at '],
  [/@/g, ' at '],
  [/ ?~ ?(?=\d|[a-z]+ )/g, ' about '],
  [/ < /g, ' less than '],
  [/ > /g, ' greater than '],
  [/×/g, ' times '],
  [/÷/g, ' divided by '],
  [/±/g, ' plus or minus '],
  [/≈/g, ' approximately '],
  [/≠/g, ' is not equal to '],
  [/[→⇒]/g, ' to '],
  [/©/g, ' copyright '],
  [/§/g, ' section '],
  [/°/g, ' degrees '],
  [/\$/g, ' dollars '],
  [/£/g, ' pounds '],
  [/€/g, ' euros '],
  [/¥/g, ' yen '],
  [/\bw\/o\b/g, 'without'],
  [/\bw\/(?= )/g, 'with'],
  [/\band\/or\b/g, 'and or'],
  [/(?<=[A-Za-z])\/(?=[A-Za-z])/g, ' or '], // "his/her"
  [/\//g, ' slash '],
  [/[([{]/g, ', '],
  [/[)\]}]/g, ', '],
  // Nothing to say for the rest: markup, bullets, trademark signs, stray accents.
  [/[*_^|\\<>`~®™¶•·†‡]/g, ' '],
];

/** Replaces symbols by words and removes unspeakable ones. */
export function normalizeSymbols(text: string): string {
  let out = text;
  for (const [pattern, words] of SYMBOL_WORDS) out = out.replace(pattern, words);
  return out;
}

/**
 * Leaves clean spoken text: single spaces, no space before punctuation, no doubled or dangling
 * commas (from removed brackets), paragraph breaks kept.
 */
export function tidyPunctuation(text: string): string {
  return text
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/ +([,.?!;:])(?!\d)/g, '$1')
    .replace(/,(?:\s*,)+/g, ',')
    .replace(/,\s*([.?!;:])/g, '$1')
    .replace(/([.?!;:]),/g, '$1')
    .replace(/^[,;:] ?/gm, '')
    .replace(/,$/gm, '')
    .replace(/([,;:])(?=[A-Za-z])/g, '$1 ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
