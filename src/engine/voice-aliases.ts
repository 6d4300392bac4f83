/**
 * OpenAI voice names (alloy, echo, ...) resolved to voices in the library: a configured mapping, the library's
 * own aliases.json (which bundled voice each name stands for), else the bundled voices in turn.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParlaError } from '../errors.js';
import type { VoiceLibrary } from './types.js';
import { VOICE_ID } from './voice.js';

export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

/**
 * `<voicesDir>/aliases.json` ({"format": "parla-voice-aliases", "version": 1, "aliases": {"alloy": "slt", ...}}):
 * the OpenAI names the voices shipped in that folder stand for. No file: no aliases.
 * @throws ParlaError('invalid_input') naming the file and the entry at fault
 */
export function readVoiceAliases(voicesDir: string): Record<string, string> {
  const path = join(voicesDir, 'aliases.json');
  if (!existsSync(path)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ParlaError('invalid_input', `${path} is not readable JSON: ${(err as Error).message}`, { param: path, cause: err });
  }
  const file = raw as { format?: unknown; version?: unknown; aliases?: unknown };
  if (file?.format !== 'parla-voice-aliases' || file.version !== 1 || typeof file.aliases !== 'object' || file.aliases === null || Array.isArray(file.aliases)) {
    throw new ParlaError('invalid_input', `${path} must be {"format": "parla-voice-aliases", "version": 1, "aliases": {"<OpenAI name>": "<voice id>", ...}}`, { param: path });
  }
  const aliases: Record<string, string> = {};
  for (const [name, id] of Object.entries(file.aliases)) {
    if (!(OPENAI_VOICES as readonly string[]).includes(name)) throw new ParlaError('invalid_input', `${path}: "${name}" is not an OpenAI voice name (${OPENAI_VOICES.join(', ')})`, { param: path });
    if (typeof id !== 'string' || !VOICE_ID.test(id)) throw new ParlaError('invalid_input', `${path}: "${name}" must map to a voice id ([a-z0-9-]{1,64}), got ${JSON.stringify(id)}`, { param: path });
    aliases[name] = id;
  }
  return aliases;
}

/** The aliases of a library's folders: the bundled folders' names first, the voices folder's own over them. */
export function libraryAliases(dirs: { dir: string; bundledDirs: string[] }): Record<string, string> {
  return Object.assign({}, ...[...dirs.bundledDirs, dirs.dir].map(readVoiceAliases));
}

/**
 * The voice id to synthesize with. A voice saved under the requested id always wins; an OpenAI name then goes
 * through `voiceMap` (PARLA_VOICE_MAP), then `aliases` (the library's aliases.json) when its voice is in the
 * library, else to bundled voice number (index of the name mod the number of bundled voices, by id).
 * @throws ParlaError('voice_not_found') naming the situation: unknown id (with the valid ones) or no bundled voice to map to
 */
export async function resolveVoiceId(requested: string, library: VoiceLibrary, voiceMap: Record<string, string>, aliases: Record<string, string> = {}): Promise<string> {
  const voices = await library.list();
  if (voices.some((v) => v.id === requested)) return requested;
  const name = requested.toLowerCase();
  const openaiIndex = (OPENAI_VOICES as readonly string[]).indexOf(name);
  if (openaiIndex < 0) {
    const valid = voices.map((v) => v.id);
    const openai = voices.some((v) => v.origin === 'bundled') ? `, or an OpenAI name (${OPENAI_VOICES.join(', ')})` : '';
    throw new ParlaError('voice_not_found', `unknown voice "${requested}"; valid voices: ${valid.join(', ') || '(none saved yet)'}${openai}`, { param: 'voice' });
  }
  const mapped = voiceMap[name];
  if (mapped) {
    if (!voices.some((v) => v.id === mapped)) throw new ParlaError('voice_not_found', `OpenAI voice "${name}" is mapped to "${mapped}" (PARLA_VOICE_MAP), which is not in the voice library`, { param: 'voice' });
    return mapped;
  }
  // A bundled voice removed from the folder leaves its alias dangling: the names then fall back to the others.
  const alias = aliases[name];
  if (alias && voices.some((v) => v.id === alias)) return alias;
  const bundled = voices.filter((v) => v.origin === 'bundled').map((v) => v.id).sort();
  if (bundled.length === 0) {
    throw new ParlaError('voice_not_found', `OpenAI voice "${name}" maps to a bundled voice, but no bundled voices are installed; create a voice (POST /v1/audio/voices) and use its id, or map the name with PARLA_VOICE_MAP`, { param: 'voice' });
  }
  return bundled[openaiIndex % bundled.length];
}

/** The mapping in effect, for GET /v1/audio/voices. */
export async function aliasTable(library: VoiceLibrary, voiceMap: Record<string, string>, aliases: Record<string, string> = {}): Promise<Record<string, string>> {
  const table: Record<string, string> = {};
  for (const name of OPENAI_VOICES) {
    table[name] = await resolveVoiceId(name, library, voiceMap, aliases).catch(() => '');
    if (!table[name]) delete table[name];
  }
  return table;
}
