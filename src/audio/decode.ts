/** Decode any audio input (bytes or a file path) to mono Float32 PCM at a chosen rate. */
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ParlaError } from '../errors.js';
import { classifyDecodeFailure, reportsTruncation, runFfmpeg, summarizeStderr } from './ffmpeg.js';
import { f32leToFloat, validateSampleRate } from './pcm.js';
import { resample } from './resample.js';
import { isWav, parseWav, wavToMono } from './wav.js';

export interface DecodeOptions {
  /** Output rate in Hz (default 16000, the codec's rate). */
  sampleRate?: number;
  /** Reject audio whose decoded length exceeds this (checked before decoding WAV; ffmpeg is stopped early). */
  maxSeconds?: number;
  /** Kill ffmpeg after this long (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** ISO BMFF (mp4/m4a/mov): the index may sit after the samples, so ffmpeg needs a seekable file, not a pipe. */
function isIsoBmff(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && String.fromCharCode(...bytes.subarray(4, 8)) === 'ftyp';
}

async function readHead(file: string, n: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(n);
    const { bytesRead } = await handle.read(head, 0, n, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function tooLong(what: string, seconds: number, maxSeconds: number): ParlaError {
  return new ParlaError('audio_too_long', `${what}: audio is ${seconds.toFixed(1)} s long, the limit is ${maxSeconds} s`, { param: 'file' });
}

function decodeWavFast(bytes: Uint8Array, what: string, rate: number, maxSeconds: number): Float32Array | undefined {
  const info = parseWav(bytes, what);
  if (!info) return undefined;
  if (info.frames === 0) throw new ParlaError('empty_input', `${what}: WAV contains no audio samples`, { param: 'file' });
  const seconds = info.frames / info.sampleRate;
  if (seconds > maxSeconds) throw tooLong(what, seconds, maxSeconds);
  return resample(wavToMono(bytes, info), info.sampleRate, rate);
}

/** ffmpeg decode of `source` ("pipe:0" with `input`, or "file:<path>") to mono f32le at `rate`. */
async function decodeWithFfmpeg(source: string, input: Buffer | undefined, what: string, rate: number, maxSeconds: number, opts: DecodeOptions): Promise<Float32Array> {
  // rematrix_maxval 1: downmix by averaging like the WAV path; plain -ac 1 sums stereo at -3 dB each (louder, can clip).
  const args = ['-i', source, '-map', '0:a:0', '-vn', '-ac', '1', '-rematrix_maxval', '1.0', '-ar', String(rate), '-f', 'f32le', 'pipe:1'];
  const run = await runFfmpeg(args, {
    input,
    timeoutMs: opts.timeoutMs ?? 60_000,
    maxStdoutBytes: Number.isFinite(maxSeconds) ? Math.ceil(maxSeconds * rate) * 4 : undefined,
    signal: opts.signal,
    what: `decoding ${what}`,
  });
  if (run.limited) throw tooLong(what, run.stdout.length / 4 / rate, maxSeconds);
  if (run.exitCode !== 0) {
    const code = classifyDecodeFailure(run.stderr);
    const problem = code === 'not_audio' ? 'not an audio file ffmpeg can read (wav, mp3, ogg, opus, webm, m4a, flac, ...)' : 'could not decode audio';
    throw new ParlaError(code, `${what}: ${problem}: ${summarizeStderr(run.stderr)}`, { param: 'file' });
  }
  if (reportsTruncation(run.stderr)) {
    throw new ParlaError('audio_truncated', `${what}: audio stream is truncated or damaged: ${summarizeStderr(run.stderr)}`, { param: 'file' });
  }
  if (run.stdout.length < 4) throw new ParlaError('empty_input', `${what}: contains no audio samples`, { param: 'file' });
  return f32leToFloat(run.stdout);
}

/**
 * Decode audio to mono Float32 at `sampleRate`: WAV (PCM 8/16/24/32-bit, float 32/64, any rate and
 * channel count) without spawning anything; everything else (mp3, ogg/opus, webm, flac, m4a/aac,
 * ADPCM wav, ...) through ffmpeg. Channels are averaged.
 * @param input file bytes, or a file path
 * @returns (N,) samples
 * @throws ParlaError empty_input | not_audio | audio_truncated | audio_too_long | file_not_found | cancelled | internal (timeout)
 */
export async function decodeAudio(input: Uint8Array | string, opts: DecodeOptions = {}): Promise<Float32Array> {
  const rate = opts.sampleRate ?? 16000;
  validateSampleRate(rate);
  const maxSeconds = opts.maxSeconds ?? Infinity;
  if (!(maxSeconds > 0)) throw new ParlaError('invalid_input', `maxSeconds must be positive, got ${maxSeconds}`, { param: 'maxSeconds' });

  if (typeof input === 'string') {
    const what = path.basename(input);
    const info = await stat(input).catch(() => undefined);
    if (!info) throw new ParlaError('file_not_found', `audio file not found: ${input}`, { param: input });
    if (!info.isFile()) throw new ParlaError('invalid_input', `not a file: ${input}`, { param: input });
    if (info.size === 0) throw new ParlaError('empty_input', `${what}: file is empty (0 bytes)`, { param: input });
    const unreadable = (err: NodeJS.ErrnoException): never => {
      throw new ParlaError('invalid_input', `cannot read ${input}: ${err.code ?? err.message}`, { param: input, cause: err });
    };
    if (isWav(await readHead(input, 12).catch(unreadable))) {
      const fast = decodeWavFast(await readFile(input).catch(unreadable), what, rate, maxSeconds);
      if (fast) return fast;
    }
    // "file:" stops ffmpeg reading names like "http:x" or "-y" as protocols or options.
    return decodeWithFfmpeg(`file:${path.resolve(input)}`, undefined, what, rate, maxSeconds, opts);
  }

  const what = 'audio input';
  if (input.length === 0) throw new ParlaError('empty_input', 'audio input is empty (0 bytes)', { param: 'file' });
  if (isWav(input)) {
    const fast = decodeWavFast(input, what, rate, maxSeconds);
    if (fast) return fast;
  }
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (!isIsoBmff(input)) return decodeWithFfmpeg('pipe:0', bytes, what, rate, maxSeconds, opts);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parla-audio-'));
  try {
    const file = path.join(dir, 'input.m4a');
    await writeFile(file, bytes);
    return await decodeWithFfmpeg(`file:${file}`, undefined, what, rate, maxSeconds, opts);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
