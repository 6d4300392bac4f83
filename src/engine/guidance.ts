/**
 * Classifier-free guidance for a phoneme-pointer AR. Every group the AR writes is fed the phoneme the pointer names
 * (and its neighbours); the voice prompt's own groups are fed "unknown" (id 0), as in training. So the model has an
 * unconditional reading of every step already: the same history fed "unknown". A guided row is decoded twice, as two
 * rows of one batch, and its codes are drawn from
 *
 *   cond + w (cond - uncond)
 *
 * which pushes each group towards what the named phoneme changes and away from what the model would write anyway
 * (the prompt's voice and the previous frames). Measured (training/README.md) on held-out Kathleen sentences nobody
 * tuned on, one candidate, seeds 1-7: the step-600 AR, never trained on the twin's input, 45.2% WER at w 0.3 against
 * 49.6% unguided (w 0.6 and 1 no better than 0; twenty-third session); the shipped AR, fine-tuned with a fifth of its
 * utterances fed "unknown" throughout (`train.py --uncond-drop`), 43.2% at w 1 (twenty-fifth session). It costs a
 * second row in every AR step.
 */
import type { PointerFeed } from '../lm/ar-session.js';

/** What the unconditional row is fed with each group: no phoneme, no context (as a prompt group). */
export const UNGUIDED_FEED: Readonly<PointerFeed> = Object.freeze({ token: 0 });

/** cond + w (cond - uncond), elementwise, into `out` (allocated when absent); both inputs [G * V]. */
export function guideLogits(cond: Float32Array, uncond: Float32Array, weight: number, out: Float32Array = new Float32Array(cond.length)): Float32Array {
  for (let i = 0; i < cond.length; i++) out[i] = cond[i] + weight * (cond[i] - uncond[i]);
  return out;
}

/** Rows a job takes in an AR batch: two when guided (conditional, then unconditional). */
export function rowsPerJob(guided: boolean): 1 | 2 {
  return guided ? 2 : 1;
}
