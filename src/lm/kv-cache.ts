/** The AR's key/value cache, one tensor per layer [B, H, P, Dh], and cutting it back along the position axis. */
import { ort } from '../onnx.js';

/** Keys and values of every layer; tensors are never modified in place (sessions share them). */
export interface KvCache {
  keys: ort.Tensor[];
  values: ort.Tensor[];
}

/** The first p positions of every layer's keys and values (new tensors; the input is left untouched). */
export function sliceCache(cache: KvCache, p: number): KvCache {
  return { keys: cache.keys.map((t) => slicePositions(t, p)), values: cache.values.map((t) => slicePositions(t, p)) };
}

/** The first p positions of one [B, H, P, Dh] float32 tensor. */
function slicePositions(t: ort.Tensor, p: number): ort.Tensor {
  const [b, h, old, dh] = t.dims;
  const src = t.data as Float32Array;
  const out = new Float32Array(b * h * p * dh);
  for (let block = 0; block < b * h; block++) {
    out.set(src.subarray(block * old * dh, block * old * dh + p * dh), block * p * dh);
  }
  return new ort.Tensor('float32', out, [b, h, p, dh]);
}
