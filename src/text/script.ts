/** Whether a text is in a script the English front end reads (Latin letters), before it is read out sign by sign. */
import { ParlaError } from '../errors.js';

const SCRIPTS = ['Han', 'Hiragana', 'Katakana', 'Hangul', 'Cyrillic', 'Greek', 'Arabic', 'Hebrew', 'Devanagari', 'Thai', 'Georgian', 'Armenian', 'Bengali', 'Tamil', 'Ethiopic'] as const;

/** Two or more letters in a row, none of them Latin: a word in another script. */
const FOREIGN_WORD = /(?:(?!\p{Script=Latin})\p{L}){2,}/u;

/** The name of the script of `word` (for the message), or "another". */
function scriptOf(word: string): string {
  return SCRIPTS.find((s) => new RegExp(`\\p{Script=${s}}`, 'u').test(word)) ?? 'another';
}

/**
 * Refuses a text with a word in another script: the phonemizer reads it as English letter names ("Japanese letter,
 * Japanese letter ...", "em o es ka ve a") or fails on it. A lone symbol passes ("the value of π").
 * @param param what the caller calls the text (the API's "input")
 * @throws ParlaError unsupported_language, naming the word and its script
 */
export function checkLatinScript(text: string, param = 'text'): void {
  const word = FOREIGN_WORD.exec(text)?.[0];
  if (word === undefined) return;
  const shown = word.length > 20 ? `${word.slice(0, 20)}...` : word;
  throw new ParlaError('unsupported_language', `the text has a word in ${scriptOf(word)} script ("${shown}"): this model reads English; write it in Latin letters`, { param });
}
