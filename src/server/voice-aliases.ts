/** OpenAI voice names (alloy, echo, ...) resolved to voices in the library: a configured mapping, else the bundled voices in turn. */
import { ParlaError } from '../errors.js';
import type { VoiceLibrary } from '../engine/types.js';

export const OPENAI_VOICES = ['alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer', 'verse', 'marin', 'cedar'] as const;

/**
 * The voice id to synthesize with. A voice saved under the requested id always wins; an OpenAI name then goes
 * through `voiceMap`, else to bundled voice number (index of the name mod the number of bundled voices, by id).
 * @throws ParlaError('voice_not_found') naming the situation: unknown id (with the valid ones) or no bundled voice to map to
 */
export async function resolveVoiceId(requested: string, library: VoiceLibrary, voiceMap: Record<string, string>): Promise<string> {
  const voices = await library.list();
  if (voices.some((v) => v.id === requested)) return requested;
  const name = requested.toLowerCase();
  const openaiIndex = (OPENAI_VOICES as readonly string[]).indexOf(name);
  if (openaiIndex < 0) {
    const valid = voices.map((v) => v.id);
    throw new ParlaError('voice_not_found', `unknown voice "${requested}"; valid voices: ${valid.join(', ') || '(none saved yet)'} (and the OpenAI names ${OPENAI_VOICES.join(', ')} when bundled voices exist)`, { param: 'voice' });
  }
  const mapped = voiceMap[name];
  if (mapped) {
    if (!voices.some((v) => v.id === mapped)) throw new ParlaError('voice_not_found', `OpenAI voice "${name}" is mapped to "${mapped}" (PARLA_VOICE_MAP), which is not in the voice library`, { param: 'voice' });
    return mapped;
  }
  const bundled = voices.filter((v) => v.origin === 'bundled').map((v) => v.id).sort();
  if (bundled.length === 0) {
    throw new ParlaError('voice_not_found', `OpenAI voice "${name}" maps to a bundled voice, but no bundled voices are installed; create a voice (POST /v1/audio/voices) and use its id, or map the name with PARLA_VOICE_MAP`, { param: 'voice' });
  }
  return bundled[openaiIndex % bundled.length];
}

/** The mapping in effect, for GET /v1/audio/voices. */
export async function aliasTable(library: VoiceLibrary, voiceMap: Record<string, string>): Promise<Record<string, string>> {
  const table: Record<string, string> = {};
  for (const name of OPENAI_VOICES) {
    table[name] = await resolveVoiceId(name, library, voiceMap).catch(() => '');
    if (!table[name]) delete table[name];
  }
  return table;
}
