/** A loaded model: validated manifest plus every ONNX session (AR, drafter, NAR, codec), created once and shared. */
import { Codec } from '../codec/codec.js';
import type { SessionOptions } from '../onnx.js';
import { ArModel } from '../lm/ar-model.js';
import { NarModel } from '../lm/nar-model.js';
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
    Codec.load(
      {
        sampleRate: m.audio.sample_rate,
        hopLength: m.audio.hop_length,
        numCodebooks: m.audio.num_codebooks,
        codebookSize: m.audio.codebook_size,
        encoderPath: files.codecEncoder,
        decoderPath: files.codecDecoder,
        encoderInput: m.codec.encoder.input,
        encoderOutput: m.codec.encoder.output,
        decoderInput: m.codec.decoder.input,
        decoderOutput: m.codec.decoder.output,
      },
      session,
    ),
  ]);
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
