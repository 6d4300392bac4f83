/**
 * Codebook-0 generation with the AR model: prefill [text ; prompt groups] once, then one group per step,
 * each group's codes drawn one at a time by the CodeSampler, until end of speech or the length limit. End of speech
 * is masked out of the logits for the first minGroups groups (min-length.ts), in every decoding path, and for a
 * phoneme-pointer model until its pointer has reached the end of the text (phoneme-pointer.ts).
 */
import { ParlaError } from '../errors.js';
import type { ArPrompt } from '../lm/ar-session.js';
import { ArSession } from '../lm/ar-session.js';
import type { GroupLogits } from '../lm/logits.js';
import { CodeSampler, type SamplingParams } from '../lm/sampling/index.js';
import { guideLogits, rowsPerJob, UNGUIDED_FEED } from './guidance.js';
import { eosLayout, maskEndOfSpeech } from './min-length.js';
import type { LoadedModel } from './model.js';
import { END_TAIL_SECONDS, MAX_BOUNDARY_SECONDS, MAX_TOKEN_SECONDS, PhonemePointer } from './phoneme-pointer.js';
import { decodeSpeculative } from './speculative-decode.js';

export interface ArJob {
  prompt: ArPrompt;
  /** Length limit in groups (the caller derives it from the phoneme count and the model's positions). */
  maxGroups: number;
  /**
   * End of speech cannot be drawn before this many groups (min-length.ts; the Synthesizer derives it from the phoneme
   * count). Default 0: no floor.
   */
  minGroups?: number;
  params: Readonly<SamplingParams>;
  seed: number;
  /** Use the drafter (ignored when the model has none). */
  speculative: boolean;
  signal?: AbortSignal;
  /**
   * Called after each group the row keeps and goes on from (not for the group that ends it): what stream()'s early
   * first audio watches (early-head.ts). A promise returned holds the next step until it settles (the first word
   * group is being chosen: decodes that would otherwise take turns with AR steps on the one JS thread). Plain
   * decoding only.
   */
  onGroup?: (progress: ArProgress) => void | Promise<void>;
}

/** Where a decoding row stands after a group. */
export interface ArProgress {
  /** Frames generated so far. */
  frames: number;
  /** Pointer models: the AR text-row index the pointer is at now, where the next frames go (-1 without a pointer). */
  position: number;
  /** The frames so far as a result (copies; endOfSpeech false). */
  partial: () => ArResult;
}

export interface ArResult {
  /** Generated codebook-0 codes, one per frame, end of speech excluded. */
  codes: Int32Array;
  /** AR graph calls (prefill, steps, verifications). */
  arSteps: number;
  /** Speculative decoding only: drafted codes proposed and accepted. */
  proposed: number;
  accepted: number;
  /** True when generation stopped on end of speech (false: the length limit). */
  endOfSpeech: boolean;
  /** Pointer models: the phoneme id each generated frame stands for (the pointer's token for its group). */
  phonemes?: Int32Array;
  /** Pointer models: the AR text-row index of that phoneme for each frame (where the pointer was; splice.ts). */
  positions?: Int32Array;
}

/**
 * Plain or speculative decoding of one utterance; greedy (temperature 0) gives identical codes either way. Pointer
 * models have no drafter (manifest.ts), so they always decode plainly.
 */
export async function generateCodebook0(model: LoadedModel, job: ArJob): Promise<ArResult> {
  checkGuidance(model, job);
  if (job.speculative && model.draft) return decodeSpeculative(model, model.draft, job);
  return decodePlain(model, job);
}

/** Guidance needs a phoneme-pointer AR (guidance.ts: the unconditional row is fed "unknown" for the pointer's phoneme). */
export function checkGuidance(model: LoadedModel, job: ArJob): void {
  if (job.params.guidance > 0 && !model.ar.dims.pointerClasses) {
    throw new ParlaError('invalid_input', `guidance ${job.params.guidance} needs a phoneme-pointer model; ${model.id} has none (use guidance 0)`, { param: 'guidance' });
  }
}

/** The phoneme pointer of a job on a pointer model (null for other models); it draws from the sampler's RNG. */
export function pointerFor(model: LoadedModel, job: ArJob, sampler: CodeSampler): PhonemePointer | null {
  if (!model.ar.dims.pointerClasses) return null;
  const groups = (seconds: number) => Math.ceil((seconds * model.frameRate) / model.groupSize);
  return new PhonemePointer(job.prompt.text, {
    greedy: job.params.temperature === 0 || job.params.pointer !== 'sample',
    rng: sampler.rng,
    tailGroups: groups(END_TAIL_SECONDS),
    maxSpent: model.ar.dims.pointerContext ?? 0,
    maxGroupsOnToken: groups(MAX_TOKEN_SECONDS),
    maxGroupsOnBoundary: groups(MAX_BOUNDARY_SECONDS),
  });
}

/** The group floor for masking end of speech: a pointer row may end only once its pointer has read the whole text. */
export function endOfSpeechFloor(pointer: PhonemePointer | null, minGroups: number): number {
  return pointer && !pointer.atEnd ? Infinity : minGroups;
}

async function decodePlain(model: LoadedModel, job: ArJob): Promise<ArResult> {
  const { groupSize: g, audioEos } = model;
  const layout = eosLayout(model);
  const minGroups = job.minGroups ?? 0;
  const sampler = new CodeSampler(job.params, { seed: job.seed });
  const pointer = pointerFor(model, job, sampler);
  // A guided job decodes as two rows: conditional (row 0) and unconditional (row 1); guidance.ts.
  const guided = pointer !== null && job.params.guidance > 0;
  const session = ArSession.start(model.ar, rowsPerJob(guided));
  const prompt = { ...job.prompt, pointer: pointer?.feed };
  let logits = await session.prefill(guided ? [prompt, { ...job.prompt, pointer: UNGUIDED_FEED }] : [prompt]);
  const guidedBuffer = guided ? new Float32Array(g * logits.vocabSize) : null;
  const nextOf = (l: GroupLogits): Float32Array => (guidedBuffer ? guideLogits(rowLast(l, 0), rowLast(l, 1), job.params.guidance, guidedBuffer) : lastPosition(l));
  let next = nextOf(logits);
  let arSteps = 1;
  const out: number[] = [];
  const phonemes = pointer ? new FramePhonemes() : null;
  const result = (endOfSpeech: boolean): ArResult => ({ codes: Int32Array.from(out), arSteps, proposed: 0, accepted: 0, endOfSpeech, ...phonemes?.result() });
  const group = new Int32Array(g);
  for (let n = 0; n < job.maxGroups; n++) {
    throwIfAborted(job.signal);
    sampler.sampleGroup(maskEndOfSpeech(next, n, endOfSpeechFloor(pointer, minGroups), layout), g, group);
    const eos = group.indexOf(audioEos);
    const kept = eos >= 0 ? group.subarray(0, eos) : group;
    out.push(...kept);
    phonemes?.add(pointer!.token, pointer!.position, kept.length);
    if (eos >= 0) return result(true);
    if (pointer) {
      pointer.advance(logits.advanceAt(0, logits.positions - 1)!);
      if (pointer.tailExceeded) return result(true);
    }
    if (n + 1 === job.maxGroups) break;
    await job.onGroup?.({ frames: out.length, position: pointer?.position ?? -1, partial: () => result(false) });
    logits = await session.step(guided ? [group, group] : [group], pointer ? (guided ? [pointer.feed, UNGUIDED_FEED] : [pointer.feed]) : undefined);
    next = nextOf(logits);
    arSteps++;
  }
  return result(false);
}

/** The phoneme of each generated frame: the pointer's token (and position) while its group was drawn (before it moves). */
export class FramePhonemes {
  private readonly ids: number[] = [];
  private readonly positions: number[] = [];

  add(token: number, position: number, frames: number): void {
    for (let i = 0; i < frames; i++) {
      this.ids.push(token);
      this.positions.push(position);
    }
  }

  result(): { phonemes: Int32Array; positions: Int32Array } {
    return { phonemes: Int32Array.from(this.ids), positions: Int32Array.from(this.positions) };
  }
}

/** Row 0's logits at its last position, [G * V] (a view). */
export function lastPosition(logits: GroupLogits): Float32Array {
  return rowLast(logits, 0);
}

/** Row b's logits at its last position, [G * V] (a view). */
export function rowLast(logits: GroupLogits, b: number): Float32Array {
  const block = logits.groupSize * logits.vocabSize;
  const at = (b * logits.positions + logits.positions - 1) * block;
  return logits.data.subarray(at, at + block);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ParlaError('cancelled', 'synthesis was cancelled', { param: 'signal' });
}
