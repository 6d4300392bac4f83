/** One way to turn what a user typed (`--voice`, an API `voice` field) into a Voice: a saved id or an audio file. */
import { existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { LoadedModel } from './model.js';
import type { Voice, VoiceLibrary } from './types.js';
import { ParlaError } from '../errors.js';
import { createVoice, slugify, transcriptIds, VOICE_ID } from './voice.js';
import { resolveVoiceId } from './voice-aliases.js';

export interface ResolveVoiceOptions {
  /** What the prompt says; replaces a saved voice's transcript. */
  promptText?: string;
  language?: string;
  /** The library's OpenAI names (libraryAliases), so that `--voice alloy` speaks as the API's `"voice": "alloy"` does. */
  aliases?: Record<string, string>;
}

/**
 * An existing file (wav, mp3, ...) is encoded on the spot (not saved); anything else is a voice id in the library
 * (ParlaError voice_not_found listing the valid ids).
 */
export async function resolveVoice(model: LoadedModel, library: VoiceLibrary, spec: string, options: ResolveVoiceOptions = {}): Promise<Voice> {
  if (existsSync(spec) && statSync(spec).isFile()) {
    const name = basename(spec, extname(spec));
    return createVoice(model, spec, { name, id: slugify(name), transcript: options.promptText, language: options.language });
  }
  // What cannot be an id (a slash, a dot) was meant as a file: say what is wrong with it, not "unknown voice".
  if (!VOICE_ID.test(spec) && (existsSync(spec) || /[/\\]/.test(spec) || extname(spec) !== '')) {
    if (existsSync(spec)) throw new ParlaError('invalid_input', `voice ${spec} is a folder, not an audio file`, { param: 'voice' });
    throw new ParlaError('file_not_found', `voice audio file not found: ${spec} (and it cannot be a saved voice's id)`, { param: 'voice' });
  }
  const voice = await library.get(options.aliases ? await resolveVoiceId(spec, library, {}, options.aliases) : spec);
  const promptText = options.promptText?.trim();
  if (promptText) return { ...voice, transcript: promptText, transcriptIds: await transcriptIds(promptText, options.language), transcriptHeard: undefined };
  return voice;
}
