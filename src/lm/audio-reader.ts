/**
 * The audio reader (`reader.onnx` with `input: "audio"`, docs/model-format.md): a small CTC phoneme recognizer over
 * 16 kHz audio. The engine decodes each of several sampled candidates of a chunk and keeps the one this reader hears
 * say the text best. It replaced reading codebook 0 (code-reader.ts) because the codec decoder renders much of what
 * is heard from the pointer's phonemes, which the codes do not show.
 */
import { ParlaError } from '../errors.js';
import { openGraph, ort, type SessionOptions } from '../onnx.js';
import { argmax } from './sampling/candidates.js';
import { perPhonemeScore, readerTargets, READER_OUTPUT, type ReaderDims } from './code-reader.js';

export const AUDIO_READER_INPUT = 'audio';
/** Shortest audio the graph reads (its analysis window, then a stride-2 convolution over two frames): 35 ms. */
export const AUDIO_READER_MIN_SAMPLES = 560;

export class AudioReader {
  readonly input = 'audio';

  private constructor(
    readonly path: string,
    readonly dims: ReaderDims,
    private readonly session: ort.InferenceSession,
    /** CTC loss per phoneme above which a voice prompt does not say a typed transcript (model.json `reader.transcript_mismatch`); null: unchecked. */
    readonly transcriptMismatch: number | null,
  ) {}

  static async load(path: string, dims: ReaderDims, options: SessionOptions = {}, transcriptMismatch: number | null = null): Promise<AudioReader> {
    return new AudioReader(path, dims, await openGraph(path, [AUDIO_READER_INPUT], [READER_OUTPUT], options), transcriptMismatch);
  }

  targets(textIds: ArrayLike<number>): number[] {
    return readerTargets(this.dims, textIds);
  }

  /** Per-frame log-probabilities [T, C] of one clip (16 kHz, at least AUDIO_READER_MIN_SAMPLES) and T. */
  async logProbs(pcm: Float32Array): Promise<{ data: Float32Array; frames: number }> {
    if (pcm.length < AUDIO_READER_MIN_SAMPLES) {
      throw new ParlaError('invalid_input', `the audio reader needs at least ${AUDIO_READER_MIN_SAMPLES} samples, got ${pcm.length}`, { param: 'audio' });
    }
    const out = (await this.session.run({ [AUDIO_READER_INPUT]: new ort.Tensor('float32', pcm, [1, pcm.length]) }))[READER_OUTPUT];
    if (out.dims.length !== 3 || out.dims[0] !== 1 || out.dims[2] !== this.dims.vocabSize) {
      throw new ParlaError('model_invalid', `${this.path}: ${READER_OUTPUT} has shape [${out.dims.join(', ')}], expected [1, T, ${this.dims.vocabSize}] (model.json reader.vocab_size)`, { param: this.path });
    }
    return { data: out.data as Float32Array, frames: out.dims[1] };
  }

  /**
   * The phonemes the reader hears in `pcm` (greedy CTC: the best class per frame, repeats merged, blanks dropped), as
   * phoneme ids of the model's vocabulary without word boundaries or punctuation. What a voice prompt without a
   * typed transcript gets instead (src/engine/voice.ts); empty for a clip too short to read.
   */
  async transcribe(pcm: Float32Array): Promise<Int32Array> {
    if (pcm.length < AUDIO_READER_MIN_SAMPLES) return new Int32Array(0);
    const { data, frames } = await this.logProbs(pcm);
    const { vocabSize: v, blankId } = this.dims;
    const ids: number[] = [];
    let previous = -1;
    for (let t = 0; t < frames; t++) {
      const best = argmax(data.subarray(t * v, (t + 1) * v));
      if (best !== blankId && best !== previous) ids.push(best);
      previous = best;
    }
    return Int32Array.from(ids);
  }

  /**
   * How badly `pcm` says `textIds`: CTC negative log-likelihood of the sounding phonemes, in nats per phoneme (lower
   * is better; Infinity when the clip is too short to hold them). Text without sounding phonemes scores 0.
   */
  async score(pcm: Float32Array, textIds: ArrayLike<number>): Promise<number> {
    return (await this.hear(pcm, textIds)).score;
  }

  /** score() and the log-probabilities it came from (null when the clip was too short to read or nothing had to be). */
  async hear(pcm: Float32Array, textIds: ArrayLike<number>): Promise<{ score: number; logProbs: { data: Float32Array; frames: number } | null }> {
    const targets = this.targets(textIds);
    if (targets.length === 0) return { score: 0, logProbs: null };
    if (pcm.length < AUDIO_READER_MIN_SAMPLES) return { score: Infinity, logProbs: null };
    const logProbs = await this.logProbs(pcm);
    return { score: perPhonemeScore(this.dims, logProbs.data, logProbs.frames, targets), logProbs };
  }
}
