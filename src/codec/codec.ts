/** The neural audio codec on onnxruntime-node: PCM <-> RVQ codes, one-shot and streaming. */
import { ParlaError } from '../errors.js';
import { openGraph, ort, type SessionOptions } from '../onnx.js';
import { makeCodes, type Codes } from './codes.js';
import { StreamingDecoder, type StreamingOptions } from './streaming.js';

export interface CodecSpec {
  sampleRate: number;
  hopLength: number;
  numCodebooks: number;
  codebookSize: number;
  encoderPath: string;
  decoderPath: string;
  encoderInput?: string;
  encoderOutput?: string;
  decoderInput?: string;
  decoderOutput?: string;
  /** Input name of the decoder's per-frame phoneme ids [B, T] (model.json codec.decoder.phonemes); '' = none. */
  decoderPhonemes?: string;
  /**
   * Input names of the decoder's voice prompt: its codes [B, n, Tp] and their weight [B] (model.json
   * codec.decoder.voice); '' = a decoder without a voice input.
   */
  decoderVoiceCodes?: string;
  decoderVoiceWeight?: string;
}

export interface DecodeOptions {
  /** Decode only the first n codebooks (lower bitrate). */
  codebooks?: number;
  /**
   * The codes of a voice prompt, for a decoder with a voice input: it renders the codes in that voice (the AR's
   * codebook 0 alone carries the voice the AR was trained on). Ignored by decoders without one.
   */
  voice?: Codes;
}

/** The farthest reach measured: a decoder reaching farther (attention over the whole clip) is streamed with this much context. */
export const MAX_REACH_FRAMES = 64;

export class Codec {
  /** reach(), once measured. */
  private measuredReach: Promise<number> | undefined;
  private knownReach: number | undefined;

  private constructor(
    readonly spec: Required<CodecSpec>,
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
  ) {}

  static async load(spec: CodecSpec, options: SessionOptions = {}): Promise<Codec> {
    const full: Required<CodecSpec> = {
      encoderInput: 'audio',
      encoderOutput: 'codes',
      decoderInput: 'codes',
      decoderOutput: 'audio',
      decoderPhonemes: '',
      decoderVoiceCodes: '',
      decoderVoiceWeight: '',
      ...spec,
    };
    if (Boolean(full.decoderVoiceCodes) !== Boolean(full.decoderVoiceWeight)) {
      throw new ParlaError('model_invalid', 'codec.decoder.voice needs both input names, codes and weight', { param: 'codec.decoder.voice' });
    }
    const decoderInputs = [full.decoderInput, full.decoderPhonemes, full.decoderVoiceCodes, full.decoderVoiceWeight].filter(Boolean);
    const [encoder, decoder] = await Promise.all([
      openGraph(full.encoderPath, [full.encoderInput], [full.encoderOutput], options),
      openGraph(full.decoderPath, decoderInputs, [full.decoderOutput], options),
    ]);
    return new Codec(full, encoder, decoder);
  }

  /**
   * Frames on either side of a frame whose codes change its audio (the decoder's receptive field with its synthesis
   * window). A streaming decode with this much context on both sides of each piece equals the one-shot decode; the
   * shipped codec reaches 23 frames, where the 8 streamed with until 2026-11-27 left seams 23-27 dB below the signal.
   * Measured once, when first asked (two decodes, ~35 ms for the shipped codec: streams ask, and the engine's warm-up,
   * so that nothing else that opens a codec pays for it).
   */
  reach(): Promise<number> {
    this.measuredReach ??= this.measureReach().then((frames) => (this.knownReach = frames));
    return this.measuredReach;
  }

  /**
   * Decodes 2R + 1 frames of fixed pseudo-random codes, then again with the middle frame changed, and returns how
   * many frames either side of it the audio changed over (R = MAX_REACH_FRAMES at most; 0 for a frame-local decoder).
   */
  private async measureReach(): Promise<number> {
    const r = MAX_REACH_FRAMES;
    const frames = 2 * r + 1;
    const q = this.spec.numCodebooks;
    const size = this.spec.codebookSize;
    let seed = 12345;
    const data = Int32Array.from({ length: q * frames }, () => (seed = (seed * 1103515245 + 12345) >>> 0) % size);
    // render, not decode: a probe, not a decode anyone asked for (and not one a caller counting decodes should see).
    const before = await this.render(makeCodes(q, frames, data), q);
    for (let c = 0; c < q; c++) data[c * frames + r] = (data[c * frames + r] + size / 2) % size;
    const after = await this.render(makeCodes(q, frames, data), q);
    const hop = this.spec.hopLength;
    let first = -1;
    let last = -1;
    for (let i = 0; i < before.length; i++) {
      if (before[i] === after[i]) continue;
      if (first < 0) first = i;
      last = i;
    }
    if (first < 0) return 0;
    return Math.min(r, Math.max(Math.ceil((r * hop - first) / hop), Math.ceil((last + 1 - (r + 1) * hop) / hop), 0));
  }

  get sampleRate(): number {
    return this.spec.sampleRate;
  }

  get hopLength(): number {
    return this.spec.hopLength;
  }

  /** Mono PCM at the codec rate -> codes [Q, T]. */
  async encode(pcm: Float32Array): Promise<Codes> {
    if (pcm.length < this.spec.hopLength) {
      throw new ParlaError('audio_too_short', `audio has ${pcm.length} samples; the codec needs at least one frame (${this.spec.hopLength})`, { param: 'audio' });
    }
    const input = new ort.Tensor('float32', pcm, [1, 1, pcm.length]);
    const out = await this.encoder.run({ [this.spec.encoderInput]: input });
    const codes = out[this.spec.encoderOutput];
    const [, q, t] = codes.dims;
    return makeCodes(q, t, Int32Array.from(codes.data as BigInt64Array, Number));
  }

  /** True when the decoder takes a voice prompt (DecodeOptions.voice). */
  get hasVoiceInput(): boolean {
    return this.spec.decoderVoiceCodes !== '';
  }

  /** Codes [n, T] (n <= Q, or the first `codebooks` of them) -> PCM of T * hop samples. */
  async decode(codes: Codes, options: DecodeOptions = {}): Promise<Float32Array> {
    const n = options.codebooks ?? codes.codebooks;
    if (!Number.isInteger(n) || n < 1 || n > Math.min(codes.codebooks, this.spec.numCodebooks)) {
      throw new ParlaError('invalid_input', `codebooks must be in 1..${Math.min(codes.codebooks, this.spec.numCodebooks)}, got ${n}`, { param: 'codebooks' });
    }
    if (codes.frames === 0) return new Float32Array(0);
    return this.render(codes, n, options.voice);
  }

  /** The decoder graph on the first n codebooks of (non-empty) `codes`, checked only code by code. */
  private async render(codes: Codes, n: number, voice?: Codes): Promise<Float32Array> {
    const feeds: Record<string, ort.Tensor> = { [this.spec.decoderInput]: this.codesTensor(codes, n, 'codes') };
    if (this.spec.decoderPhonemes) {
      // Unknown phonemes are 0, which the decoder was trained to read as "no text" (resynthesis).
      const ids = codes.phonemes ? BigInt64Array.from(codes.phonemes, BigInt) : new BigInt64Array(codes.frames);
      feeds[this.spec.decoderPhonemes] = new ort.Tensor('int64', ids, [1, codes.frames]);
    }
    if (this.hasVoiceInput) Object.assign(feeds, this.voiceFeeds(voice));
    const out = await this.decoder.run(feeds);
    return out[this.spec.decoderOutput].data as Float32Array;
  }

  /** The voice prompt's codes at weight 1, or (no voice) one frame of code 0 at weight 0, which the decoder reads as none. */
  private voiceFeeds(voice: Codes | undefined): Record<string, ort.Tensor> {
    const present = voice !== undefined && voice.frames > 0;
    const codes = present ? this.codesTensor(voice, Math.min(voice.codebooks, this.spec.numCodebooks), 'voice') : new ort.Tensor('int64', new BigInt64Array(1), [1, 1, 1]);
    return { [this.spec.decoderVoiceCodes]: codes, [this.spec.decoderVoiceWeight]: new ort.Tensor('float32', Float32Array.of(present ? 1 : 0), [1]) };
  }

  /** The first n codebooks of `codes` as an int64 tensor [1, n, T], every code checked against the codebook size. */
  private codesTensor(codes: Codes, n: number, param: string): ort.Tensor {
    const data = new BigInt64Array(n * codes.frames);
    const size = this.spec.codebookSize;
    for (let i = 0; i < data.length; i++) {
      const c = codes.data[i];
      if (c < 0 || c >= size) throw new ParlaError('invalid_input', `${param}: code ${c} at index ${i} is outside 0..${size - 1}`, { param });
      data[i] = BigInt(c);
    }
    return new ort.Tensor('int64', data, [1, n, codes.frames]);
  }

  /**
   * A decoder that turns codes arriving frame by frame into audio chunks (see streaming.ts), in `voice` if given; by
   * default with the decoder's reach as context (MAX_REACH_FRAMES until reach() has measured it), so the chunks join
   * into the one-shot decode.
   */
  streamingDecoder(options: StreamingOptions & { voice?: Codes } = {}): StreamingDecoder {
    return new StreamingDecoder((codes) => this.decode(codes, { voice: options.voice }), this.spec.hopLength, { ...options, contextFrames: options.contextFrames ?? this.knownReach ?? MAX_REACH_FRAMES });
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release()]);
  }
}
