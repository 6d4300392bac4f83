/**
 * Adaptive draft length: tracks the per-position acceptance rate α (exponentially weighted) and picks the k in
 * [minK, maxK] that maximizes expected emitted positions per unit of work, (1 - α^(k+1)) / (1 - α) / (1 + k·c),
 * where c is the cost of one draft position relative to one verification call (Leviathan et al. 2023, eq. for the
 * walltime improvement). Units are whatever the caller drafts: groups for the AR engine.
 */

import { ParlaError } from '../../errors.js';

export interface DraftLengthOptions {
  /** Bounds for k, default 1..8. */
  minK?: number;
  maxK?: number;
  /** k before any observation, default 4. */
  initialK?: number;
  /** Draft cost per position relative to one verification call, default 0.1 (a tiny drafter or n-gram lookup). */
  draftCost?: number;
  /** Weight kept per observation in the moving estimate of α, in [0, 1); default 0.9 (about the last 10 verifications). */
  decay?: number;
}

export class DraftLengthController {
  readonly minK: number;
  readonly maxK: number;
  private readonly draftCost: number;
  private readonly decay: number;
  private k: number;
  private weightedAccepted = 0;
  private weightedTrials = 0;
  /** Totals over the controller's life, for reporting the acceptance rate. */
  totalProposed = 0;
  totalAccepted = 0;

  constructor(options: DraftLengthOptions = {}) {
    this.minK = options.minK ?? 1;
    this.maxK = options.maxK ?? 8;
    this.draftCost = options.draftCost ?? 0.1;
    this.decay = options.decay ?? 0.9;
    const initialK = options.initialK ?? Math.min(this.maxK, Math.max(this.minK, 4));
    if (!Number.isInteger(this.minK) || this.minK < 1) throw bad('minK', `must be an integer >= 1, got ${this.minK}`);
    if (!Number.isInteger(this.maxK) || this.maxK < this.minK) throw bad('maxK', `must be an integer >= minK (${this.minK}), got ${this.maxK}`);
    if (!Number.isInteger(initialK) || initialK < this.minK || initialK > this.maxK) throw bad('initialK', `must be an integer in [${this.minK}, ${this.maxK}], got ${initialK}`);
    if (!(this.draftCost >= 0) || !Number.isFinite(this.draftCost)) throw bad('draftCost', `must be a finite number >= 0, got ${this.draftCost}`);
    if (!(this.decay >= 0 && this.decay < 1)) throw bad('decay', `must be in [0, 1), got ${this.decay}`);
    this.k = initialK;
  }

  /** The draft length to use for the next speculation round. */
  get draftLength(): number {
    return this.k;
  }

  /** Acceptance rate per drafted position over the controller's life (accepted / proposed), NaN before any draft. */
  get acceptanceRate(): number {
    return this.totalAccepted / this.totalProposed;
  }

  /** Current weighted estimate of the probability that one drafted position is accepted. */
  get estimatedAlpha(): number {
    return this.weightedTrials === 0 ? NaN : this.weightedAccepted / this.weightedTrials;
  }

  /** Records one verification: `accepted` of `proposed` positions; then re-chooses k. */
  observe(proposed: number, accepted: number): void {
    if (!Number.isInteger(proposed) || proposed < 1) throw bad('proposed', `must be an integer >= 1, got ${proposed}`);
    if (!Number.isInteger(accepted) || accepted < 0 || accepted > proposed) throw bad('accepted', `must be an integer in [0, ${proposed}], got ${accepted}`);
    this.totalProposed += proposed;
    this.totalAccepted += accepted;
    // Positions are tried until the first rejection: a rejection means accepted + 1 trials.
    const trials = accepted < proposed ? accepted + 1 : proposed;
    this.weightedAccepted = this.decay * this.weightedAccepted + accepted;
    this.weightedTrials = this.decay * this.weightedTrials + trials;
    this.k = this.bestK(this.estimatedAlpha);
  }

  private bestK(alpha: number): number {
    let best = this.minK;
    let bestValue = -Infinity;
    for (let k = this.minK; k <= this.maxK; k++) {
      const expected = alpha >= 1 - 1e-12 ? k + 1 : (1 - alpha ** (k + 1)) / (1 - alpha);
      const value = expected / (1 + k * this.draftCost);
      if (value > bestValue + 1e-12) {
        best = k;
        bestValue = value;
      }
    }
    return best;
  }
}

function bad(param: string, message: string): ParlaError {
  return new ParlaError('invalid_input', `draft length ${param} ${message}`, { param });
}
