/**
 * Where streamed speech starts. A text chunk is synthesized whole (AR, then NAR over all its frames, then the
 * codec) before its first audio leaves, so the first chunk's length is the time to first audio: on the bench
 * models about 15 ms per character on top of a fixed ~0.3 s (AR prefill, 7 NAR stages over text + prompt, one
 * codec piece), measured at trained-speech lengths on the 2-core machine under load. (One exception: a first chunk
 * spliced from several candidates without a NAR starts with its first word group as soon as every candidate has
 * said it, early-head.ts.)
 *
 * The first chunk therefore ends at the first natural break (a sentence end, or , ; : — ...) that leaves at least
 * FIRST_MIN_UNITS on both sides, within the first-chunk budget. A text with no such break is cut between words,
 * early (within WORD_CUT_SHARE of the budget): before a word that starts a phrase ("in", "and", "which", ...) when
 * there is one, else at least not after a word that leans on the next ("the", "my", "of", "was", ...); never
 * inside a word. Such a cut is marked `midPhrase` and the engine joins it without a pause.
 *
 * The chunks after it grow by about RAMP times the previous one, so each is generated while the audio before it
 * plays: a short first chunk followed at once by a full-size one would leave a gap at the second chunk whenever
 * the engine runs slower than 1 / (second chunk's length / first chunk's length) real time. These ramp chunks also
 * end at natural breaks: the last one within the ramp budget (a sentence end over a later clause break when it
 * fills half the budget), else the next break within the full budget (a late chunk only lengthens the pause at a
 * break, while a cut between words is always heard), else between words as above.
 */
import { chunkSentences, splitSentences } from '../text/split.js';

/** Growth of the chunk budget after the first chunk: gapless streaming at real-time factors up to 1 / RAMP. */
export const RAMP = 4;
/** Shortest first chunk cut at a natural break, and shortest rest left behind it (units of the measure). */
export const FIRST_MIN_UNITS = 12;
/** A first chunk cut between words (no natural break within the budget) takes at most this share of the budget. */
export const WORD_CUT_SHARE = 0.6;

/** Clause punctuation at the end of a word (closing quotes and brackets allowed after it). */
const CLAUSE_END = /(?:[,;:—…]|\.\.\.)["'”’»)\]]*$/;
/** Words that start a phrase: a speaker may pause before them, so a cut between words goes there when it can. */
const PHRASE_STARTERS = new Set(
  ('and but or nor so yet because although though while when whenever where wherever which who whom whose that if unless ' +
    'until since as after before during through into onto with without from about above below under over between against ' +
    'across along around behind beyond toward towards near upon in on at to for').split(' '),
);

/** Words that lean on the word after them: a chunk should not end on one. */
const LEANERS = new Set(
  ('a an the my your his her its our their this these those some any no every each another such what ' +
    'of to and or but nor so if than as that which who whose ' +
    'is are was were be been being am have has had do does did will would shall should can could may might must ' +
    'not very too more most less').split(' '),
);

export interface PlanOptions {
  /** Budget of the chunks after the ramp. */
  maxUnits: number;
  /** Budget of the first chunk (>= maxUnits: no special first chunk, no ramp). */
  firstMaxUnits: number;
  measure: (text: string) => number;
}

export interface PlannedChunk {
  text: string;
  /** Cut between two words of a phrase (no punctuation, not a sentence end): joined to the next chunk without a pause. */
  midPhrase: boolean;
}

interface Word {
  word: string;
  /** A natural break follows: the end of a sentence, or clause punctuation. */
  natural: boolean;
  sentenceEnd: boolean;
}

type Measure = (text: string) => number;

/** Chunks in order; their texts joined with spaces give back the sentences' words. */
export function planChunkTexts(sentences: string[], o: PlanOptions): PlannedChunk[] {
  const { maxUnits: max, firstMaxUnits: firstMax, measure } = o;
  const all = sentences.flatMap((s) => {
    const ws = s.split(/\s+/).filter(Boolean);
    return ws.map((word, i): Word => ({ word, natural: i === ws.length - 1 || CLAUSE_END.test(word), sentenceEnd: i === ws.length - 1 }));
  });
  if (firstMax >= max) return marked(chunkSentences(sentences, { maxUnits: max, measure }), all);
  const chunks: string[] = [];
  let words = all;
  let n = firstCut(words, firstMax, measure);
  for (;;) {
    const chunk = join(words, n);
    chunks.push(chunk);
    words = words.slice(n);
    if (words.length === 0) break;
    const budget = Math.min(max, Math.max(firstMax, RAMP * measure(chunk)));
    if (budget >= max) {
      chunks.push(...chunkSentences(splitSentences(join(words, words.length)), { maxUnits: max, measure }));
      break;
    }
    n = rampCut(words, budget, max, measure);
  }
  return marked(chunks, all);
}

const join = (words: Word[], n: number): string => words.slice(0, n).map((w) => w.word).join(' ');

/** Marks the chunks (prefixes of `words`, in order) that end between two words of a phrase. */
function marked(chunks: string[], words: Word[]): PlannedChunk[] {
  let at = 0;
  return chunks.map((text) => {
    at += text.split(/\s+/).filter(Boolean).length;
    return { text, midPhrase: at < words.length && !words[at - 1].natural };
  });
}

const bare = (w: Word | undefined): string => (w ? w.word.toLowerCase().replace(/[^\p{L}'’-]/gu, '') : '');

/** How good a cut between words[n - 1] and words[n] is: 2 before a phrase starter, 1 after a word that leans on nothing, else 0. */
function cutQuality(words: Word[], n: number): number {
  if (LEANERS.has(bare(words[n - 1]))) return 0;
  return PHRASE_STARTERS.has(bare(words[n])) ? 2 : 1;
}

/** Words in the first chunk (see the module comment for the rule); at least one. */
function firstCut(words: Word[], maxUnits: number, measure: Measure): number {
  const min = Math.min(FIRST_MIN_UNITS, maxUnits);
  const wordCut = Math.max(min, Math.floor(maxUnits * WORD_CUT_SHARE));
  // Only whether the rest reaches `min` matters: every word is at least one unit, so `min` words are enough to look at.
  const restReaches = (n: number): boolean => n === words.length || measure(join(words.slice(n), min)) >= min;
  const cut = new WordCut();
  let shortRestAt = 0;
  for (let n = 1; n <= words.length; n++) {
    const size = measure(join(words, n));
    if (size > maxUnits) return shortRestAt || cut.best(1);
    if (words[n - 1].natural && size >= min) {
      if (restReaches(n)) return n;
      shortRestAt ||= n; // a natural break before a short tail still beats a cut between words
    }
    if (size <= wordCut && restReaches(n)) cut.offer(n, size >= min ? cutQuality(words, n) : -1);
  }
  return words.length; // the whole text fits and has no break past `min`: it is short
}

/** Words in a ramp chunk: see the module comment for the order of preference. */
function rampCut(words: Word[], budget: number, max: number, measure: Measure): number {
  let sentenceEnd = 0; // the last sentence end within the budget that fills at least half of it
  let last = 0; // the last natural break within the budget
  let fits = 1;
  const cut = new WordCut();
  for (let n = 1; n <= words.length; n++) {
    const size = measure(join(words, n));
    if (size > max) break;
    fits = n;
    if (n < words.length) cut.offer(n, cutQuality(words, n));
    if (!words[n - 1].natural) continue;
    if (size > budget) return sentenceEnd || last || n;
    if (words[n - 1].sentenceEnd && size >= budget / 2) sentenceEnd = n;
    last = n;
  }
  // The text's last word ends a sentence, so reaching here means no break within `max`: cut between words.
  return sentenceEnd || last || cut.best(fits);
}

/** The latest of the best-quality cuts offered. */
class WordCut {
  private at = 0;
  private quality = -Infinity;

  offer(n: number, quality: number): void {
    if (quality >= this.quality) {
      this.at = n;
      this.quality = quality;
    }
  }

  best(fallback: number): number {
    return this.at || fallback;
  }
}
