/** A loaded model: validated manifest plus every ONNX session (AR, drafter, NAR, codec), created once and shared. */
import { codecSpecOf } from '../codec/spec.js';
import { Codec } from '../codec/codec.js';
import type { SessionOptions } from '../onnx.js';
import { ArModel } from '../lm/ar-model.js';
import { NarModel } from '../lm/nar-model.js';
import { makeCodes } from '../codec/codes.js';
import { ParlaError } from '../errors.js';
import { arDims, loadModelManifest, narDims, type ModelManifest } from './manifest.js';

export interface LoadModelOptions {
  /** Threads inside one ONNX operator (default 2, the cores of the reference machine). */
  threads?: number;
}

/** Everything synthesis needs from a model folder; immutable and safe to share between concurrent requests. */
export interface LoadedModel {
  id: string;
  dir: string;
  manifest: ModelManifest;
  sampleRate: number;
  hopLength: number;
  /** Codec frames per second (sample rate / hop). */
  frameRate: number;
  /** Q */
  numCodebooks: number;
  codebookSize: number;
  /** G: codebook-0 codes per AR position. */
  groupSize: number;
  /** End-of-speech id in AR outputs (= codebook size). */
  audioEos: number;
  ar: ArModel;
  /** null when the model ships no drafter (speculative decoding then falls back to plain decoding). */
  draft: ArModel | null;
  nar: NarModel;
  codec: Codec;
}

/** Reads `<dir>/model.json` (ParlaError model_missing / model_invalid naming the field or file) and opens its graphs. */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const { dir: absDir, manifest: m, files } = loadModelManifest(dir);
  const session: SessionOptions = { intraOpThreads: options.threads ?? 2 };
  const [ar, draft, nar, codec] = await Promise.all([
    ArModel.load(files.ar, arDims(m, 'ar'), session),
    files.draft ? ArModel.load(files.draft, arDims(m, 'draft'), session) : Promise.resolve(null),
    NarModel.load(files.nar, narDims(m), session),
    Codec.load(codecSpecOf(m.audio, m.codec, absDir), session),
  ]);
  await checkCodecCodebook(codec, m.audio.codebook_size, files.codecDecoder);
  return {
    id: m.id,
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
  };
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
