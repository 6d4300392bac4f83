/** Streaming encoder for HTTP responses: Float32 chunks in, encoded bytes out as soon as they exist. */
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { ParlaError } from '../errors.js';
import { killAndReap, spawnFfmpeg, StderrTail, summarizeStderr } from './ffmpeg.js';
import { assertAudioFormat, CONTENT_TYPES, ffmpegEncodeArgs, type AudioFormat, type EncodeOptions } from './formats.js';
import { floatToS16le, validatePcm, validateSampleRate } from './pcm.js';
import { streamingWavHeader } from './wav.js';

export interface EncoderStreamOptions extends EncodeOptions {
  /** Aborting it is the same as calling abort(). */
  signal?: AbortSignal;
}

export interface EncoderStream extends AsyncIterable<Buffer> {
  readonly format: AudioFormat;
  readonly contentType: string;
  /** ffmpeg's process id (undefined for wav and pcm, which need no process). */
  readonly pid: number | undefined;
  /** The encoded bytes as a Node stream, e.g. for `pipeline(enc.output, res)`. Use it or iterate, not both. */
  readonly output: Readable;
  /** Queue one chunk (copied); resolves when the encoder can take more (backpressure). */
  write(pcm: Float32Array): Promise<void>;
  /** No more input: the encoder flushes and the output ends. */
  end(): void;
  /** Stop now: ffmpeg is killed and reaped, the output fails with ParlaError 'cancelled'. */
  abort(): Promise<void>;
  /** Settles once the output is complete and ffmpeg (if any) has exited; rejects on failure or abort. */
  readonly done: Promise<void>;
}

/**
 * Start a streaming encoder for mono PCM at `sampleRate`.
 * wav and pcm are produced in-process (wav: a header with 0xFFFFFFFF sizes, then s16le, see
 * streamingWavHeader); mp3, opus, aac and flac run one ffmpeg reading f32le on stdin and writing the
 * container to stdout. Streamed FLAC has no total length in its header (allowed by the spec).
 */
export function createEncoderStream(format: AudioFormat, sampleRate: number, opts: EncoderStreamOptions = {}): EncoderStream {
  assertAudioFormat(format);
  validateSampleRate(sampleRate);
  const output = new PassThrough();
  // Errors reach users through iteration, `done` or pipeline(); this keeps an unobserved one from crashing the process.
  output.on('error', () => {});
  let ended = false;
  let aborted = false;
  let failure: ParlaError | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((resolveDone = resolve), (rejectDone = reject)));
  done.catch(() => {});
  const cancelled = (): ParlaError => new ParlaError('cancelled', `${format} encoding was cancelled`);

  const inProcess = format === 'wav' || format === 'pcm';
  const child = inProcess ? undefined : spawnFfmpeg(ffmpegEncodeArgs(format, sampleRate, opts));
  if (format === 'wav') output.write(streamingWavHeader(sampleRate));
  if (inProcess) {
    output.once('finish', () => resolveDone());
  } else if (child) {
    const stderr = new StderrTail();
    child.stderr.on('data', (c: Buffer) => stderr.push(c));
    child.stdout.pipe(output, { end: false });
    child.once('error', (err) => fail(new ParlaError('internal', `could not run ffmpeg for ${format}: ${err.message}`, { cause: err })));
    child.once('close', (code, signal) => {
      if (aborted) return;
      if (code === 0) output.end(() => resolveDone());
      else fail(new ParlaError('internal', `ffmpeg failed encoding ${format} (${signal ?? `exit ${code}`}): ${summarizeStderr(stderr.toString())}`));
    });
  }
  // A consumer that stops reading early (client hung up, iterator broke out) means stop encoding.
  output.once('close', () => {
    if (!output.writableFinished && !failure) void abort();
  });

  function fail(err: ParlaError): void {
    failure ??= err;
    output.destroy(err);
    rejectDone(err);
  }

  async function abort(): Promise<void> {
    if (aborted) return;
    aborted = true;
    ended = true;
    fail(cancelled());
    if (child) await killAndReap(child);
  }
  opts.signal?.addEventListener('abort', () => void abort(), { once: true });
  if (opts.signal?.aborted) void abort();

  async function write(pcm: Float32Array): Promise<void> {
    if (failure) throw failure;
    if (ended) throw new ParlaError('invalid_input', 'write() after end() on an encoder stream', { param: 'pcm' });
    validatePcm(pcm, sampleRate);
    // wav/pcm: s16le straight to the output; ffmpeg: a copy of the f32 bytes (callers reuse their buffers).
    const target = child ? child.stdin : output;
    const bytes = child ? Buffer.from(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength)) : floatToS16le(pcm);
    if (target.destroyed) throw failure ?? new ParlaError('internal', `${format} encoder stopped unexpectedly`);
    if (!target.write(bytes)) await waitFor(target, 'drain');
    if (failure) throw failure;
  }

  function end(): void {
    if (ended) return;
    ended = true;
    if (child) child.stdin.end();
    else output.end();
  }

  async function* iterate(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of output) yield chunk as Buffer;
    } catch (err) {
      throw failure ?? err;
    }
  }

  return { format, contentType: CONTENT_TYPES[format], pid: child?.pid, output, write, end, abort, done, [Symbol.asyncIterator]: iterate };
}

/** Wait for `event`, or for the stream to close (a dead ffmpeg never drains). */
function waitFor(stream: Writable, event: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed) return resolve();
    const finish = (): void => {
      stream.off(event, finish);
      stream.off('close', finish);
      resolve();
    };
    stream.once(event, finish);
    stream.once('close', finish);
  });
}
