/** The `POST /v1/audio/speech` body: OpenAI's fields plus Parla's sampling options, checked with zod. */
import { z } from 'zod';
import { AUDIO_FORMATS } from '../audio/index.js';
import { ParlaError } from '../errors.js';
import { MAX_GUIDANCE } from '../lm/sampling/index.js';

/** OpenAI TTS model names accepted as aliases of the loaded model. */
export const OPENAI_MODELS = ['tts-1', 'tts-1-hd', 'gpt-4o-mini-tts'];

/** Every model name a request may use: the loaded model's id, "parla", and the OpenAI names (one model serves all). */
export function acceptedModels(loadedId: string): string[] {
  return [loadedId, 'parla', ...OPENAI_MODELS];
}

export function speechSchema(maxInputChars: number) {
  return z
    .object({
      model: z.string().min(1).max(200),
      input: z.string().max(maxInputChars, { message: `input is longer than ${maxInputChars} characters` }).refine((s) => s.trim().length > 0, { message: 'input is empty' }),
      voice: z.union([z.string().min(1).max(200), z.object({ id: z.string().min(1).max(200) }).transform((v) => v.id)], {
        error: (issue) => (issue.input === undefined ? undefined : 'expected a voice id (a string) or an object {"id": "..."}'),
      }),
      response_format: z.enum(AUDIO_FORMATS).default('mp3'),
      speed: z.number().min(0.25).max(4).default(1),
      stream_format: z.enum(['audio', 'sse']).default('audio'),
      /** Accepted for compatibility; this model has no instruction conditioning, so it is ignored. */
      instructions: z.string().max(maxInputChars).optional(),
      // The range before .int(): int() alone reports the safe-integer limit (2^53) for 1e300.
      seed: z.number().min(0).max(2 ** 31 - 1).int().optional(),
      temperature: z.number().min(0).max(2).optional(),
      top_p: z.number().gt(0).max(1).optional(),
      top_k: z.number().int().min(0).max(10_000).optional(),
      ras: z.boolean().optional(),
      ras_window: z.number().int().min(1).max(100).optional(),
      ras_threshold: z.number().min(0).max(1).optional(),
      /** Phoneme-pointer models: classifier-free guidance weight (0 = off). */
      guidance: z.number().min(0).max(MAX_GUIDANCE).optional(),
      speculative: z.boolean().optional(),
      candidates: z.number().int().min(1).max(8).optional(),
      /** With candidates: each group of this many words from the candidate heard saying it best (0 = whole candidates). */
      splice_words: z.number().int().min(0).max(64).optional(),
      /** With splicing: a chunk whose worst word group reads worse than this (nats per phoneme) gets as many candidates again (0 = never). */
      retry_above: z.number().min(0).finite().optional(),
      normalize: z.boolean().optional(),
    })
    .strict();
}

export type SpeechRequest = z.infer<ReturnType<typeof speechSchema>>;

/** Message of a required field that is absent (zod's own says "expected string, received undefined"). */
const MISSING = 'is required';

/** Per-parse error map: an absent field (a type or union check on undefined) gets MISSING; others keep zod's. */
const missingField = (issue: { code: string; input?: unknown }): string | undefined =>
  issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union') ? MISSING : undefined;

/** Parses `data` with `schema`; a bad field throws the ParlaError zodToParla makes, a missing one "X is required". */
export function parseOrThrow<T extends z.ZodType>(schema: T, data: unknown, what = 'request body'): z.infer<T> {
  const parsed = schema.safeParse(data, { error: missingField });
  if (!parsed.success) throw zodToParla(parsed.error, what);
  return parsed.data;
}

/** The first zod issue as a ParlaError naming the field (OpenAI's `param`). */
function zodToParla(error: z.ZodError, what = 'request body'): ParlaError {
  const issue = error.issues[0];
  const param = issue.path.length > 0 ? issue.path.join('.') : undefined;
  if (param && issue.message === MISSING) return new ParlaError('invalid_input', `${param} ${MISSING}`, { param });
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    return new ParlaError('invalid_input', `unknown field${keys.length > 1 ? 's' : ''} in ${what}: ${keys.join(', ')}`, { param: keys[0] });
  }
  // "input: input is empty" says the field twice: a message that names its field stands alone.
  const message = param ? (issue.message.startsWith(`${param} `) ? issue.message : `${param}: ${issue.message}`) : `${what}: ${issue.message}`;
  return new ParlaError('invalid_input', message, { param });
}
