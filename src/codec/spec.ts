/** Reads just the codec part of a model.json, so codec-only models (and `parla codec`) work without the language model. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ParlaError } from '../errors.js';
import type { CodecSpec } from './codec.js';

/**
 * model.json's `codec` section, with `file` names checked by the caller's rule (the engine's manifest also refuses
 * paths that leave the model folder). `id` names the codec itself; `decoder.phonemes` is the input name of a
 * decoder with text input (per-frame phoneme ids from the AR's pointer), `decoder.voice` the input names of a decoder
 * with a voice input (a prompt's codes and their weight).
 */
export function codecSectionSchema<File extends z.ZodType<string>>(file: File) {
  const graph = z.object({ file, input: z.string().min(1), output: z.string().min(1) });
  const voice = z.object({ codes: z.string().min(1), weight: z.string().min(1) });
  return z.object({
    id: z.string().min(1).optional(),
    encoder: graph,
    decoder: graph.extend({ phonemes: z.string().min(1).optional(), voice: voice.optional() }),
  });
}

const codecPart = z.object({
  id: z.string().min(1),
  audio: z.object({
    sample_rate: z.number().int().positive(),
    hop_length: z.number().int().positive(),
    num_codebooks: z.number().int().positive(),
    codebook_size: z.number().int().min(2),
  }),
  /** `id`: the codec's own identity (docs/model-format.md); absent = the model id. */
  codec: codecSectionSchema(z.string().min(1)),
});

type AudioSection = z.infer<typeof codecPart>['audio'];
type CodecSection = z.infer<typeof codecPart>['codec'];

/** model.json's `audio` and `codec` sections -> the runtime's CodecSpec (file names resolved against `dir`). */
export function codecSpecOf(audio: AudioSection, codec: CodecSection, dir: string): CodecSpec {
  return {
    sampleRate: audio.sample_rate,
    hopLength: audio.hop_length,
    numCodebooks: audio.num_codebooks,
    codebookSize: audio.codebook_size,
    encoderPath: join(dir, codec.encoder.file),
    decoderPath: join(dir, codec.decoder.file),
    encoderInput: codec.encoder.input,
    encoderOutput: codec.encoder.output,
    decoderInput: codec.decoder.input,
    decoderOutput: codec.decoder.output,
    decoderPhonemes: codec.decoder.phonemes ?? '',
    decoderVoiceCodes: codec.decoder.voice?.codes ?? '',
    decoderVoiceWeight: codec.decoder.voice?.weight ?? '',
  };
}

export interface CodecModel {
  /** The model id. */
  id: string;
  /** The codec's id: codec.id in model.json, else the model id. Codes are interchangeable between equal codec ids. */
  codecId: string;
  spec: CodecSpec;
}

/** `<modelDir>/model.json` as parsed JSON, not yet checked (ParlaError model_missing / model_invalid naming the file). */
export interface ModelJson {
  dir: string;
  path: string;
  raw: unknown;
}

export function readModelJson(modelDir: string): ModelJson {
  const dir = resolve(modelDir);
  const path = join(dir, 'model.json');
  if (!existsSync(path)) throw new ParlaError('model_missing', `no model.json in ${dir}`, { param: 'model' });
  try {
    return { dir, path, raw: JSON.parse(readFileSync(path, 'utf8')) };
  } catch (err) {
    throw new ParlaError('model_invalid', `${path} is not valid JSON: ${(err as Error).message}`, { param: path });
  }
}

/** One part of a model.json checked against `schema` (other keys ignored); model_invalid naming the first bad field. */
export function parseModelJsonPart<T>(json: ModelJson, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(json.raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ParlaError('model_invalid', `${json.path}: field "${issue.path.join('.')}": ${issue.message}`, { param: issue.path.join('.') });
  }
  return parsed.data;
}

export function readCodecSpec(modelDir: string | ModelJson): CodecModel {
  const json = typeof modelDir === 'string' ? readModelJson(modelDir) : modelDir;
  const { id, audio, codec } = parseModelJsonPart(json, codecPart);
  return { id, codecId: codec.id ?? id, spec: codecSpecOf(audio, codec, json.dir) };
}
