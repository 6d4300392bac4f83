/** Conversions between Float32 PCM in [-1, 1] and the raw byte layouts ffmpeg and WAV use. */
import { ParlaError } from '../errors.js';

/** Reject sample rates ffmpeg and players cannot take. */
export function validateSampleRate(sampleRate: number, param = 'sampleRate'): void {
  if (!Number.isInteger(sampleRate) || sampleRate < 1000 || sampleRate > 384_000) {
    throw new ParlaError('invalid_input', `${param} must be an integer in 1000..384000 Hz, got ${sampleRate}`, { param });
  }
}

/** Reject a bad rate, and samples that would encode as garbage (NaN, Infinity). */
export function validatePcm(pcm: Float32Array, sampleRate: number): void {
  validateSampleRate(sampleRate);
  for (let i = 0; i < pcm.length; i++) {
    if (!Number.isFinite(pcm[i])) {
      throw new ParlaError('invalid_input', `pcm sample ${i} is ${pcm[i]}; audio must be finite`, { param: 'pcm' });
    }
  }
}

/**
 * Float PCM -> signed 16-bit little-endian bytes.
 * Scale is 32768 with clamping, so s16 -> float -> s16 is exact (k/32768 maps back to k).
 * @param pcm (N,) samples, nominally in [-1, 1]
 * @returns 2·N bytes
 */
export function floatToS16le(pcm: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(pcm.length * 2);
  const view = new Int16Array(out.buffer, out.byteOffset, pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.round(pcm[i] * 32768);
    view[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  // Int16Array uses the platform byte order; every platform Node ships on is little-endian.
  return out;
}

/** Signed 16-bit little-endian bytes -> float PCM (k/32768). A trailing odd byte is ignored. */
export function s16leToFloat(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/** Raw f32le bytes (ffmpeg `-f f32le`) -> Float32Array; copies, since Buffers need not be 4-byte aligned. */
export function f32leToFloat(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 2;
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(bytes.subarray(0, n * 4));
  return out;
}

/** Float32Array -> raw f32le bytes (no copy: a view over the same memory). */
export function floatToF32le(pcm: Float32Array): Buffer {
  return Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
}

/**
 * Average interleaved channels into mono.
 * @param interleaved (N·C,) frames of C channels
 * @returns (N,) mono
 */
export function downmixInterleaved(interleaved: Float32Array, channels: number): Float32Array {
  if (channels === 1) return interleaved;
  const n = Math.floor(interleaved.length / channels);
  const out = new Float32Array(n);
  const scale = 1 / channels;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i * channels + c];
    out[i] = sum * scale;
  }
  return out;
}
