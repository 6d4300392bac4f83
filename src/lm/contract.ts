/** Names, dtypes and layouts of the AR/drafter and NAR ONNX graphs (the runtime side of docs/model-format.md). */

/**
 * AR and drafter inputs, in the order the export writes them: the key/value cache is one tensor per layer,
 * past_key_0, past_value_0, past_key_1, ..., time-major [P, B, H, Dh]; the graph returns the keys and values of the
 * new positions only, present_key_0, ... [S, B, H, Dh], which the runtime appends to its buffers (kv-cache.ts). A
 * call thus copies no whole cache (docs/model-format.md).
 */
export function arInputNames(nLayers: number, pointerContext = false): string[] {
  return ['text_ids', 'audio_codes', 'is_audio', 'positions', ...cacheNames('past', nLayers), 'attention_mask', ...(pointerContext ? [AR_POINTER_CONTEXT_INPUT] : [])];
}
export function arOutputNames(nLayers: number, pointer = false): string[] {
  return ['logits', ...cacheNames('present', nLayers), ...(pointer ? [AR_POINTER_OUTPUT] : [])];
}
/** past_key_0, past_value_0, past_key_1, ... */
export function cacheNames(prefix: 'past' | 'present', nLayers: number): string[] {
  return Array.from({ length: nLayers }, (_, i) => [`${prefix}_key_${i}`, `${prefix}_value_${i}`]).flat();
}
/** Extra output of a phoneme-pointer AR: [B, S, pointer classes], how far the pointer moves after each group. */
export const AR_POINTER_OUTPUT = 'advance_logits';
/** Extra input of a pointer AR with context: [B, S, 3], previous and next phoneme and groups spent (+1) per position. */
export const AR_POINTER_CONTEXT_INPUT = 'pointer_context';
export const NAR_INPUTS = ['text_ids', 'prompt_codes', 'target_codes', 'stage'] as const;
export const NAR_OUTPUTS = ['logits'] as const;

/** Expected dtype of an AR graph tensor (caches are float32). */
export function arDtype(name: string): string {
  const fixed: Record<string, string> = { text_ids: 'int64', audio_codes: 'int64', is_audio: 'bool', positions: 'int64', attention_mask: 'bool', logits: 'float32', advance_logits: 'float32', pointer_context: 'int64' };
  return fixed[name] ?? (/^(past|present)_(key|value)_\d+$/.test(name) ? 'float32' : 'unknown');
}
const NAR_DTYPES: Record<(typeof NAR_INPUTS)[number] | (typeof NAR_OUTPUTS)[number], string> = {
  text_ids: 'int64',
  prompt_codes: 'int64',
  target_codes: 'int64',
  stage: 'int64',
  logits: 'float32',
};
/** Expected dtype of a NAR graph tensor. */
export function narDtype(name: string): string {
  return NAR_DTYPES[name as keyof typeof NAR_DTYPES] ?? 'unknown';
}

/** What the runtime needs to drive an AR or drafter graph. */
export interface ArDims {
  nLayers: number;
  nHeads: number;
  headDim: number;
  /** G: codes per position. */
  groupSize: number;
  /** Output classes per head: codebook size + 1 (the last id is end of speech). */
  vocabSize: number;
  /** Text (phoneme) vocabulary size: valid text ids are 0..textVocabSize-1. */
  textVocabSize: number;
  /** Longest sequence the model was trained on (positions beyond it are extrapolation). */
  maxPositions: number;
  /**
   * Phoneme pointer (docs/model-format.md): > 0 means `text_ids` at audio positions carry the token each position's
   * output group says, and the graph also returns advance logits over 0..pointerClasses-1 tokens. 0 = no pointer.
   */
  pointerClasses?: number;
  /**
   * Pointer context (docs/model-format.md): > 0 means the graph also takes `pointer_context` [B, S, 3] (previous and
   * next phoneme of the pointed one, groups already spent on it + 1, capped at this value). 0 = none.
   */
  pointerContext?: number;
}

/** What the runtime needs to drive the NAR graph. */
export interface NarDims {
  numCodebooks: number;
  codebookSize: number;
  textVocabSize: number;
  /** Code value marking a padding frame (in codebook 0); equals codebookSize. */
  padCode: number;
  /** Stages 1..stages are filled (default numCodebooks - 1); the codec then decodes stages + 1 codebooks. */
  stages?: number;
}
