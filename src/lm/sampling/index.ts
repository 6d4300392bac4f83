/**
 * Public surface of the sampling layer: seeded RNG, sampler chain, exact target distribution, speculative verification.
 *
 * Decisions (each documented where it lives):
 * - processing order temperature -> top-k -> top-p -> draw; T = 0 is greedy argmax, ties -> lowest id (params.ts);
 * - RAS history = emitted codebook-0 codes of this utterance, optionally seeded with the prompt's codes
 *   (CodeSamplerOptions.history); repetitive = count in the last K / K > t_r, strictly (params.ts isRepetitive);
 * - groups of G codes are sampled one code at a time, each code entering the history before the next
 *   (CodeSampler.sampleGroup); speculative verification works per code and always ends on a group boundary
 *   (speculative.ts).
 */

export { Rng, type RngState } from './rng.js';
export { Candidates, argmax } from './candidates.js';
export { type Sampler, SamplerChain } from './sampler.js';
export { TemperatureSampler, TopKSampler, TopPSampler } from './processors.js';
export { GreedySampler, DistSampler, drawFromCandidates, sampleFromDistribution } from './selectors.js';
export { HistoryWindow } from './history-window.js';
export { RepetitionAwareSampler, type RepetitionAwareOptions } from './repetition-aware.js';
export { type SamplingParams, DEFAULT_SAMPLING_PARAMS, MAX_GUIDANCE, resolveSamplingParams, isRepetitive, countInWindow } from './params.js';
export { CodeSampler, type CodeSamplerOptions, buildSamplerChain } from './code-sampler.js';
export { targetDistribution } from './target-distribution.js';
export { verifyDraft, type VerifyDraftInput, type VerifyDraftResult } from './speculative.js';
export { DraftLengthController, type DraftLengthOptions } from './draft-length.js';
