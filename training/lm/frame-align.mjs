// Which phoneme each generated frame speaks, as an index into the chunk's phoneme ids (self_generate.mjs).

/**
 * Frame t's phoneme id -> its index in `ids`. The runtime gives each frame the id of the phoneme its pointer names,
 * and the pointer only moves forward, a few phonemes a group at most: each frame takes the first index at or after
 * the previous frame's whose id matches, within `lookahead`. A frame whose id is not found ahead (a special such as
 * end of text) keeps the previous index.
 * @param {ArrayLike<number>} frameIds (T,) phoneme id per frame
 * @param {ArrayLike<number>} ids the chunk's phoneme ids
 * @returns {number[]} (T,) indices into ids, non-decreasing
 */
export function alignFrames(frameIds, ids, lookahead = 12) {
  const align = new Array(frameIds.length);
  let cur = 0;
  for (let t = 0; t < frameIds.length; t++) {
    if (ids[cur] !== frameIds[t]) {
      for (let j = cur + 1; j < Math.min(ids.length, cur + 1 + lookahead); j++) {
        if (ids[j] === frameIds[t]) {
          cur = j;
          break;
        }
      }
    }
    align[t] = cur;
  }
  return align;
}
