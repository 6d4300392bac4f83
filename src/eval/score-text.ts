/** Text normalization applied identically to reference and ASR hypothesis before WER/CER scoring. */

/**
 * Lower-cases, maps typographic apostrophes to ', turns hyphens, slashes and other punctuation into
 * word breaks, keeps apostrophes inside words ("don't", as in the ASR dictionary) and collapses spaces.
 *
 * Not yet done here: spoken forms of digits, currency and abbreviations ("3" vs "three"); that is the
 * job of src/text/normalize.ts, which should run first once it exists so "3" and "three" score equal.
 */
export function normalizeForScoring(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/[^\p{L}\p{N}']+/gu, ' ')
    // An apostrophe only survives between two word characters.
    .replace(/(^|[^\p{L}\p{N}])'+|'+(?=[^\p{L}\p{N}]|$)/gu, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
