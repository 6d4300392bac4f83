/** Inputs of the engine benchmark: a prompt voice, a text whose length limit gives the wanted audio length, fixed-length AR jobs. */
import { chirp } from '../audio/signals.js';
import type { ArJob } from '../engine/ar-decode.js';
import { createVoice, type LoadedModel, type Voice } from '../engine/index.js';
import { chunkInputs } from '../engine/prompt.js';
import { resolveSamplingParams } from '../lm/sampling/index.js';
import { analyzeText } from '../text/pipeline.js';

/** Greedy decoding: deterministic, and plain and speculative decoding give identical codes (same work to compare). */
export const GREEDY = { temperature: 0 } as const;
export const SEED = 1;

/** Words the benchmark text is built from (plain English, no numbers to normalize). */
const WORDS = ('the quick brown fox jumps over the lazy dog while a small bird sings in the old tree near the quiet river ' +
  'and the children walk home slowly under a grey sky full of soft rain').split(' ');

/** Short sentences for the memory run (each a separate synthesis). */
export const SHORT_SENTENCES = ['Hello there.', 'Good morning.', 'It is late.', 'Thank you.', 'See you soon.', 'Come in.', 'Not today.', 'Where is it?'];

/** A 3 s chirp as the prompt: real audio through the real codec (speech or not, the work is the same). */
export async function benchVoice(model: LoadedModel): Promise<Voice> {
  return createVoice(model, chirp(150, 3000, 3, model.sampleRate, 0.3), { name: 'Bench Chirp', transcript: 'a short test prompt' });
}

/** Frames the engine allows for `ids` phonemes (src/engine/prompt.ts: 0.25 s per phoneme + 1 s, whole groups). */
function limitFrames(model: LoadedModel, phonemes: number): number {
  return Math.ceil(((phonemes * 0.25 + 1) * model.frameRate) / model.groupSize) * model.groupSize;
}

/**
 * The shortest text whose length limit reaches `seconds` of audio. With random weights the AR (almost) never
 * ends speech, so generation runs to that limit: a fixed, known amount of work.
 */
export async function textForSeconds(model: LoadedModel, seconds: number): Promise<{ text: string; phonemes: number }> {
  const words: string[] = [];
  for (let i = 0; i < 400; i++) {
    words.push(WORDS[i % WORDS.length]);
    const text = words.join(' ') + '.';
    const { ids } = await analyzeText(text);
    if (limitFrames(model, ids.length) >= seconds * model.frameRate) return { text: text[0].toUpperCase() + text.slice(1), phonemes: ids.length };
  }
  return { text: words.join(' ') + '.', phonemes: NaN };
}

/** An AR job producing exactly `seconds` of codebook-0 frames unless the model ends speech (greedy). */
export async function fixedArJob(model: LoadedModel, voice: Voice, text: string, seconds: number, speculative: boolean): Promise<ArJob> {
  const { ids } = await analyzeText(text);
  const inputs = chunkInputs(model, voice, ids);
  const maxGroups = Math.round((seconds * model.frameRate) / model.groupSize);
  return { prompt: inputs.ar, maxGroups, params: resolveSamplingParams(GREEDY), seed: SEED, speculative };
}
