/**
 * One stream's sampler for codebook-0 codes: builds the chain from SamplingParams, draws codes one at a time
 * (a group of G codes is G draws, each seeing the codes before it in its history), and owns the stream's RNG.
 */

import { ParlaError } from '../../errors.js';
import { Candidates } from './candidates.js';
import { HistoryWindow } from './history-window.js';
import { TemperatureSampler, TopKSampler, TopPSampler } from './processors.js';
import { resolveSamplingParams, type SamplingParams } from './params.js';
import { RepetitionAwareSampler } from './repetition-aware.js';
import { Rng } from './rng.js';
import { SamplerChain, type Sampler } from './sampler.js';
import { DistSampler, GreedySampler } from './selectors.js';
import { verifyDraft, type VerifyDraftInput, type VerifyDraftResult } from './speculative.js';

export interface CodeSamplerOptions {
  /** Seed for a fresh RNG (default 0); ignored when `rng` is given. */
  seed?: number;
  rng?: Rng;
  /**
   * Codes the RAS history starts with. Default: none, i.e. only codes generated in this utterance count
   * (VALL-E 2 and CosyVoice count the decoded tokens). Pass the prompt's codebook-0 codes to also discourage
   * looping on the prompt's last frames; `reset()` returns to this seed.
   */
  history?: ArrayLike<number>;
}

/** Builds the chain for these params: greedy -> [greedy]; else temperature -> (RAS over top-k, top-p | top-k, top-p, dist). */
export function buildSamplerChain(params: Readonly<SamplingParams>, rng: Rng, initialHistory: ArrayLike<number> = []): SamplerChain {
  if (params.temperature === 0) return new SamplerChain([new GreedySampler()]);
  const truncation: Sampler[] = [];
  if (params.topK > 0) truncation.push(new TopKSampler(params.topK));
  if (params.topP < 1) truncation.push(new TopPSampler(params.topP));
  const stages: Sampler[] = [new TemperatureSampler(params.temperature)];
  if (params.ras) {
    stages.push(new RepetitionAwareSampler({
      nucleus: new SamplerChain(truncation),
      rng,
      windowSize: params.rasWindow,
      threshold: params.rasThreshold,
      initialHistory,
    }));
  } else {
    stages.push(...truncation, new DistSampler(rng));
  }
  return new SamplerChain(stages);
}

export class CodeSampler {
  readonly params: Readonly<SamplingParams>;
  readonly rng: Rng;
  readonly chain: SamplerChain;
  /** Latest K emitted codes (K = rasWindow), kept even with RAS off so speculative verification sees the same history. */
  private readonly window: HistoryWindow;
  private readonly initialHistory: number[];
  private candidates: Candidates | undefined;

  constructor(params: Partial<SamplingParams> = {}, options: CodeSamplerOptions = {}) {
    this.params = resolveSamplingParams(params);
    this.rng = options.rng ?? new Rng(options.seed ?? 0);
    this.initialHistory = Array.from(options.history ?? []);
    this.window = new HistoryWindow(this.params.rasWindow, this.initialHistory);
    this.chain = buildSamplerChain(this.params, this.rng, this.initialHistory);
  }

  /** Draws one code from logits of shape (V,) and records it in the history. */
  sample(logits: ArrayLike<number>): number {
    if (this.candidates === undefined || this.candidates.vocabSize !== logits.length) {
      this.candidates = new Candidates(logits.length);
    }
    const c = this.candidates.load(logits);
    this.chain.apply(c);
    const token = c.selectedToken();
    this.accept(token);
    return token;
  }

  /**
   * Draws the G codes of one AR step from logits of shape (G, V) (row-major, as the AR graph returns them),
   * one at a time: code g's repetition check already counts codes 0..g-1 of the same group.
   */
  sampleGroup(groupLogits: Float32Array, groupSize: number, out: Int32Array = new Int32Array(groupSize)): Int32Array {
    if (!Number.isInteger(groupSize) || groupSize < 1 || groupLogits.length % groupSize !== 0) {
      throw new ParlaError('invalid_input', `group logits of length ${groupLogits.length} do not split into ${groupSize} codes`, { param: 'groupSize' });
    }
    const vocab = groupLogits.length / groupSize;
    for (let g = 0; g < groupSize; g++) out[g] = this.sample(groupLogits.subarray(g * vocab, (g + 1) * vocab));
    return out;
  }

  /**
   * Verifies a draft against this stream's params, history and RNG (see verifyDraft) and records the emitted codes,
   * so the next `sample` or `verifyDraft` continues from them.
   */
  verifyDraft(draft: Omit<VerifyDraftInput, 'history' | 'params' | 'rng'>): VerifyDraftResult {
    const result = verifyDraft({ ...draft, history: this.history(), params: this.params, rng: this.rng });
    for (const token of result.tokens) this.accept(token);
    return result;
  }

  /** Records a code emitted elsewhere (e.g. accepted by speculative verification) so the history stays exact. */
  accept(token: number): void {
    this.window.push(token);
    this.chain.accept(token);
  }

  /** The latest K emitted codes, oldest first: the `history` to pass to targetDistribution / verifyDraft. */
  history(): number[] {
    return this.window.toArray();
  }

  /** New utterance: history back to the initial seed. The RNG is not rewound (a new seed means a new sampler). */
  reset(): void {
    this.window.reset(this.initialHistory);
    this.chain.reset();
  }
}
