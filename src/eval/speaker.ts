/** Speaker similarity: the project's ONNX speaker encoder (16 kHz PCM -> unit embedding) and cosine similarity of embeddings. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParlaError } from '../errors.js';
import { openGraph, ort, type SessionOptions } from '../onnx.js';

/** Rate the encoder's input must have; decode with `decodeAudio(x, { sampleRate: 16000 })`. */
export const SPEAKER_SAMPLE_RATE = 16000;
/** 0.5 s: shorter clips give too few frames for stable statistics (MIN_SAMPLES in training/speaker/export.py). */
export const MIN_SPEAKER_SAMPLES = 8000;
/** Peak below which a clip is treated as silence: its embedding would describe nobody. */
const SILENCE_PEAK = 1e-4;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** models/default/speaker_encoder.onnx in this checkout or package. */
export function defaultSpeakerEncoderPath(): string {
  return path.join(repoRoot, 'models', 'default', 'speaker_encoder.onnx');
}

function checkPcm(pcm16k: Float32Array): void {
  if (!(pcm16k instanceof Float32Array)) {
    throw new ParlaError('invalid_input', 'speaker encoder input must be a Float32Array of 16 kHz mono PCM', { param: 'pcm16k' });
  }
  if (pcm16k.length < MIN_SPEAKER_SAMPLES) {
    throw new ParlaError('audio_too_short',
      `speaker encoder needs at least ${MIN_SPEAKER_SAMPLES / SPEAKER_SAMPLE_RATE} s of 16 kHz audio (${MIN_SPEAKER_SAMPLES} samples), got ${pcm16k.length}`,
      { param: 'pcm16k' });
  }
  let peak = 0;
  for (let i = 0; i < pcm16k.length; i++) {
    const v = Math.abs(pcm16k[i]);
    if (!Number.isFinite(v)) throw new ParlaError('invalid_input', `speaker encoder input has a non-finite sample at index ${i}`, { param: 'pcm16k' });
    if (v > peak) peak = v;
  }
  if (peak < SILENCE_PEAK) throw new ParlaError('audio_silent', `speaker encoder input is silent (peak ${peak.toExponential(1)})`, { param: 'pcm16k' });
}

/** Cosine similarity of two embeddings of equal length, in [-1, 1]. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) {
    throw new ParlaError('invalid_input', `embeddings must have the same non-zero length (got ${a.length} and ${b.length})`, { param: 'embedding' });
  }
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) throw new ParlaError('invalid_input', 'cannot compare a zero embedding', { param: 'embedding' });
  return dot / Math.sqrt(na * nb);
}

export class SpeakerEncoder {
  private constructor(private readonly session: ort.InferenceSession, readonly path: string) {}

  /** Loads the ONNX speaker encoder (input `audio` [B, N] float32, output `embedding` [B, D]). */
  static async load(file: string = defaultSpeakerEncoderPath(), options: SessionOptions = {}): Promise<SpeakerEncoder> {
    return new SpeakerEncoder(await openGraph(file, ['audio'], ['embedding'], options), file);
  }

  /** Unit-length embedding (D,) of one clip of 16 kHz mono PCM (at least 0.5 s, not silent). */
  async embed(pcm16k: Float32Array): Promise<Float32Array> {
    checkPcm(pcm16k);
    const audio = new ort.Tensor('float32', pcm16k, [1, pcm16k.length]);
    const out = await this.session.run({ audio });
    return new Float32Array(out.embedding.data as Float32Array);
  }

  /** Cosine similarity of two embeddings (same as `cosineSimilarity`). */
  similarity(a: Float32Array, b: Float32Array): number {
    return cosineSimilarity(a, b);
  }

  /** Embeds both clips and returns their cosine similarity. */
  async compare(a: Float32Array, b: Float32Array): Promise<number> {
    return cosineSimilarity(await this.embed(a), await this.embed(b));
  }
}
