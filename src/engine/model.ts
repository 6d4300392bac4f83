/** A loaded model: validated manifest plus every ONNX session (AR, drafter, NAR, codec), created once and shared. */
import { resolve } from 'node:path';
import { z } from 'zod';
import { codecSpecOf, parseModelJsonPart, readCodecSpec, readModelJson } from '../codec/spec.js';
import { Codec } from '../codec/codec.js';
import type { SessionOptions } from '../onnx.js';
import { ArModel } from '../lm/ar-model.js';
import { NarModel } from '../lm/nar-model.js';
import { AudioReader } from '../lm/audio-reader.js';
import { CodeReader } from '../lm/code-reader.js';
import { makeCodes, type Codes } from '../codec/codes.js';
import { ParlaError } from '../errors.js';
import { arDims, codecIdOf, loadModelManifest, narDims, type ModelManifest } from './manifest.js';
import { voicingSections, type ReaderSection } from './manifest-schema.js';
import { promptPaceOf, type PromptPace } from './prompt-pace.js';
import { modelCandidates, modelRetryAbove, modelSamplingDefaults, modelSpliceWords, canSplice } from './model-sampling.js';
import type { SamplingParams } from '../lm/sampling/index.js';

export interface LoadModelOptions {
  /** Threads inside one ONNX operator (default 2, the cores of the reference machine). */
  threads?: number;
}

/** What voices need from a model: its codec and the codec's identity. A codec-only model folder has just this. */
export interface CodecOnlyModel {
  id: string;
  /** `codec.id` in model.json, else the model id: saved voices are valid for every model with the same codec id. */
  codecId: string;
  dir: string;
  sampleRate: number;
  hopLength: number;
  /** Codec frames per second (sample rate / hop). */
  frameRate: number;
  /** Q */
  numCodebooks: number;
  codebookSize: number;
  codec: Codec;
  /** The model's reader, when it has one: an audio reader hears voice prompts that come without a transcript (voice.ts). */
  reader?: CodeReader | AudioReader | null;
  /** model.json `prompt_pace`: how fast voice prompts are made (prompt-pace.ts); null or absent: as recorded. */
  promptPace?: PromptPace | null;
  /** model.json `prompt_max_seconds`: how long voice prompts may be (prompt-crop.ts); null or absent: any length. */
  promptMaxSeconds?: number | null;
}

/** Everything synthesis needs from a model folder; immutable and safe to share between concurrent requests. */
export interface LoadedModel extends CodecOnlyModel {
  manifest: ModelManifest;
  /** G: codebook-0 codes per AR position. */
  groupSize: number;
  /** End-of-speech id in AR outputs (= codebook size). */
  audioEos: number;
  ar: ArModel;
  /** null when the model ships no drafter (speculative decoding then falls back to plain decoding). */
  draft: ArModel | null;
  /** null when the model ships codebook 0 alone (its NAR did not yet make speech clearer): see fillCodebooks. */
  nar: NarModel | null;
  /** null when the model ships no reader (then every chunk is decoded once: see candidates.ts). */
  reader: CodeReader | AudioReader | null;
  /** model.json's recommended sampling settings, for requests that leave them out (model-sampling.ts). */
  samplingDefaults: Readonly<Partial<SamplingParams>>;
  /** model.json's `sampling.candidates` (default 1): candidates per chunk for requests that leave it out. */
  candidates: number;
  /** model.json's `sampling.splice_words` (default 0): splicing for requests that leave it out (splice.ts). */
  spliceWords: number;
  /** Whether candidates can be spliced by words: a phoneme-pointer AR with an audio reader. */
  canSplice: boolean;
  /** model.json's `sampling.retry_above` (default 0 = never): a second round of candidates for badly read chunks. */
  retryAbove: number;
}

/** Reads `<dir>/model.json` (ParlaError model_missing / model_invalid naming the field or file) and opens its graphs. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const { dir: absDir, manifest: m, files } = loadModelManifest(dir);
  const session: SessionOptions = { intraOpThreads: options.threads ?? 2 };
  const [ar, draft, nar, reader, codec] = await Promise.all([
    ArModel.load(files.ar, arDims(m, 'ar'), session),
    files.draft ? ArModel.load(files.draft, arDims(m, 'draft'), session) : Promise.resolve(null),
    files.nar ? NarModel.load(files.nar, narDims(m), session) : Promise.resolve(null),
    files.reader && m.reader ? loadReader(files.reader, m.reader, session) : Promise.resolve(null),
    Codec.load(codecSpecOf(m.audio, m.codec, absDir), session),
  ]);
  await checkCodecCodebook(codec, m.audio.codebook_size, files.codecDecoder);
  return {
    id: m.id,
    codecId: codecIdOf(m),
    dir: absDir,
    manifest: m,
    sampleRate: m.audio.sample_rate,
    hopLength: m.audio.hop_length,
    frameRate: m.audio.sample_rate / m.audio.hop_length,
    numCodebooks: m.audio.num_codebooks,
    codebookSize: m.audio.codebook_size,
    groupSize: m.group_size,
    audioEos: m.tokens.audio_eos,
    ar,
    draft,
    nar,
    codec,
    reader,
    ...promptShaping(m),
    samplingDefaults: modelSamplingDefaults(m),
    candidates: modelCandidates(m),
    spliceWords: modelSpliceWords(m),
    canSplice: canSplice(m),
    retryAbove: modelRetryAbove(m),
  };
}

function loadReader(file: string, r: ReaderSection, session: SessionOptions): Promise<CodeReader | AudioReader> {
  const dims = { vocabSize: r.vocab_size, blankId: r.blank_id, firstPhonemeId: r.first_phoneme_id };
  return r.input === 'audio' ? AudioReader.load(file, dims, session, r.transcript_mismatch ?? null) : CodeReader.load(file, dims, session);
}

/** The codebooks the codec decodes for one chunk: the NAR's stages after codebook 0, or codebook 0 alone. */
export async function fillCodebooks(model: LoadedModel, text: ArrayLike<number>, promptCodes: Codes, codebook0: Int32Array, phonemes?: Int32Array): Promise<Codes> {
  if (model.nar) {
    const codes = await model.nar.fill(text, promptCodes, codebook0);
    return phonemes ? makeCodes(codes.codebooks, codes.frames, codes.data, phonemes) : codes;
  }
  return makeCodes(1, codebook0.length, Int32Array.from(codebook0), phonemes);
}

/** How voice prompts are shaped for this model (voice.ts), from its model.json: pace and longest length. */
function promptShaping(m: Pick<z.infer<typeof voicingSections>, 'prompt_pace' | 'prompt_max_seconds'>): Pick<CodecOnlyModel, 'promptPace' | 'promptMaxSeconds'> {
  return { promptPace: promptPaceOf(m.prompt_pace), promptMaxSeconds: m.prompt_max_seconds ?? null };
}

/**
 * Opens only the codec of `<dir>/model.json` (no language model needed), and its audio reader if it names one:
 * enough to create, save and load voices, so voices can be made with a codec that ships ahead of its language model.
 */
export async function loadCodecModel(dir: string, options: LoadModelOptions = {}): Promise<CodecOnlyModel> {
  const json = readModelJson(dir);
  const { id, codecId, spec } = readCodecSpec(json);
  const session: SessionOptions = { intraOpThreads: options.threads ?? 2 };
  const voicing = parseModelJsonPart(json, voicingSections);
  const audioReader = voicing.reader?.input === 'audio' ? voicing.reader : null;
  const [codec, reader] = await Promise.all([Codec.load(spec, session), audioReader ? loadReader(resolve(json.dir, audioReader.file), audioReader, session) : null]);
  return { id, codecId, dir: json.dir, sampleRate: spec.sampleRate, hopLength: spec.hopLength, frameRate: spec.sampleRate / spec.hopLength, numCodebooks: spec.numCodebooks, codebookSize: spec.codebookSize, codec, reader, ...promptShaping(voicing) };
}


/**
 * The AR and NAR emit codes up to codebook_size - 1; a codec trained with a smaller codebook would fail on them
 * mid-synthesis (or worse, index out of bounds), so one frame of the largest code is decoded at load time.
 */
async function checkCodecCodebook(codec: Codec, codebookSize: number, path: string): Promise<void> {
  const codes = makeCodes(codec.spec.numCodebooks, 1, new Int32Array(codec.spec.numCodebooks).fill(codebookSize - 1));
  try {
    await codec.decode(codes);
  } catch (err) {
    throw new ParlaError('model_invalid', `${path} rejects code ${codebookSize - 1}: its codebooks are smaller than audio.codebook_size (${codebookSize}) in model.json (${(err as Error).message.slice(0, 160)})`, { param: 'audio.codebook_size', cause: err });
  }
}
