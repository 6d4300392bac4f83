/** Evaluation set definitions (training/eval/<name>.json: ids, text, speaker; no audio) and their audio, read from ../shared/data. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { decodeAudio } from '../audio/decode.js';
import { ParlaError } from '../errors.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { EvalUtterance } from './codec-fidelity.js';
import { EVAL_SAMPLE_RATE } from './rate.js';
import { sharedDataDir } from './shared-data.js';
import { corpusTranscript } from './transcripts.js';
import { mapLimit } from './tools.js';

/** Corpora whose recordings the evaluation can read: `<shared>/<source>/audio/<id>.opus`. */
export const EVAL_SOURCES = ['kathleen', 'speechocean762'] as const;
export type EvalSource = (typeof EVAL_SOURCES)[number];

const recording = z.object({
  id: z.string().min(1),
  source: z.enum(EVAL_SOURCES),
  speaker: z.string().min(1),
  text: z.string().min(1),
  seconds: z.number().positive().optional(),
});
const ttsItem = z.object({
  id: z.string().min(1),
  text: z.string().min(1),
  speaker: z.string().min(1),
  /** id of the entry in `prompts` whose audio is the voice prompt */
  prompt: z.string().min(1),
  /** id of another entry in `prompts` (same speaker): similarity target and real-real ceiling */
  reference: z.string().min(1).optional(),
  /** A real recording of the same text: ground truth for the WER ratio. */
  truth: z.object({ id: z.string().min(1), source: z.enum(EVAL_SOURCES) }).optional(),
});

/** A TTS set's robustness pass: the first n of hard-sentences.txt when the command line gives no --hard (ci-tts: 5). */
const hardCount = z.number().int().nonnegative().optional();

// Set files may leave out `text` of recordings from the shared corpora: it is then read from the corpus's
// metadata.tsv by id (a TTS item's from its `truth` recording), so the repository holds no corpus text.
const recordingIn = recording.extend({ text: z.string().min(1).optional() });
const ttsItemIn = ttsItem.extend({ text: z.string().min(1).optional() });
const evalSetInSchema = z.discriminatedUnion('kind', [
  z.object({ name: z.string(), kind: z.literal('codec'), description: z.string(), intelligibility: z.boolean(), items: z.array(recordingIn).min(1) }),
  z.object({ name: z.string(), kind: z.literal('tts'), description: z.string(), intelligibility: z.boolean(), hard: hardCount, prompts: z.array(recordingIn).min(1), items: z.array(ttsItemIn).min(1) }),
]);

const evalSetSchema = z.discriminatedUnion('kind', [
  z.object({ name: z.string(), kind: z.literal('codec'), description: z.string(), intelligibility: z.boolean(), items: z.array(recording).min(1) }),
  z.object({ name: z.string(), kind: z.literal('tts'), description: z.string(), intelligibility: z.boolean(), hard: hardCount, prompts: z.array(recording).min(1), items: z.array(ttsItem).min(1) }),
]);
export type EvalSet = z.infer<typeof evalSetSchema>;
export type EvalRecording = z.infer<typeof recording>;
export type CodecEvalSet = Extract<EvalSet, { kind: 'codec' }>;
export type TtsEvalSet = Extract<EvalSet, { kind: 'tts' }>;

/** training/eval/ in this checkout. */
export function evalSetsDir(): string {
  return path.join(PACKAGE_ROOT, 'training', 'eval');
}

/** Names of the set definitions in `dir` (files `<name>.json`). */
export function listEvalSets(dir = evalSetsDir()): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

/** Reads a set by name (training/eval/<name>.json) or by path to a .json file; bad names list the valid ones. */
export function loadEvalSet(nameOrPath: string, dir = evalSetsDir()): EvalSet {
  const file = nameOrPath.endsWith('.json') ? path.resolve(nameOrPath) : path.join(dir, `${nameOrPath}.json`);
  if (!existsSync(file)) {
    throw new ParlaError('not_found', `unknown evaluation set "${nameOrPath}" (no ${file}); sets: ${listEvalSets(dir).join(', ') || 'none'}`, { param: 'set' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ParlaError('invalid_input', `${file} is not valid JSON: ${(err as Error).message}`, { param: file });
  }
  const parsed = evalSetInSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ParlaError('invalid_input', `${file}: field "${issue.path.join('.')}": ${issue.message}`, { param: issue.path.join('.') });
  }
  const set = parsed.data;
  const withText = <T extends { id: string; source: string; text?: string }>(r: T) => ({ ...r, text: r.text ?? corpusTranscript(r.source, r.id) });
  if (set.kind === 'codec') return { ...set, items: set.items.map(withText) };
  return {
    ...set,
    prompts: set.prompts.map(withText),
    items: set.items.map((item) => {
      if (item.text) return { ...item, text: item.text };
      if (!item.truth) throw new ParlaError('invalid_input', `${file}: item ${item.id} has neither text nor a truth recording to take it from`, { param: item.id });
      return { ...item, text: corpusTranscript(item.truth.source, item.truth.id) };
    }),
  };
}

/** Like loadEvalSet, but insists on a codec set. */
export function loadCodecEvalSet(nameOrPath: string, dir = evalSetsDir()): CodecEvalSet {
  const set = loadEvalSet(nameOrPath, dir);
  if (set.kind !== 'codec') throw new ParlaError('invalid_input', `evaluation set "${nameOrPath}" is a ${set.kind} set, not a codec set`, { param: 'set' });
  return set;
}

/** Like loadEvalSet, but insists on a TTS set. */
export function loadTtsEvalSet(nameOrPath: string, dir = evalSetsDir()): TtsEvalSet {
  const set = loadEvalSet(nameOrPath, dir);
  if (set.kind !== 'tts') throw new ParlaError('invalid_input', `evaluation set "${nameOrPath}" is a ${set.kind} set, not a tts set`, { param: 'set' });
  return set;
}

/** training/eval/hard-sentences.txt: one robustness sentence per line. */
export function readHardSentences(file = path.join(evalSetsDir(), 'hard-sentences.txt')): string[] {
  if (!existsSync(file)) throw new ParlaError('file_not_found', `hard-sentence set not found: ${file}`, { param: file });
  return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export function recordingPath(item: Pick<EvalRecording, 'id' | 'source'>, dataDir = sharedDataDir()): string {
  return path.join(dataDir, item.source, 'audio', `${item.id}.opus`);
}

/** An utterance with its speaker, ready for the instruments (16 kHz mono). */
export interface SpeakerUtterance extends EvalUtterance {
  speaker: string;
}

/** Decodes the recordings of `items` to 16 kHz mono; a missing file names itself and PARLA_SHARED_DATA. */
export async function loadRecordings(items: readonly EvalRecording[], dataDir = sharedDataDir()): Promise<SpeakerUtterance[]> {
  return mapLimit(items, 2, async (item) => {
    const file = recordingPath(item, dataDir);
    if (!existsSync(file)) throw new ParlaError('file_not_found', `recording of ${item.id} not found: ${file} (set PARLA_SHARED_DATA)`, { param: file });
    return { id: item.id, text: item.text, speaker: item.speaker, audio: await decodeAudio(file, { sampleRate: EVAL_SAMPLE_RATE }) };
  });
}
