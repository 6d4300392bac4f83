/** Public surface of the sampling layer: seeded RNG, sampler chain, exact target distribution, speculative verification. */

export { Rng, type RngState } from './rng.js';
export { Candidates, argmax } from './candidates.js';
export { type Sampler, SamplerChain } from './sampler.js';
export { TemperatureSampler, TopKSampler, TopPSampler } from './processors.js';
export { GreedySampler, DistSampler, drawFromCandidates, sampleFromDistribution } from './selectors.js';
export { HistoryWindow } from './history-window.js';
export { RepetitionAwareSampler, type RepetitionAwareOptions } from './repetition-aware.js';
export { type SamplingParams, DEFAULT_SAMPLING_PARAMS, resolveSamplingParams, isRepetitive, countInWindow } from './params.js';
export { CodeSampler, type CodeSamplerOptions, buildSamplerChain } from './code-sampler.js';
export { targetDistribution } from './target-distribution.js';
export { verifyDraft, type VerifyDraftInput, type VerifyDraftResult } from './speculative.js';
export { DraftLengthController, type DraftLengthOptions } from './draft-length.js';
