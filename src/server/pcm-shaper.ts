/** Engine audio pieces -> the PCM a response needs: speed change per text chunk, 24 kHz for raw `pcm` (as OpenAI's). */
import { Resampler } from '../audio/index.js';
import type { AudioChunk } from '../engine/types.js';
import { changeSpeed } from '../audio/tempo.js';
import { joinPcm } from '../audio/concat.js';

/** OpenAI's `pcm` is raw 16-bit at 24 kHz with no header, so clients assume that rate. */
export const OPENAI_PCM_RATE = 24_000;

export function outputRate(format: string, modelRate: number): number {
  return format === 'pcm' ? OPENAI_PCM_RATE : modelRate;
}

/**
 * Yields output PCM as the engine yields audio. At speed 1 every piece passes straight through (lowest latency);
 * otherwise pieces are gathered per text chunk (sentence) and stretched together, since atempo on 0.5 s pieces
 * would click at every boundary.
 */
export async function* shapePcm(chunks: AsyncIterable<AudioChunk>, modelRate: number, rate: number, speed: number, signal?: AbortSignal): AsyncGenerator<Float32Array> {
  const resampler = rate === modelRate ? null : new Resampler(modelRate, rate);
  const convert = (pcm: Float32Array): Float32Array => (resampler ? resampler.process(pcm) : pcm);
  let pending: Float32Array[] = [];
  for await (const chunk of chunks) {
    if (speed === 1) {
      if (chunk.audio.length > 0) yield convert(chunk.audio);
      continue;
    }
    pending.push(chunk.audio);
    if (!chunk.chunkEnd) continue;
    const joined = joinPcm(pending);
    pending = [];
    const stretched = await changeSpeed(joined, modelRate, speed, signal);
    if (stretched.length > 0) yield convert(stretched);
  }
  if (pending.length > 0) yield convert(await changeSpeed(joinPcm(pending), modelRate, speed, signal));
  if (resampler) {
    const tail = resampler.flush();
    if (tail.length > 0) yield tail;
  }
}
