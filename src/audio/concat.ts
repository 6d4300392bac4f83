/** Joining synthesized chunks: equal-power crossfades, or fades around inserted pauses. */
import { ParlaError } from '../errors.js';

export interface ConcatOptions {
  /** Overlap of adjacent chunks when there is no pause, and fade length around pauses (default 10 ms). */
  crossfadeMs?: number;
  /** Silence between chunks: one value for every gap, or one per gap (chunks.length - 1). Default 0. */
  pauseMs?: number | readonly number[];
}

/**
 * Concatenate mono chunks. With no pause, neighbours overlap by `crossfadeMs` with an
 * equal-power crossfade (cos/sin gains: uncorrelated signals keep their power, a click-free
 * seam). With a pause, the left chunk fades out (cos), silence follows, the right chunk fades in (sin).
 * The crossfade shrinks to fit chunks shorter than it.
 * @returns (sum of lengths - overlaps + pauses,)
 */
export function concatenate(chunks: readonly Float32Array[], sampleRate: number, opts: ConcatOptions = {}): Float32Array {
  const fade = Math.round(((opts.crossfadeMs ?? 10) / 1000) * sampleRate);
  const gaps = chunks.length - 1;
  const pauses = typeof opts.pauseMs === 'object' ? opts.pauseMs : new Array<number>(Math.max(0, gaps)).fill(opts.pauseMs ?? 0);
  if (gaps > 0 && pauses.length !== gaps) {
    throw new ParlaError('invalid_input', `pauseMs has ${pauses.length} entries for ${gaps} gaps between chunks`, { param: 'pauseMs' });
  }
  const pauseSamples = pauses.map((ms) => {
    if (!(ms >= 0)) throw new ParlaError('invalid_input', `pauseMs must be >= 0, got ${ms}`, { param: 'pauseMs' });
    return Math.round((ms / 1000) * sampleRate);
  });
  const overlaps = pauseSamples.map((p, i) => (p > 0 ? 0 : Math.min(fade, chunks[i].length, chunks[i + 1].length)));
  const total = chunks.reduce((n, c) => n + c.length, 0) + pauseSamples.reduce((a, b) => a + b, 0) - overlaps.reduce((a, b) => a + b, 0);
  const out = new Float32Array(total);

  let pos = 0; // where the current chunk starts in `out`
  chunks.forEach((chunk, i) => {
    const inOverlap = i > 0 ? overlaps[i - 1] : 0;
    const fadeIn = i > 0 && pauseSamples[i - 1] > 0 ? Math.min(fade, chunk.length) : 0;
    const outOverlap = i < gaps ? overlaps[i] : 0;
    const fadeOut = i < gaps && pauseSamples[i] > 0 ? Math.min(fade, chunk.length) : 0;
    for (let j = 0; j < chunk.length; j++) {
      let g = 1;
      // Gains follow a quarter period: sin rising, cos falling, sin^2 + cos^2 = 1 at every point.
      if (j < inOverlap) g = Math.sin((Math.PI / 2) * ((j + 0.5) / inOverlap));
      else if (j < fadeIn) g = Math.sin((Math.PI / 2) * ((j + 0.5) / fadeIn));
      const fromEnd = chunk.length - 1 - j;
      if (fromEnd < outOverlap) g *= Math.cos((Math.PI / 2) * ((outOverlap - fromEnd - 0.5) / outOverlap));
      else if (fromEnd < fadeOut) g *= Math.cos((Math.PI / 2) * ((fadeOut - fromEnd - 0.5) / fadeOut));
      out[pos + j] += chunk[j] * g;
    }
    pos += chunk.length - outOverlap + (i < gaps ? pauseSamples[i] : 0);
  });
  return out;
}

/** Mono chunks end to end, as they are (no fades, no overlap). */
export function joinPcm(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
