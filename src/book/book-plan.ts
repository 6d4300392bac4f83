/** A book's selected chapters cut into synthesis chunks: stable ids, text, and the pause that follows each chunk. */
import { ParlaError } from '../errors.js';
import { normalizeText } from '../text/normalize.js';
import { chunkSentences, splitSentences } from '../text/split.js';
import type { Chapter } from './types.js';

/** Phoneme budget per chunk, counted as characters of normalized text (espeak IPA is about as long; the engine's measure). */
export const DEFAULT_BOOK_CHUNK_PHONEMES = 150;

/** What separates a chunk from the next one in its chapter. */
export type PauseKind = 'sentence' | 'paragraph' | 'end';

export interface PlannedChunk {
  /** Stable across runs of the same input and budget: `c<chapter>-p<paragraph>-k<chunk>`; the journal key. */
  id: string;
  /** As written in the book (the engine normalizes it); shown in subtitles and the failure list. */
  text: string;
  /** The sentences the chunk holds, for sentence-level subtitle cues. */
  sentences: string[];
  pauseAfter: PauseKind;
}

export interface PlannedChapter {
  index: number;
  title: string;
  /** The title first (spoken at the chapter start), then the body. */
  chunks: PlannedChunk[];
  /** Sum of chunk text lengths (progress counts characters). */
  chars: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Cuts one paragraph into chunks of whole sentences under `budget` (sentences over it are cut at clauses, then words). */
function paragraphChunks(paragraph: string, budget: number): { text: string; sentences: string[] }[] {
  const sentences = splitSentences(paragraph);
  const measure = (s: string): number => Array.from(normalizeText(s)).length;
  // A chunk's own sentences (for subtitle cues): a sentence cut at a clause is a cue of its own part.
  return chunkSentences(sentences, { maxUnits: budget, measure }).map((text) => {
    const inside = splitSentences(text);
    return { text, sentences: inside.length ? inside : [text] };
  });
}

export function planChapters(chapters: Chapter[], budget = DEFAULT_BOOK_CHUNK_PHONEMES): PlannedChapter[] {
  if (!Number.isInteger(budget) || budget < 20) {
    throw new ParlaError('invalid_input', `chunk budget must be an integer >= 20 phonemes, got ${budget}`, { param: 'chunkPhonemes' });
  }
  return chapters.map((ch) => {
    const paragraphs = [ch.title, ...ch.paragraphs];
    const chunks: PlannedChunk[] = [];
    paragraphs.forEach((paragraph, p) => {
      const pieces = paragraphChunks(paragraph, budget);
      pieces.forEach((piece, k) => {
        chunks.push({ id: `c${pad(ch.index, 4)}-p${pad(p, 5)}-k${pad(k, 3)}`, text: piece.text, sentences: piece.sentences, pauseAfter: k < pieces.length - 1 ? 'sentence' : 'paragraph' });
      });
    });
    if (chunks.length === 0) throw new ParlaError('empty_input', `chapter ${ch.index} "${ch.title}" has nothing to read`, { param: 'chapters' });
    chunks[chunks.length - 1].pauseAfter = 'end';
    return { index: ch.index, title: ch.title, chunks, chars: chunks.reduce((n, c) => n + c.text.length, 0) };
  });
}
