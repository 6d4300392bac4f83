/**
 * Joining text chunks without clicks: each chunk fades in/out over a few ms around a short pause. Gains depend
 * only on a sample's offset within its chunk, so streamed pieces get exactly the gains of a one-shot chunk.
 */

export interface EdgePlan {
  /** Samples of fade at the chunk start (0 for the first chunk). */
  fadeIn: number;
  /** Samples of fade at the chunk end (0 for the last chunk). */
  fadeOut: number;
  /** Total samples of the chunk's audio. */
  length: number;
}

export function edgePlan(index: number, count: number, length: number, fadeSamples: number): EdgePlan {
  const fade = Math.min(fadeSamples, Math.floor(length / 2));
  return { fadeIn: index > 0 ? fade : 0, fadeOut: index < count - 1 ? fade : 0, length };
}

/** Applies the chunk's fades to `piece`, which starts at sample `offset` of the chunk (in place; returns it). */
export function shapeEdges(piece: Float32Array, offset: number, plan: EdgePlan): Float32Array {
  const { fadeIn, fadeOut, length } = plan;
  for (let j = 0; j < piece.length; j++) {
    const at = offset + j;
    const fromEnd = length - 1 - at;
    // Quarter-period sine/cosine: the equal-power shape of src/audio/concat.ts.
    if (at < fadeIn) piece[j] *= Math.sin((Math.PI / 2) * ((at + 0.5) / fadeIn));
    if (fromEnd < fadeOut) piece[j] *= Math.cos((Math.PI / 2) * ((fadeOut - fromEnd - 0.5) / fadeOut));
  }
  return piece;
}
