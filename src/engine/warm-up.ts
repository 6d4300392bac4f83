/**
 * Runs the text front end and every graph once, so that the first requests do not pay first-use costs. The big one
 * is the phonemizer: loading the espeak-ng WASM module takes 150-270 ms, and V8 compiles WASM to fast code only once
 * it has run for a while, so a new clause took 60-170 ms to phonemize after one short phrase and 4-34 ms after the
 * three sentences below (2 cores under load ~7). Measured on the bench models in fresh processes (load 8-9), text
 * work before the first graph call: first request 323-461 ms, second 173-208 ms without the warm-up; 35-47 ms and
 * 20-36 ms with it. onnxruntime's first runs and the JIT of the sampling loops add tens of ms. The warm-up itself
 * takes about 2.5 s at that load, once, before a server reports ready.
 *
 * Once per loaded model: later calls get the same promise (the phonemizer is process-wide, and warm anyway then).
 */
import { makeCodes } from '../codec/codes.js';
import { resolveSamplingParams } from '../lm/sampling/index.js';
import { analyzeText } from '../text/pipeline.js';
import { generateCodebook0 } from './ar-decode.js';
import { fillCodebooks, type LoadedModel } from './model.js';
import { chunkInputs } from './prompt.js';
import type { Voice } from './types.js';

/** Aesop's "The North Wind and the Sun" (the phoneticians' standard passage): varied English to warm the phonemizer. */
const PHONEMIZER_TEXTS = [
  'The North Wind and the Sun were disputing which was the stronger, when a traveler came along wrapped in a warm cloak.',
  'They agreed that the one who first succeeded in making the traveler take his cloak off should be considered stronger than the other.',
  'Then the North Wind blew as hard as he could, but the more he blew the more closely did the traveler fold his cloak around him.',
];
const GRAPH_TEXT = 'Hello, world.';
/** Prompt length of the dummy voice (a typical prompt: 3-6 s) and AR groups decoded. */
const PROMPT_SECONDS = 3;
const GROUPS = 16;

const warmed = new WeakMap<LoadedModel, Promise<void>>();

/** Warms `model` once; a failed warm-up is forgotten so that a later call tries again. */
export function warmUp(model: LoadedModel): Promise<void> {
  let done = warmed.get(model);
  if (!done) {
    done = run(model);
    warmed.set(model, done);
    done.catch(() => warmed.delete(model));
  }
  return done;
}

async function run(model: LoadedModel): Promise<void> {
  for (const text of PHONEMIZER_TEXTS) await analyzeText(text);
  const { ids } = await analyzeText(GRAPH_TEXT);
  const { numCodebooks: q, groupSize: g } = model;
  const frames = Math.round((PROMPT_SECONDS * model.frameRate) / g) * g;
  const voice: Voice = { id: 'warm-up', name: 'warm-up', codes: makeCodes(q, frames), durationSeconds: PROMPT_SECONDS, origin: 'user' };
  const inputs = chunkInputs(model, voice, ids);
  const job = { prompt: inputs.ar, maxGroups: Math.min(GROUPS, inputs.maxGroups), params: resolveSamplingParams({}), seed: 0, speculative: false };
  const ar = await generateCodebook0(model, job);
  if (model.draft) await generateCodebook0(model, { ...job, speculative: true });
  // A trained AR may end speech at once on a silent prompt: the NAR and codec still get a few frames.
  const codebook0 = ar.codes.length >= 2 * g ? ar.codes : new Int32Array(2 * g);
  const codes = await fillCodebooks(model, inputs.text, inputs.promptCodes, codebook0);
  await model.codec.decode(codes);
  await model.codec.reach(); // what stream() decodes with
}
