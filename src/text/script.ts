/** Whether a text is in a script the English front end reads (Latin letters), before it is spelled out sign by sign. */
import { ParlaError } from '../errors.js';

const SCRIPTS = ['Han', 'Hiragana', 'Katakana', 'Hangul', 'Cyrillic', 'Greek', 'Arabic', 'Hebrew', 'Devanagari', 'Thai', 'Georgian', 'Armenian', 'Bengali', 'Tamil', 'Ethiopic'] as const;

/** The name of the first non-Latin script among the text's letters (for the message), or "another". */
function scriptOf(text: string): string {
  return SCRIPTS.find((s) => new RegExp(`\\p{Script=${s}}`, 'u').test(text)) ?? 'another';
}

/**
 * Refuses a text with letters but none of them Latin (and no digits): the phonemizer reads such text as English
 * letter names ("Chinese letter, Chinese letter, ...") or spells it out letter by letter. Mixed text (an English
 * sentence with a name in another script) passes.
 * @param param what the caller calls the text (the API's "input")
 * @throws ParlaError unsupported_language
 */
export function checkLatinScript(text: string, param = 'text'): void {
  if (/\p{Script=Latin}|\p{Nd}/u.test(text) || !/\p{L}/u.test(text)) return;
  throw new ParlaError('unsupported_language', `the text is in ${scriptOf(text)} script, with no Latin letters: this model reads English ("${text.trim().slice(0, 40)}")`, { param });
}
