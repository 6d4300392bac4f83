/**
 * The floor under a chunk's length: before `minGroups` groups have been generated, end of speech cannot be drawn.
 * Why: a weakly trained (or unlucky) AR may put most of its mass on end of speech at the first step, which gives
 * an empty chunk, i.e. no audio at all. The floor is applied to the LOGITS (EOS set to -Infinity in every code slot
 * of a masked group) before any sampler runs, by plain, speculative (AR and drafter alike) and batched decoding, each
 * position according to its own group index: all three then sample the same masked distribution, so speculative
 * decoding stays exact and greedy output stays identical with and without the drafter.
 */
import { ParlaError } from '../errors.js';
import type { LoadedModel } from './model.js';

/** Minimum generated length of a chunk: seconds per target phoneme symbol (at least one group in any case). */
export interface MinLength {
  secondsPerPhoneme: number;
}

/**
 * 0.025 s per phoneme symbol: well under any natural rate, so it only binds on an AR that stops too early.
 * Measured with this phonemizer (symbols include spaces and stress marks) on silence-trimmed read speech,
 * 60 utterances each: a native US reader (shared/data/kathleen) median 0.054 s, fastest 0.040 s per symbol;
 * non-native readers (speechocean762) median 0.077 s, fastest 0.042 s. The floor is under 2/3 of the fastest.
 */
export const DEFAULT_MIN_LENGTH: Readonly<MinLength> = { secondsPerPhoneme: 0.025 };

/**
 * Groups before end of speech may be drawn, for a chunk of `phonemes` symbols: floor(phonemes x seconds x frame
 * rate / G), at least 1 (no empty chunk), at most maxGroups (the length limit still wins).
 */
export function minGroupsFor(phonemes: number, min: Readonly<MinLength>, frameRate: number, groupSize: number, maxGroups: number): number {
  const byPhonemes = Math.floor((phonemes * min.secondsPerPhoneme * frameRate) / groupSize);
  return Math.min(Math.max(1, byPhonemes), maxGroups);
}

/** Where end of speech sits in AR logits: [positions, G, V] row-major, code `audioEos` in each of the G slots. */
export interface EosLayout {
  audioEos: number;
  groupSize: number;
  vocabSize: number;
}

export function eosLayout(model: LoadedModel): EosLayout {
  return { audioEos: model.audioEos, groupSize: model.groupSize, vocabSize: model.ar.dims.vocabSize };
}

/**
 * Sets the end-of-speech logit to -Infinity, in place, in every code slot of each position whose group index is
 * below minGroups. `logits` holds consecutive positions [P, G, V] predicting groups fromGroup, fromGroup + 1, ...
 * Idempotent, so a position seen twice (speculative bookkeeping) is safe.
 * @returns logits (the same array)
 */
export function maskEndOfSpeech(logits: Float32Array, fromGroup: number, minGroups: number, layout: Readonly<EosLayout>): Float32Array {
  const { audioEos, groupSize: g, vocabSize: v } = layout;
  const block = g * v;
  if (logits.length % block !== 0) {
    throw new ParlaError('internal', `logits of length ${logits.length} are not whole positions of ${g} x ${v}`);
  }
  const masked = Math.min(logits.length / block, minGroups - fromGroup);
  for (let p = 0; p < masked; p++) {
    for (let j = 0; j < g; j++) logits[p * block + j * v + audioEos] = -Infinity;
  }
  return logits;
}

/** The error for a chunk that got no audio at all (the floor above makes it unexpected). */
export function noSpeech(text: string): ParlaError {
  return new ParlaError(
    'internal',
    `the model produced no speech for "${text.slice(0, 60)}" (it ended speech before the first frame); try another seed or voice, or a better-trained model`,
    { param: 'text' },
  );
}
