/**
 * A model's recommended sampling settings (`sampling` in model.json, docs/model-format.md): what a request gets
 * for every setting it leaves out. A small model may decode far better greedily than with the engine's general
 * defaults (VALL-E 2's T = 1, top-p 0.8); the request's own values always win.
 */
import { ParlaError } from '../errors.js';
import { resolveSamplingParams, type SamplingParams } from '../lm/sampling/index.js';
import type { ModelManifest } from './manifest-schema.js';
import { checkCandidates } from './candidates.js';
import { checkRetryAbove, checkSpliceWords } from './splice.js';

/** model.json's snake_case names -> the engine's sampling fields. */
const FIELDS = { temperature: 'temperature', top_p: 'topP', top_k: 'topK', ras: 'ras', ras_window: 'rasWindow', ras_threshold: 'rasThreshold', pointer: 'pointer', guidance: 'guidance' } as const;

/** The section as sampling fields, checked with the same rules as a request's (ParlaError model_invalid naming the field). */
export function modelSamplingDefaults(m: Pick<ModelManifest, 'sampling'>, source = 'model.json'): Readonly<Partial<SamplingParams>> {
  const out: Partial<Record<keyof SamplingParams, number | boolean | string>> = {};
  for (const [key, value] of Object.entries(m.sampling ?? {})) {
    if (key in FIELDS) out[FIELDS[key as keyof typeof FIELDS]] = value;
  }
  try {
    resolveSamplingParams(out as Partial<SamplingParams>);
  } catch (err) {
    const param = err instanceof ParlaError ? err.param : undefined;
    const key = Object.entries(FIELDS).find(([, field]) => field === param)?.[0] ?? '';
    const field = `sampling${key ? `.${key}` : ''}`;
    throw new ParlaError('model_invalid', `${source}: field "${field}": ${(err as Error).message}`, { param: field });
  }
  return Object.freeze(out as Partial<SamplingParams>);
}

/** Runs a request-level check on a model.json value, re-raised as model_invalid naming `sampling.<key>`. */
function checkedField<T>(value: T, key: string, source: string, check: (value: T) => void): T {
  try {
    check(value);
  } catch (err) {
    throw new ParlaError('model_invalid', `${source}: field "sampling.${key}": ${(err as Error).message}`, { param: `sampling.${key}` });
  }
  return value;
}

/** `sampling.candidates` (default 1), checked: more than one needs the model's reader to choose between them. */
export function modelCandidates(m: Pick<ModelManifest, 'sampling' | 'reader'>, source = 'model.json'): number {
  return checkedField(m.sampling?.candidates ?? 1, 'candidates', source, (n) => checkCandidates(n, Boolean(m.reader)));
}

/** `sampling.guidance` (default 0 = off), checked: guidance needs a phoneme-pointer AR (guidance.ts). */
export function modelGuidance(m: Pick<ModelManifest, 'sampling' | 'ar'>, source = 'model.json'): number {
  return checkedField(m.sampling?.guidance ?? 0, 'guidance', source, (w) => {
    if (w > 0 && !m.ar.dims.pointer_classes) throw new Error(`guidance ${w} needs a phoneme-pointer AR (ar.dims.pointer_classes); use 0`);
  });
}

/** Whether a model can splice candidates: a phoneme-pointer AR (frames located in the text) and an audio reader. */
export function canSplice(m: Pick<ModelManifest, 'reader' | 'ar'>): boolean {
  return m.reader?.input === 'audio' && Boolean(m.ar.dims.pointer_classes);
}

/** `sampling.splice_words` (default 0), checked: splicing needs a pointer AR and an audio reader. */
export function modelSpliceWords(m: Pick<ModelManifest, 'sampling' | 'reader' | 'ar'>, source = 'model.json'): number {
  return checkedField(m.sampling?.splice_words ?? 0, 'splice_words', source, (n) => checkSpliceWords(n, canSplice(m)));
}

/** `sampling.retry_above` (default 0 = never), checked: a second round of candidates needs `sampling.splice_words`. */
export function modelRetryAbove(m: Pick<ModelManifest, 'sampling'>, source = 'model.json'): number {
  return checkedField(m.sampling?.retry_above ?? 0, 'retry_above', source, (x) => checkRetryAbove(x, m.sampling?.splice_words ?? 0));
}
