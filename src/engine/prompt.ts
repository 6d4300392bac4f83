/**
 * The model inputs for one chunk (docs/model-format.md, "Text tokens" and "ar.onnx"): text tokens with or
 * without the prompt transcript, the prompt cut to whole groups, and the generation length limit.
 */
import { sliceFrames, type Codes } from '../codec/codes.js';
import { ParlaError } from '../errors.js';
import type { ArPrompt } from '../lm/ar-session.js';
import type { LoadedModel } from './model.js';
import type { Voice } from './types.js';

/** Longest prompt used (seconds): training prompts are 3-6 s; a longer voice is cropped (and its transcript dropped). */
export const MAX_PROMPT_SECONDS_USED = 10;
/** Generation length limit of a chunk: seconds per phoneme symbol plus extra seconds. */
export interface LengthLimit {
  secondsPerPhoneme: number;
  extraSeconds: number;
}

/** A generous 0.25 s per phoneme symbol plus 1 s, far above natural speech (about 0.08 s). */
export const DEFAULT_LENGTH_LIMIT: Readonly<LengthLimit> = { secondsPerPhoneme: 0.25, extraSeconds: 1 };

export interface ChunkInputs {
  ar: ArPrompt;
  /** Text tokens (shared by the AR and the NAR). */
  text: Int32Array;
  /** All Q codebooks of the (cut) prompt, [Q, Tp]. */
  promptCodes: Codes;
  maxGroups: number;
}

/** AR positions (groups) usable by both the AR and the drafter. */
function arPositions(model: LoadedModel): number {
  return Math.min(model.ar.dims.maxPositions, model.draft?.dims.maxPositions ?? Infinity);
}

/** NAR positions: text + prompt frames + target frames (one position per frame); no limit without a NAR. */
function narPositions(model: LoadedModel): number {
  return model.manifest.nar?.dims.max_positions ?? Infinity;
}

/** Prompt frames actually used: whole groups, at most MAX_PROMPT_SECONDS_USED and a third of either model's positions. */
export function usablePromptFrames(model: LoadedModel, voice: Voice): number {
  const g = model.groupSize;
  const limit = Math.min(Math.floor(MAX_PROMPT_SECONDS_USED * model.frameRate), Math.floor(arPositions(model) / 3) * g, Math.floor(narPositions(model) / 3));
  return Math.floor(Math.min(voice.codes.frames, limit) / g) * g;
}

export function chunkInputs(model: LoadedModel, voice: Voice, targetIds: Int32Array, limit: Readonly<LengthLimit> = DEFAULT_LENGTH_LIMIT): ChunkInputs {
  const { numCodebooks: q, codebookSize, groupSize: g } = model;
  const ph = model.manifest.phonemes;
  if (voice.codes.codebooks !== q) {
    throw new ParlaError('invalid_input', `voice "${voice.id}" has ${voice.codes.codebooks} codebooks, model ${model.id} needs ${q}`, { param: 'voice' });
  }
  if (voice.codes.data.some((c) => c < 0 || c >= codebookSize)) {
    throw new ParlaError('invalid_input', `voice "${voice.id}" has codes outside 0..${codebookSize - 1}`, { param: 'voice' });
  }
  const frames = usablePromptFrames(model, voice);
  const cropped = frames < Math.floor(voice.codes.frames / g) * g;
  const promptCodes = sliceFrames(voice.codes, 0, frames);
  // A cropped prompt no longer matches its transcript: use reference mode without transcript, as training does.
  const transcript = !cropped && voice.transcriptIds && voice.transcriptIds.length > 0 ? voice.transcriptIds : null;
  const text = Int32Array.from(transcript ? [ph.bos_id, ...transcript, ph.sep_id, ...targetIds, ph.eos_id] : [ph.bos_id, ...targetIds, ph.eos_id]);
  const groups: number[][] = [];
  for (let t = 0; t < frames; t += g) groups.push(Array.from(promptCodes.data.subarray(t, t + g)));

  // The AR holds text + prompt groups + generated groups (+1 bonus position while verifying); the NAR one position per frame.
  const room = Math.min(arPositions(model) - text.length - groups.length - 1, Math.floor((narPositions(model) - text.length - frames) / g));
  const byPhonemes = Math.ceil(((targetIds.length * limit.secondsPerPhoneme + limit.extraSeconds) * model.frameRate) / g);
  const maxGroups = Math.min(byPhonemes, room);
  if (maxGroups < 1) {
    throw new ParlaError('invalid_input', `text chunk of ${targetIds.length} phonemes plus the voice prompt does not fit the model's positions (AR ${arPositions(model)}, NAR ${narPositions(model)}); use a smaller chunkPhonemes`, { param: 'chunkPhonemes' });
  }
  return { ar: { text, groups }, text, promptCodes, maxGroups };
}
