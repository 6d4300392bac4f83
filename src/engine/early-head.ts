/**
 * A stream's first audio before its first chunk is complete. With several candidates spliced by groups of words
 * (splice.ts), a chunk's audio used to leave only once every candidate was generated, decoded, heard and spliced: in
 * a real voice with four candidates, about 0.5 s for a 55-character first chunk (AR steps half of it, five codec
 * decodes a fifth, four reader passes and the JS around them the rest). But the splice chooses each group on its own,
 * and a phoneme pointer only moves forward: once every candidate has moved past the first group of words (and
 * HEAD_MARGIN_FRAMES further, the right context the codec decoder and the reader need to render and hear its end the
 * way they will in the whole take), the first group's frames are final in every candidate. So it is chosen then,
 * from what has been generated so far, and starts to play while the AR finishes the chunk; the final splice keeps
 * that choice (spliceCandidates' `firstFrom`).
 */
import type { ReaderDims } from '../lm/code-reader.js';
import type { ArProgress, ArResult } from './ar-decode.js';
import { SEP_ID } from '../text/symbols.js';
import { spliceCandidates, textSegments } from './splice.js';

/** Frames generated past the first word group before it is judged (0.2 s at 50 frames/s). */
export const HEAD_MARGIN_FRAMES = 10;
/** Largest share of the chunk's text row (target part) the first word group may take for an early start. */
export const MAX_HEAD_SHARE = 0.5;

/** The first word group as chosen early: the candidate it comes from, and its frames. */
export interface Head {
  candidate: number;
  codes: Int32Array;
  phonemes: Int32Array;
}

/** Watches a chunk's candidates as they are generated, until every one has spoken the first group of words. */
export class HeadWatch {
  /** True once every candidate is past the first group by the margin (or finished); false if all finished first. */
  readonly ready: Promise<boolean>;
  private settle!: (ready: boolean) => void;
  private settled = false;
  /** `ready` resolved true (known at once, where the promise tells only a turn later). */
  isReady = false;
  /** Per candidate, the frame count when its pointer left the first group (-1: not yet). */
  private readonly passedAt: number[];
  private readonly latest: (ArProgress | undefined)[];
  private readonly finished: (ArResult | undefined)[];

  private constructor(
    private readonly segments: Int32Array,
    candidates: number,
    private readonly margin: number,
  ) {
    this.ready = new Promise((resolve) => (this.settle = resolve));
    this.passedAt = new Array<number>(candidates).fill(-1);
    this.latest = new Array<ArProgress | undefined>(candidates).fill(undefined);
    this.finished = new Array<ArResult | undefined>(candidates).fill(undefined);
  }

  /**
   * A watch over `candidates` candidates of the AR text row `text`; null when the first word group is more than
   * MAX_HEAD_SHARE of the text (little to gain; the early choice costs a decode and a reader pass per candidate).
   */
  static of(text: ArrayLike<number>, words: number, firstPhonemeId: number, candidates: number, margin = HEAD_MARGIN_FRAMES): HeadWatch | null {
    const segments = textSegments(text, words, firstPhonemeId);
    const sep = Array.prototype.indexOf.call(text, SEP_ID) as number;
    const target = segments.subarray(sep + 1);
    const first = target.filter((s) => s === 0).length;
    return first <= MAX_HEAD_SHARE * target.length ? new HeadWatch(segments, candidates, margin) : null;
  }

  /** Candidate k kept a group (ArJob.onGroup). */
  update(k: number, progress: ArProgress): void {
    this.latest[k] = progress;
    if (this.passedAt[k] < 0 && progress.position >= 0 && this.segments[progress.position] > 0) this.passedAt[k] = progress.frames;
    this.check();
  }

  /** Candidate k is complete. */
  finish(k: number, result: ArResult): void {
    this.finished[k] = result;
    this.check();
  }

  /**
   * Every candidate as far as the head needs it: a finished one whole, the others cut HEAD_MARGIN_FRAMES past the
   * first group (so each is heard with the same right context).
   */
  partials(): ArResult[] {
    return this.finished.map((done, k) => done ?? cut(this.latest[k]!.partial(), this.passedAt[k] + this.margin));
  }

  private check(): void {
    if (this.settled) return;
    const past = (k: number): boolean => this.passedAt[k] >= 0 && this.latest[k]!.frames - this.passedAt[k] >= this.margin;
    const states = this.finished.map((done, k) => (done ? 'done' : past(k) ? 'past' : 'speaking'));
    if (states.includes('speaking')) return;
    this.settled = true;
    // All finished before the head was ready: the whole chunk is there, nothing to gain by an early choice.
    this.isReady = states.includes('past');
    this.settle(this.isReady);
  }
}

/**
 * The first word group's best take among `partials` (as spliceCandidates chooses it; `logProbsOf`: the reader's view
 * of a candidate decoded as far as it goes), or null when no candidate speaks it or one cannot be heard.
 */
export async function chooseHead(
  partials: readonly ArResult[],
  logProbsOf: (candidate: ArResult) => Promise<{ data: Float32Array; frames: number } | null>,
  text: ArrayLike<number>,
  words: number,
  dims: ReaderDims,
): Promise<Head | null> {
  const heard = [];
  for (const c of partials) {
    const logProbs = c.positions && c.phonemes ? await logProbsOf(c) : null;
    if (!logProbs) return null;
    heard.push({ codes: c.codes, phonemes: c.phonemes!, positions: c.positions!, logProbs: logProbs.data, frames: logProbs.frames });
  }
  const spliced = spliceCandidates(heard, text, words, dims);
  const candidate = spliced.choices[0];
  if (candidate < 0) return null;
  const n = spliced.lengths[0];
  return { candidate, codes: spliced.codes.slice(0, n), phonemes: spliced.phonemes.slice(0, n) };
}

function cut(r: ArResult, frames: number): ArResult {
  return { ...r, codes: r.codes.slice(0, frames), phonemes: r.phonemes?.slice(0, frames), positions: r.positions?.slice(0, frames) };
}
