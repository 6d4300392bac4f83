/** The zod schema of model.json (field by field: docs/model-format.md) and the types it yields. */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { codecSectionSchema } from '../codec/spec.js';

const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/** A file inside the model folder: relative, no `..`. */
const fileName = z
  .string()
  .min(1)
  .refine((f) => !isAbsolute(f) && !f.split(/[\\/]/).includes('..'), { message: 'must be a file name inside the model folder' });

const tensorSpec = z.object({
  name: z.string().min(1),
  dtype: z.enum(['int64', 'bool', 'float32']),
  /** Numbers are fixed sizes; strings name dynamic axes (B, S, P, T, Nt, Tp, Tf). */
  shape: z.array(z.union([z.string().min(1), nonNegInt])),
});

const transformerDims = {
  d_model: posInt,
  n_layers: posInt,
  n_heads: posInt,
  head_dim: posInt,
  ff_mult: posInt,
  max_positions: posInt,
};

const arSection = z.object({
  file: fileName,
  inputs: z.array(tensorSpec),
  outputs: z.array(tensorSpec),
  params: posInt,
  /** pointer_classes: a phoneme-pointer AR, pointer_context: one fed its context too (docs/model-format.md,
   * "Phoneme pointer"); absent = none. */
  dims: z.object({ ...transformerDims, vocab_size: posInt, pointer_classes: z.number().int().min(2).optional(), pointer_context: posInt.optional() }),
});

const narSection = z.object({
  file: fileName,
  inputs: z.array(tensorSpec),
  outputs: z.array(tensorSpec),
  params: posInt,
  dims: z.object(transformerDims),
  stages: z.array(posInt),
});

/**
 * A reader that picks the best of several candidates: `input` "codes" (src/lm/code-reader.ts; `codes` int64 [B, T]) or
 * "audio" (src/lm/audio-reader.ts; `audio` float32 [B, N] at the model's rate); output `log_probs` float32 [B, T, vocab_size].
 */
export const readerSection = z.object({
  file: fileName,
  input: z.enum(['codes', 'audio']).default('codes'),
  params: posInt,
  vocab_size: posInt,
  blank_id: nonNegInt,
  first_phoneme_id: nonNegInt,
  /**
   * An audio reader's CTC loss per phoneme above which a typed voice-prompt transcript is refused as not what the
   * prompt says (measured on real prompts for this reader; src/engine/voice.ts). Absent: transcripts are not checked.
   */
  transcript_mismatch: z.number().positive().optional(),
});

/**
 * The pace the model reads best from (it speaks at about its prompt's pace): transcript phoneme symbols (ids, word
 * spaces and stress marks included) per second of trimmed speech; the same as the audio reader hears it (phonemes
 * per second, for prompts without a transcript; absent: those are not paced); the most a prompt is sped up.
 */
export const promptPaceSection = z
  .object({
    symbols_per_second: z.number().positive(),
    heard_per_second: z.number().positive().optional(),
    max_speedup: z.number().min(1),
  })
  .strict();

/**
 * `id` names the codec itself (weights included): voices store codes of one codec, so they stay valid across
 * models that share it (a new language model over the same codec). Absent: the model id stands for it.
 */
const codecSection = codecSectionSchema(fileName);

export const manifestSchema = z.object({
  format: z.literal('parla-model'),
  format_version: posInt,
  id: z.string().min(1),
  description: z.string(),
  audio: z.object({ sample_rate: posInt, hop_length: posInt, num_codebooks: z.number().int().min(2), codebook_size: posInt }),
  group_size: z.union([z.literal(1), z.literal(2), z.literal(4)]),
  phonemes: z.object({
    vocab_size: posInt,
    pad_id: nonNegInt,
    bos_id: nonNegInt,
    eos_id: nonNegInt,
    sep_id: nonNegInt,
    /** id -> symbol table the model was trained with; empty only in test fixtures. */
    symbols: z.array(z.string()),
  }),
  tokens: z.object({ audio_eos: nonNegInt, nar_pad_code: nonNegInt }),
  codec: codecSection,
  ar: arSection,
  draft: arSection.nullable(),
  /** null: no NAR; the runtime decodes codebook 0 alone (docs/model-format.md). */
  nar: narSection.nullable(),
  /** A reader that picks the best of `sampling.candidates` sampled candidates; absent or null = none. */
  reader: readerSection.nullable().optional(),
  /** Slow voice prompts are sped up to this pace before encoding (src/engine/prompt-pace.ts); absent or null: never. */
  prompt_pace: promptPaceSection.nullable().optional(),
  /** Voice prompts longer than this (seconds of speech, after any speed-up) are cut to it (src/engine/prompt-crop.ts); absent or null: never. */
  prompt_max_seconds: z.number().min(1).nullable().optional(),
  /** Recommended sampling settings for requests that leave them out (src/engine/model-sampling.ts); absent = none. */
  sampling: z.object({
    temperature: z.number().optional(),
    top_p: z.number().optional(),
    top_k: z.number().optional(),
    ras: z.boolean().optional(),
    ras_window: z.number().optional(),
    ras_threshold: z.number().optional(),
    pointer: z.enum(['greedy', 'sample']).optional(),
    /** Classifier-free guidance weight (0 = off; needs a pointer AR: src/engine/guidance.ts). */
    guidance: z.number().optional(),
    /** Candidates sampled per chunk, the reader keeping the best (needs `reader`). */
    candidates: z.number().optional(),
    /** Splice candidates by groups of this many words (0 = whole candidates; needs a pointer AR and an audio reader). */
    splice_words: z.number().optional(),
    /** Spliced chunks whose worst word group scores above this (nats per phoneme) get as many candidates again (0 = never). */
    retry_above: z.number().optional(),
  }).strict().nullable().optional(),
  training: z.record(z.string(), z.unknown()),
  quality: z.record(z.string(), z.unknown()).nullable(),
});

export type ModelManifest = z.infer<typeof manifestSchema>;
export type ReaderSection = z.infer<typeof readerSection>;
export type ArSection = z.infer<typeof arSection>;
export type NarSection = z.infer<typeof narSection>;
export type TensorSpec = z.infer<typeof tensorSpec>;

/** What voice creation reads besides the codec (src/engine/voice.ts): the audio reader, the prompt pace and length. */
export const voicingSections = manifestSchema.pick({ reader: true, prompt_pace: true, prompt_max_seconds: true });
