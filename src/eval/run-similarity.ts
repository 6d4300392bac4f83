/** Speaker similarity for the evaluation runners: the project's speaker encoder when one ships, else a clear "unavailable". */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MIN_SPEAKER_SAMPLES, SpeakerEncoder, defaultSpeakerEncoderPath } from './speaker.js';

export interface Similarity {
  encoder: SpeakerEncoder | null;
  info: { available: boolean; path?: string; reason?: string };
  /** Cosine of the two clips' embeddings; null when there is no encoder or a clip is under 0.5 s. */
  compare(a: Float32Array, b: Float32Array): Promise<number | null>;
}

/** Looks for `explicit`, then <modelDir>/speaker_encoder.onnx, then models/default/speaker_encoder.onnx. */
export async function openSimilarity(modelDir: string, explicit?: string): Promise<Similarity> {
  const candidates = explicit ? [explicit] : [path.join(modelDir, 'speaker_encoder.onnx'), defaultSpeakerEncoderPath()];
  const file = candidates.find((f) => existsSync(f));
  if (!file) {
    const reason = `no speaker encoder at ${candidates.join(' or ')}`;
    return { encoder: null, info: { available: false, reason }, compare: async () => null };
  }
  const encoder = await SpeakerEncoder.load(file, { intraOpThreads: 1 });
  return {
    encoder,
    info: { available: true, path: file },
    compare: async (a, b) => (a.length < MIN_SPEAKER_SAMPLES || b.length < MIN_SPEAKER_SAMPLES ? null : encoder.compare(a, b)),
  };
}
