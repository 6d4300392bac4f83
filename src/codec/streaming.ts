/**
 * Streaming codec decode: codes arrive in pieces, audio leaves in chunks. Each chunk is decoded
 * with `contextFrames` of codes on both sides and only its centre is kept, so the convolutional
 * decoder sees (almost) what a one-shot decode sees and the seams do not click.
 */
import { concatFrames, sliceFrames, type Codes } from './codes.js';

export interface StreamingOptions {
  /** Frames of new audio per emitted chunk (25 = 0.5 s at 50 frames/s). */
  chunkFrames?: number;
  /** Frames of the first chunk (default chunkFrames): a short first chunk starts playback early, longer ones cost less context. */
  firstChunkFrames?: number;
  /** Frames of look-back and look-ahead decoded with each chunk and then discarded. */
  contextFrames?: number;
}

export class StreamingDecoder {
  private readonly chunkFrames: number;
  private readonly firstChunkFrames: number;
  private readonly contextFrames: number;
  /** Codes not yet needed for context, starting at absolute frame `bufferStart`. */
  private buffer: Codes | undefined;
  private bufferStart = 0;
  /** Absolute frame count received, and emitted as audio. */
  private received = 0;
  private emitted = 0;

  constructor(
    private readonly decode: (codes: Codes) => Promise<Float32Array>,
    private readonly hopLength: number,
    options: StreamingOptions = {},
  ) {
    this.chunkFrames = Math.max(1, options.chunkFrames ?? 25);
    this.firstChunkFrames = Math.max(1, options.firstChunkFrames ?? this.chunkFrames);
    this.contextFrames = Math.max(0, options.contextFrames ?? 8);
  }

  /** Adds codes [Q, t]; returns the audio chunks that now have enough look-ahead. */
  async push(codes: Codes): Promise<Float32Array[]> {
    if (codes.frames === 0) return [];
    this.add(codes);
    const chunks: Float32Array[] = [];
    for (let size = this.nextSize(); this.received - this.contextFrames - this.emitted >= size; size = this.nextSize()) {
      chunks.push(await this.emit(this.emitted + size));
    }
    return chunks;
  }

  /**
   * Adds codes [Q, t] and returns all the audio that now has its look-ahead as one chunk, however short or long (a
   * first piece that should not wait for a full chunk, nor pay for two decodes); none when nothing new has it.
   */
  async pushAll(codes: Codes): Promise<Float32Array[]> {
    this.add(codes);
    const end = this.received - this.contextFrames;
    return end > this.emitted ? [await this.emit(end)] : [];
  }

  /** Decodes everything left (no more codes will come). */
  async flush(): Promise<Float32Array[]> {
    const chunks: Float32Array[] = [];
    while (this.emitted < this.received) chunks.push(await this.emit(Math.min(this.received, this.emitted + this.nextSize())));
    return chunks;
  }

  private nextSize(): number {
    return this.emitted === 0 ? this.firstChunkFrames : this.chunkFrames;
  }

  private add(codes: Codes): void {
    if (codes.frames === 0) return;
    this.buffer = this.buffer ? concatFrames([this.buffer, codes]) : codes;
    this.received += codes.frames;
  }

  private async emit(end: number): Promise<Float32Array> {
    const buffer = this.buffer!;
    const windowStart = Math.max(this.bufferStart, this.emitted - this.contextFrames);
    const windowEnd = Math.min(this.received, end + this.contextFrames);
    const window = sliceFrames(buffer, windowStart - this.bufferStart, windowEnd - this.bufferStart);
    const audio = await this.decode(window);
    const from = (this.emitted - windowStart) * this.hopLength;
    const chunk = audio.slice(from, from + (end - this.emitted) * this.hopLength);
    this.emitted = end;
    // Keep only the look-back the next chunk needs, so memory stays flat over long streams.
    const keepFrom = Math.max(this.bufferStart, this.emitted - this.contextFrames);
    if (keepFrom > this.bufferStart) {
      this.buffer = sliceFrames(buffer, keepFrom - this.bufferStart, buffer.frames);
      this.bufferStart = keepFrom;
    }
    return chunk;
  }
}

/** Decodes complete codes as a stream of chunks, yielding each as soon as it is ready. */
export async function* decodeInChunks(decoder: StreamingDecoder, codes: Codes, step = 25): AsyncGenerator<Float32Array> {
  for (let t = 0; t < codes.frames; t += step) {
    for (const chunk of await decoder.push(sliceFrames(codes, t, t + step))) yield chunk;
  }
  for (const chunk of await decoder.flush()) yield chunk;
}
