/** Sentence splitting (raw or normalized text) and packing sentences into synthesis chunks under a budget. */
import { ParlaError } from '../errors.js';
import { MAYBE_FINAL, NEVER_FINAL, NUMBER_PREFIXES, SENTENCE_STARTERS } from './abbreviations.js';

// Sentence-final punctuation followed by optional closing quotes/brackets, then a space or the end.
const CANDIDATE_END = /(?:\.{2,}|…|[.!?]+)["'”’»)\]]*(?= |$)/g;
const LIST_ITEM = /^(?:[-*•–—]|\d{1,3}[.)]) /;
const TERMINAL = /[.!?…:;"'”’»)\]]$/;
const SPEAKABLE = /[\p{L}\p{N}]/u;

/**
 * Splits text into sentences. A blank line always ends a sentence; a single line break is a
 * space unless the line looks like a heading or the next one is a list item. A period ends a
 * sentence unless it belongs to an abbreviation ("Dr. Smith", "e.g. this", "U.S. Army"), an
 * initial ("John F. Kennedy") or a number ("3.14"); "?", "!" and "..." end one unless a lower-case
 * word follows ('"Hello!" she said'). Sentences with nothing to say ("...", "!!") are dropped.
 *
 * @returns trimmed sentences with single spaces, in order.
 * @throws ParlaError('invalid_input', param 'text') when `text` is not a string.
 */
export function splitSentences(text: string): string[] {
  if (typeof text !== 'string') {
    throw new ParlaError('invalid_input', `splitSentences: "text" must be a string, got ${text === null ? 'null' : typeof text}`, { param: 'text' });
  }
  const sentences: string[] = [];
  for (const paragraph of text.replace(/\r\n?/g, '\n').split(/\n[^\S\n]*\n/)) {
    for (const block of blocksOfParagraph(paragraph)) sentences.push(...splitBlock(block));
  }
  return sentences.filter((s) => SPEAKABLE.test(s));
}

/** Joins the lines of one paragraph into blocks of running text; headings and list items stand alone. */
function blocksOfParagraph(paragraph: string): string[] {
  const lines = paragraph.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean);
  const longest = Math.max(0, ...lines.map((l) => l.length));
  const blocks: string[] = [];
  let current = '';
  lines.forEach((line, i) => {
    current = current ? `${current} ${line}` : line;
    const next = lines[i + 1];
    if (next === undefined) return;
    const nextIsListItem = LIST_ITEM.test(next);
    // A short line without final punctuation before a capitalised line is a heading or a verse line.
    const isHeading = !TERMINAL.test(line) && (line.length <= 40 || line.length < 0.6 * longest) && /^["'“‘(]?[\p{Lu}\d]/u.test(next);
    if (nextIsListItem || isHeading) {
      blocks.push(current);
      current = '';
    }
  });
  if (current) blocks.push(current);
  return blocks;
}

/** Whether the punctuation `mark` ending at `end` in `block` ends the sentence. */
function endsSentence(block: string, markStart: number, mark: string, end: number): boolean {
  if (end >= block.length) return true;
  const next = /^ ["'“‘(\[]*(\S*)/.exec(block.slice(end, end + 60))?.[1] ?? '';
  const nextWord = next.replace(/[^\p{L}\p{N}'’-].*$/u, '');
  const startsLower = /^\p{Ll}/u.test(next);
  const bare = mark.replace(/["'”’»)\]]+$/, '');
  if (/[?!]/.test(bare)) return !startsLower;
  if (bare.length > 1 || bare === '…') return /^\p{Lu}/u.test(next); // ellipsis: a pause unless a new sentence starts
  if (startsLower) return false;
  if (bare !== mark) return true; // 'He said "Stop." Then ...': a closing quote after the period
  const word = /([\p{L}\d][\p{L}\d.]*)$/u.exec(block.slice(Math.max(0, markStart - 40), markStart))?.[1] ?? '';
  const lower = word.toLowerCase();
  if (NEVER_FINAL.has(lower)) return false;
  if (NUMBER_PREFIXES.has(lower) && /^\d/.test(next)) return false;
  const initialOrAbbreviation = MAYBE_FINAL.has(lower) || /^(?:\p{L}\.)+\p{L}$/u.test(word) || /^[A-HJ-Z]$/.test(word);
  if (initialOrAbbreviation) return SENTENCE_STARTERS.has(nextWord) || next === '';
  return true;
}

/** Splits one block of running text at sentence ends. */
function splitBlock(block: string): string[] {
  const sentences: string[] = [];
  let start = 0;
  for (const match of block.matchAll(CANDIDATE_END)) {
    const markStart = match.index ?? 0;
    const end = markStart + match[0].length;
    if (!endsSentence(block, markStart, match[0], end)) continue;
    sentences.push(block.slice(start, end).trim());
    start = end;
  }
  const rest = block.slice(start).trim();
  if (rest) sentences.push(rest);
  return sentences;
}

export interface ChunkOptions {
  /** Largest size of one chunk, in the units `measure` returns (for Parla: phonemes). */
  maxUnits: number;
  /** Size of a piece of text, e.g. its phoneme count; called on candidate chunks, so it should be fast. */
  measure: (text: string) => number;
}

// Clause boundaries tried in order before falling back to word boundaries.
const CLAUSE_BREAKS = [/(?<=[;:—])\s+/, /(?<=,)\s+/, /\s+/];

/**
 * Packs whole sentences into chunks of at most `maxUnits` (as `measure` counts the joined text).
 * A sentence over the budget is cut at ";", ":", "—", then ",", then between words; never inside
 * a word, so a single word longer than the budget becomes a chunk of its own.
 *
 * @returns chunks in order; joining them with spaces gives back the sentences' words.
 * @throws ParlaError('invalid_input') for a budget that is not a positive number or a measure that
 *   returns a negative or non-finite size.
 */
export function chunkSentences(sentences: string[], opts: ChunkOptions): string[] {
  const { maxUnits, measure } = opts;
  if (!Array.isArray(sentences)) throw new ParlaError('invalid_input', 'chunkSentences: "sentences" must be an array of strings', { param: 'sentences' });
  if (typeof maxUnits !== 'number' || !(maxUnits > 0) || !Number.isFinite(maxUnits)) {
    throw new ParlaError('invalid_input', `chunkSentences: "maxUnits" must be a positive finite number, got ${String(maxUnits)}`, { param: 'maxUnits' });
  }
  if (typeof measure !== 'function') throw new ParlaError('invalid_input', 'chunkSentences: "measure" must be a function', { param: 'measure' });
  const size = (s: string): number => {
    const units = measure(s);
    if (typeof units !== 'number' || !Number.isFinite(units) || units < 0) {
      throw new ParlaError('invalid_input', `chunkSentences: "measure" returned ${String(units)} for "${s.slice(0, 40)}"; it must return a finite number >= 0`, { param: 'measure' });
    }
    return units;
  };
  const pieces = sentences.map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean).flatMap((s) => fitPiece(s, 0, maxUnits, size));
  return pack(pieces, maxUnits, size);
}

/** Greedy packing: each piece joins the current chunk while the joined text stays within budget. */
function pack(pieces: string[], maxUnits: number, size: (s: string) => number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const piece of pieces) {
    const candidate = current ? `${current} ${piece}` : piece;
    if (!current || size(candidate) <= maxUnits) {
      current = candidate;
    } else {
      chunks.push(current);
      current = piece;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

/** Cuts one over-long piece at the boundaries of `CLAUSE_BREAKS[level]` and deeper, packing the parts again. */
function fitPiece(piece: string, level: number, maxUnits: number, size: (s: string) => number): string[] {
  if (level >= CLAUSE_BREAKS.length || size(piece) <= maxUnits) return [piece];
  const parts = piece.split(CLAUSE_BREAKS[level]).filter(Boolean);
  if (parts.length <= 1) return fitPiece(piece, level + 1, maxUnits, size);
  const fitted = parts.flatMap((part) => fitPiece(part, level + 1, maxUnits, size));
  return pack(fitted, maxUnits, size);
}
