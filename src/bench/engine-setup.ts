/** Inputs of the engine benchmark: a prompt voice, a text whose length limit gives the wanted audio length, fixed-length AR jobs. */
import { chirp, syllabify } from '../audio/signals.js';
import type { ArJob } from '../engine/ar-decode.js';
import { createVoice, defaultVoiceId, FileVoiceLibrary, type LoadedModel, type Voice } from '../engine/index.js';
import { bundledVoicesDir } from '../paths.js';
import { chunkInputs } from '../engine/prompt.js';
import { resolveSamplingParams } from '../lm/sampling/index.js';
import { analyzeText } from '../text/pipeline.js';

/**
 * Greedy decoding: deterministic, and plain and speculative decoding give identical codes (same work to compare).
 * Unguided (guidance 0 whatever the model recommends): these rows measure the engine's plain AR work, comparable
 * across records; the recommended-settings rows run the model's guidance (two AR rows per candidate).
 */
export const GREEDY = { temperature: 0, guidance: 0 } as const;
export const SEED = 1;

/** Words the benchmark text is built from (plain English, no numbers to normalize). */
const WORDS = ('the quick brown fox jumps over the lazy dog while a small bird sings in the old tree near the quiet river ' +
  'and the children walk home slowly under a grey sky full of soft rain').split(' ');

/**
 * Paragraphs for time to first audio: ordinary prose (commas, several sentences), each used once per run so the
 * phonemizer has never seen it (a request's text is new; the bench sentence above is cached after the warm-up).
 */
export const TTFA_PARAGRAPHS = [
  'When the morning train finally pulled into the station, the crowd on the platform surged forward. Nobody had expected the delay to last so long, and the children were tired and hungry.',
  'Before you begin, make sure that the power cable is unplugged. Remove the four screws on the back panel and lift the cover gently, then set it aside.',
  'My grandmother kept a small garden behind the house, full of herbs and tomatoes. Every summer she would send us out to pick the ripe ones, and we always ate more than we brought back.',
  'According to the report, sales rose sharply in the third quarter, driven mostly by new customers in the north. Costs, however, grew even faster.',
  'The old lighthouse stood on the rocks for more than a century, guiding ships through the narrow passage. When the keeper retired, nobody wanted the lonely job.',
  'Please remember that the library closes early on Fridays, at five in the afternoon. Books returned after that time will be counted as late, and a small fine will be added.',
  'He opened the letter slowly, afraid of what it might say. The first line was polite and formal, but the second made his heart sink.',
  'If the weather holds, we will walk along the coast to the next village and take the bus back. Bring good shoes, some water, and something warm to wear.',
];

/** How far apart the staggered requests start (requests arriving while others decode: continuous batching). */
export const STAGGER_MS = 300;

/** A length limit at a natural speaking rate: random weights never end speech, a trained model ends about here. */
export const NATURAL_LENGTH = { secondsPerPhoneme: 0.08, extraSeconds: 0 } as const;

/** Short sentences for the memory run (each a separate synthesis). */
export const SHORT_SENTENCES = ['Hello there.', 'Good morning.', 'It is late.', 'Thank you.', 'See you soon.', 'Come in.', 'Not today.', 'Where is it?'];

/**
 * The bench's voice prompt: the one `parla say` speaks with when given none (defaultVoiceId over the bundled voices
 * only, so a record does not depend on the user's own voices). Models whose codec the bundled voices do not fit (the
 * fixtures) get a 3 s chirp in syllable-like bursts (a steady tone is refused as not speech) with a made-up transcript instead: real audio through the real codec, and the same work.
 * Why not the chirp for every model (as before 2026-11-27): a model with an audio reader refuses a transcript its
 * prompt does not say, and speech is what users give.
 */
export async function sayDefaultVoice(model: LoadedModel): Promise<{ id: string; voice: Voice }> {
  const library = new FileVoiceLibrary(model, { dir: bundledVoicesDir() });
  const id = defaultVoiceId(await library.list());
  const voice = id === undefined ? null : await library.get(id).catch(() => null);
  if (id !== undefined && voice) return { id, voice };
  return { id: 'chirp', voice: await createVoice(model, syllabify(chirp(150, 3000, 3, model.sampleRate, 0.3), model.sampleRate), { name: 'Bench Chirp', transcript: 'a short test prompt' }) };
}

/** Frames the engine allows for `ids` phonemes (src/engine/prompt.ts: 0.25 s per phoneme + 1 s, whole groups). */
function limitFrames(model: LoadedModel, phonemes: number): number {
  return Math.ceil(((phonemes * 0.25 + 1) * model.frameRate) / model.groupSize) * model.groupSize;
}

/**
 * The shortest text of about `seconds` of audio. With random weights the AR (almost) never ends speech, so
 * generation runs to the length limit: the text is the shortest whose limit reaches `seconds`, a fixed, known
 * amount of work. A trained model ends speech at its speaking rate: the text is the shortest whose length at
 * the natural rate (NATURAL_LENGTH) reaches `seconds`, and the audio it actually makes is what rates count.
 */
export async function textForSeconds(model: LoadedModel, seconds: number, trained: boolean): Promise<{ text: string; phonemes: number }> {
  const words: string[] = [];
  const frames = (phonemes: number): number => (trained ? phonemes * NATURAL_LENGTH.secondsPerPhoneme * model.frameRate : limitFrames(model, phonemes));
  for (let i = 0; i < 400; i++) {
    words.push(WORDS[i % WORDS.length]);
    const text = words.join(' ') + '.';
    const { ids } = await analyzeText(text);
    if (frames(ids.length) >= seconds * model.frameRate) return { text: text[0].toUpperCase() + text.slice(1), phonemes: ids.length };
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
