/** One-shot encoding of mono float PCM into any output format. */
import { ParlaError } from '../errors.js';
import { runFfmpeg, summarizeStderr } from './ffmpeg.js';
import { assertAudioFormat, ffmpegEncodeArgs, type AudioFormat, type EncodeOptions } from './formats.js';
import { floatToF32le, floatToS16le, validatePcm } from './pcm.js';
import { encodeWav } from './wav.js';

export interface EncodeAudioOptions extends EncodeOptions {
  /** Kill ffmpeg after this long; default 30 s plus the audio's duration. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Encode mono PCM.
 * - wav: 16-bit PCM RIFF (wavefile, no ffmpeg); pcm: raw s16le at `sampleRate` (OpenAI's pcm is
 *   24 kHz: resample first with `resample()`).
 * - mp3 (libmp3lame), opus (Ogg Opus, libopus), aac (ADTS), flac (16-bit): ffmpeg; rates an encoder
 *   does not take are resampled up to the next one it does (e.g. opus at 22.05 kHz -> 24 kHz).
 * @param pcm (N,) samples in [-1, 1]; louder samples clip
 */
export async function encodeAudio(
  pcm: Float32Array,
  sampleRate: number,
  format: AudioFormat,
  opts: EncodeAudioOptions = {},
): Promise<Buffer> {
  assertAudioFormat(format);
  validatePcm(pcm, sampleRate);
  if (pcm.length === 0) throw new ParlaError('empty_input', 'no audio samples to encode', { param: 'pcm' });
  if (format === 'wav') return encodeWav(pcm, sampleRate);
  if (format === 'pcm') return floatToS16le(pcm);

  const args = ffmpegEncodeArgs(format, sampleRate, opts);
  const timeoutMs = opts.timeoutMs ?? 30_000 + (pcm.length / sampleRate) * 1000;
  const run = await runFfmpeg(args, { input: floatToF32le(pcm), timeoutMs, signal: opts.signal, what: `encoding ${format}` });
  if (run.exitCode !== 0 || run.stdout.length === 0) {
    throw new ParlaError('internal', `ffmpeg failed encoding ${format} (exit ${run.exitCode}): ${summarizeStderr(run.stderr)}`, { param: 'format' });
  }
  return format === 'flac' ? setFlacSampleCount(run.stdout, pcm.length) : run.stdout;
}

/**
 * ffmpeg writing FLAC to a pipe cannot seek back to fill in STREAMINFO's sample count, so a player sees no duration
 * (ffprobe: "Duration: N/A"); the count is known here. (FLAC takes any rate: nothing was resampled.) STREAMINFO is the
 * first metadata block: its 36-bit total sample count ends the 8 bytes at offset 18 (after "fLaC", the block header,
 * and the block and frame size bounds).
 */
function setFlacSampleCount(bytes: Buffer, samples: number): Buffer {
  if (bytes.length < 42 || bytes.toString('latin1', 0, 4) !== 'fLaC' || (bytes[4] & 0x7f) !== 0) return bytes;
  const mask = (1n << 36n) - 1n;
  bytes.writeBigUInt64BE((bytes.readBigUInt64BE(18) & ~mask) | (BigInt(samples) & mask), 18);
  return bytes;
}
