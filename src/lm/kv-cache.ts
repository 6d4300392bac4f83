/** Key/value cache tensors [L, B, H, P, Dh]: cutting them back along the position axis. */
import { ort } from '../onnx.js';

/** The first p positions of a [L, B, H, P, Dh] float32 cache (a new tensor; the input is left untouched). */
export function sliceCache(cache: ort.Tensor, p: number): ort.Tensor {
  const [l, b, h, old, dh] = cache.dims;
  const src = cache.data as Float32Array;
  const out = new Float32Array(l * b * h * p * dh);
  for (let block = 0; block < l * b * h; block++) {
    out.set(src.subarray(block * old * dh, block * old * dh + p * dh), block * p * dh);
  }
  return new ort.Tensor('float32', out, [l, b, h, p, dh]);
}
