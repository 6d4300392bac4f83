/** The one sampler interface (llama.cpp style) and the chain, which is itself a sampler. */

import type { Candidates } from './candidates.js';

/**
 * A processor or selector. Processors rewrite or truncate the candidates; a selector sets `candidates.selected`.
 * `accept` tells every stage which token was finally emitted (stateful stages such as RAS keep a history);
 * `reset` forgets that state (new utterance).
 */
export interface Sampler {
  readonly name: string;
  apply(candidates: Candidates): void;
  accept(token: number): void;
  reset(): void;
}

/** Runs its stages in order; the last one should be a selector. */
export class SamplerChain implements Sampler {
  readonly name: string;

  constructor(readonly stages: readonly Sampler[]) {
    this.name = `chain(${stages.map((s) => s.name).join(' -> ')})`;
  }

  apply(candidates: Candidates): void {
    for (const stage of this.stages) stage.apply(candidates);
  }

  accept(token: number): void {
    for (const stage of this.stages) stage.accept(token);
  }

  reset(): void {
    for (const stage of this.stages) stage.reset();
  }
}
