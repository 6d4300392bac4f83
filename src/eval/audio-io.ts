/** Minimal audio input/output for the evaluation: any file -> 16 kHz mono Float32 via ffmpeg, and Float32 <-> 16-bit PCM. */
import { ParlaError } from '../errors.js';
import { ffmpegPath, runTool } from './tools.js';

/** The rate every instrument works at (the codec's rate and pocketsphinx's model rate). */
export const EVAL_SAMPLE_RATE = 16000;

/** Decodes any audio file ffmpeg reads to mono Float32 samples at `sampleRate` (default 16 kHz). */
export async function decodeAudioFile(file: string, sampleRate = EVAL_SAMPLE_RATE): Promise<Float32Array> {
  const { stdout } = await runTool(ffmpegPath(), ['-v', 'error', '-nostdin', '-i', file, '-ac', '1', '-ar', String(sampleRate), '-f', 'f32le', '-'], {
    installHint: 'npm package @ffmpeg-installer/ffmpeg or $PARLA_FFMPEG',
  }).catch((e: unknown) => {
    throw new ParlaError('not_audio', `could not decode ${file}: ${(e as Error).message}`, { param: file, cause: e });
  });
  // Copy into a fresh, aligned buffer: Buffer slices may start at any byte offset.
  const pcm = new Float32Array(stdout.length / 4);
  new Uint8Array(pcm.buffer).set(stdout.subarray(0, pcm.length * 4));
  return pcm;
}

/** Float32 in [-1, 1] -> Int16 with clamping and rounding. */
export function floatToInt16(pcm: Float32Array): Int16Array {
  const out = new Int16Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    const v = Math.max(-1, Math.min(1, pcm[i]));
    out[i] = Math.round(v < 0 ? v * 32768 : v * 32767);
  }
  return out;
}

/** Int16 -> Float32 in [-1, 1). */
export function int16ToFloat(samples: Int16Array): Float32Array {
  const out = new Float32Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = samples[i] / 32768;
  return out;
}

/** Little-endian 16-bit bytes of `samples` (the raw format codec2 and pocketsphinx read). */
export function int16ToBytes(samples: Int16Array): Buffer {
  const buf = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i], i * 2);
  return buf;
}

/** Little-endian 16-bit bytes -> samples (a trailing odd byte is ignored). */
export function bytesToInt16(bytes: Buffer): Int16Array {
  const out = new Int16Array(Math.floor(bytes.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}

/** `pcm` cut or zero-padded to exactly `length` samples. */
export function fitLength(pcm: Float32Array, length: number): Float32Array {
  if (pcm.length === length) return pcm;
  const out = new Float32Array(length);
  out.set(pcm.subarray(0, Math.min(length, pcm.length)));
  return out;
}
