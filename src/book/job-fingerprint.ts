/** A job's identity: the hash of the input file's bytes plus the hash of its settings, and a readable diff when either changed. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ParlaError } from '../errors.js';

/** Settings that change the audio (voice, seed, model, pauses, lexicon...): JSON values only. */
export type JobSettings = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface JobFingerprint {
  /** sha256 of the input file. */
  input: string;
  /** sha256 of the settings as canonical JSON (keys sorted). */
  settings: string;
}

/** JSON with object keys sorted at every level, so the same settings always hash the same. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new ParlaError('file_not_found', `cannot read ${path}: ${(err as Error).message}`, { param: path, cause: err });
  }
  return hash.digest('hex');
}

export async function fingerprint(inputPath: string, settings: JobSettings): Promise<JobFingerprint> {
  return { input: await hashFile(inputPath), settings: createHash('sha256').update(canonicalJson(settings)).digest('hex') };
}

/** Flattens nested settings to dot paths: { voice: { name: 'a' } } -> { 'voice.name': '"a"' }. */
function flatten(value: JsonValue, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

/** "voice "alice" -> "bob", seed 1 -> 2, lexicon (new) -> "x.txt"" */
export function describeSettingsChange(before: JobSettings, after: JobSettings): string {
  const a = flatten(before);
  const b = flatten(after);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((k) => a[k] !== b[k])
    .map((k) => `${k} ${a[k] ?? '(unset)'} -> ${b[k] ?? '(unset)'}`)
    .join(', ');
}
