/** Text normalization applied identically to reference and ASR hypothesis before WER/CER scoring. */
import { normalizeText } from '../text/normalize.js';

/**
 * Spoken form first (src/text/normalize: "3" -> "three", "$5" -> "five dollars", "Dr." -> "Doctor";
 * acronyms are not spelled out, since the ASR writes "fbi" and the reference would become "F B I"),
 * then lower case, typographic apostrophes mapped to ', hyphens, slashes and other punctuation turned
 * into word breaks, apostrophes kept only inside words ("don't", as in the ASR dictionary), spaces collapsed.
 */
export function normalizeForScoring(text: string): string {
  return normalizeText(text, { spellAcronyms: false })
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    // An apostrophe only survives between two word characters.
    .replace(/(^|[^\p{L}\p{N}])'+|'+(?=[^\p{L}\p{N}]|$)/gu, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
