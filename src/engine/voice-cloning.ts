/**
 * How far a model clones voices it never heard, as its card measured it: `parla eval tts --set tts-zeroshot
 * --write-card` records the outputs' speaker similarity to their speakers' real speech and the similarity between two
 * real utterances of one speaker (model.json `quality.tts["tts-zeroshot"]`: `similarity`, `similarity_ceiling`).
 * Why it is surfaced: someone who records a voice expects to hear it back, and a model fine-tuned on one speaker
 * keeps that speaker's timbre whatever the prompt; the API and the web UI say so instead of letting users guess.
 */
import type { ModelManifest } from './manifest-schema.js';

/** The evaluation set of held-out speakers prompted with their own reference utterances (src/eval/run-sets.ts). */
export const ZERO_SHOT_SET = 'tts-zeroshot';
/** Similarity / ceiling at which cloning counts as done: the zero-shot bar of the language-model issue (0.8x). */
export const CLONES_AT = 0.8;

export interface CloningMeasure {
  set: string;
  /** Mean similarity of outputs to the prompted speakers' real speech. */
  similarity: number;
  /** Mean similarity between two real utterances of one speaker: the most cloning can reach. */
  ceiling: number;
  /** similarity / ceiling, 2 decimals. */
  ratio: number;
  /** ratio >= CLONES_AT */
  clones: boolean;
}

/** The card's zero-shot similarity and ceiling, or null when the model card has not measured both. */
export function measuredCloning(manifest: Pick<ModelManifest, 'quality'>): CloningMeasure | null {
  const entry = record(record(manifest.quality)?.tts)?.[ZERO_SHOT_SET];
  const similarity = record(entry)?.similarity;
  const ceiling = record(entry)?.similarity_ceiling;
  if (typeof similarity !== 'number' || typeof ceiling !== 'number' || !(ceiling > 0)) return null;
  const ratio = Number((similarity / ceiling).toFixed(2));
  return { set: ZERO_SHOT_SET, similarity, ceiling, ratio, clones: ratio >= CLONES_AT };
}

function record(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
