/** Names, dtypes and layouts of the AR/drafter and NAR ONNX graphs (the runtime side of docs/model-format.md). */

/** AR and drafter inputs, in the order the export writes them. */
export const AR_INPUTS = ['text_ids', 'audio_codes', 'is_audio', 'positions', 'past_keys', 'past_values', 'attention_mask'] as const;
export const AR_OUTPUTS = ['logits', 'present_keys', 'present_values'] as const;
/** Extra output of a phoneme-pointer AR: [B, S, pointer classes], how far the pointer moves after each group. */
export const AR_POINTER_OUTPUT = 'advance_logits';
/** Extra input of a pointer AR with context: [B, S, 3], previous and next phoneme and groups spent (+1) per position. */
export const AR_POINTER_CONTEXT_INPUT = 'pointer_context';
export const NAR_INPUTS = ['text_ids', 'prompt_codes', 'target_codes', 'stage'] as const;
export const NAR_OUTPUTS = ['logits'] as const;

/** Expected dtype of each graph tensor. */
export const AR_DTYPES: Record<(typeof AR_INPUTS)[number] | (typeof AR_OUTPUTS)[number] | typeof AR_POINTER_OUTPUT | typeof AR_POINTER_CONTEXT_INPUT, string> = {
  text_ids: 'int64',
  audio_codes: 'int64',
  is_audio: 'bool',
  positions: 'int64',
  past_keys: 'float32',
  past_values: 'float32',
  attention_mask: 'bool',
  logits: 'float32',
  present_keys: 'float32',
  present_values: 'float32',
  advance_logits: 'float32',
  pointer_context: 'int64',
};
export const NAR_DTYPES: Record<(typeof NAR_INPUTS)[number] | (typeof NAR_OUTPUTS)[number], string> = {
  text_ids: 'int64',
  prompt_codes: 'int64',
  target_codes: 'int64',
  stage: 'int64',
  logits: 'float32',
};

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
