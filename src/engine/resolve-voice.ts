/** One way to turn what a user typed (`--voice`, an API `voice` field) into a Voice: a saved id or an audio file. */
import { existsSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { LoadedModel } from './model.js';
import type { Voice, VoiceLibrary } from './types.js';
import { createVoice, slugify, transcriptIds } from './voice.js';

export interface ResolveVoiceOptions {
  /** What the prompt says; replaces a saved voice's transcript. */
  promptText?: string;
  language?: string;
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
  const voice = await library.get(spec);
  const promptText = options.promptText?.trim();
  if (promptText) return { ...voice, transcript: promptText, transcriptIds: await transcriptIds(promptText, options.language), transcriptHeard: undefined };
  return voice;
}
