/**
 * Repetition-aware sampling (VALL-E 2): draw from the nucleus; if the drawn token's repetition ratio over the last K
 * emitted tokens exceeds t_r, draw again from the FULL distribution as it arrived (tempered, not truncated).
 */

import { ParlaError } from '../../errors.js';
import { Candidates } from './candidates.js';
import { HistoryWindow } from './history-window.js';
import { isRepetitive } from './params.js';
import type { Rng } from './rng.js';
import type { Sampler } from './sampler.js';
import { drawFromCandidates } from './selectors.js';

export interface RepetitionAwareOptions {
  /** Truncation applied before the first draw, typically chain(top-k, top-p); must not select. */
  nucleus: Sampler;
  rng: Rng;
  /** K, default 10. */
  windowSize?: number;
  /** t_r, default 0.1; repetitive when count / K > t_r. */
  threshold?: number;
  /** Tokens the history starts with (e.g. the prompt's codebook-0 codes); default none. Kept across `reset()`. */
  initialHistory?: ArrayLike<number>;
}

/**
 * A selector: expects tempered candidates, sets `selected`. Its history is the accepted tokens (what the stream
 * emitted), so callers must `accept` every emitted token, including tokens emitted by speculative verification.
 */
export class RepetitionAwareSampler implements Sampler {
  readonly name: string;
  readonly history: HistoryWindow;
  /** How many draws fell back to the full distribution (for diagnostics and benchmarks). */
  fallbacks = 0;
  private readonly nucleus: Sampler;
  private readonly rng: Rng;
  private readonly threshold: number;
  private readonly initialHistory: number[];
  private full: Candidates | undefined;

  constructor(options: RepetitionAwareOptions) {
    const windowSize = options.windowSize ?? 10;
    this.threshold = options.threshold ?? 0.1;
    if (!(this.threshold >= 0 && this.threshold <= 1)) {
      throw new ParlaError('invalid_input', `RAS threshold t_r must be in [0, 1], got ${this.threshold}`, { param: 'rasThreshold' });
    }
    this.nucleus = options.nucleus;
    this.rng = options.rng;
    this.initialHistory = Array.from(options.initialHistory ?? []);
    this.history = new HistoryWindow(windowSize, this.initialHistory);
    this.name = `ras(K=${windowSize}, t_r=${this.threshold}, ${options.nucleus.name})`;
  }

  apply(c: Candidates): void {
    if (this.full === undefined || this.full.vocabSize !== c.vocabSize) this.full = new Candidates(c.vocabSize);
    this.full.copyFrom(c);
    this.nucleus.apply(c);
    drawFromCandidates(c, this.rng);
    const token = c.ids[c.selected];
    if (!isRepetitive(this.history.count(token), this.history.size, this.threshold)) return;
    this.fallbacks++;
    c.copyFrom(this.full);
    drawFromCandidates(c, this.rng);
  }

  accept(token: number): void {
    this.history.push(token);
    this.nucleus.accept(token);
  }

  /** Back to the initial history (prompt tokens, if any were given). */
  reset(): void {
    this.history.reset(this.initialHistory);
    this.fallbacks = 0;
    this.nucleus.reset();
  }
}
