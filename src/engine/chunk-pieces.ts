/**
 * One chunk's audio as it leaves stream() in pieces: each piece gets the chunk's edge fades by its offset in the
 * chunk (chunk-edges.ts), the first carries the chunk's text, the last its pause.
 */
import { joinPcm } from '../audio/concat.js';
import { edgePlan, shapeEdges, type EdgePlan } from './chunk-edges.js';
import type { TextChunk } from './text-chunks.js';
import type { AudioChunk } from './types.js';

export class ChunkPieces {
  private offset = 0;
  private plan: EdgePlan;

  /**
   * @param length the chunk's samples; Infinity while only its head is known (no fade-out until setLength: the
   *   streaming decoder holds the last frames back for look-ahead, more than a fade)
   * @param counted told the samples of every piece (the stats)
   */
  constructor(
    private readonly c: { index: number; count: number; chunk: TextChunk },
    readonly pause: Float32Array,
    private readonly fadeSamples: number,
    private readonly counted: { audio(samples: number): void },
    private readonly sampleRate: number,
    length = Infinity,
  ) {
    this.plan = edgePlan(c.index, c.count, length, fadeSamples);
  }

  /** The chunk's length, once known. */
  setLength(length: number): void {
    this.plan = edgePlan(this.c.index, this.c.count, length, this.fadeSamples);
  }

  /** The next piece of the chunk's audio (shaped in place). */
  next(audio: Float32Array): AudioChunk {
    const first = this.offset === 0;
    shapeEdges(audio, this.offset, this.plan);
    this.offset += audio.length;
    const end = this.offset >= this.plan.length;
    const out = end && this.pause.length > 0 ? joinPcm([audio, this.pause]) : audio;
    this.counted.audio(out.length);
    const { index, chunk } = this.c;
    return { index, text: first ? chunk.text : '', phonemes: first ? chunk.phonemes : '', audio: out, sampleRate: this.sampleRate, chunkEnd: end };
  }
}
