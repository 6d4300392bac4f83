/** The one place Parla finds and runs ffmpeg: binary resolution, spawning, buffered runs with timeout/abort, stderr summaries. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ParlaError, type ParlaErrorCode } from '../errors.js';

// Why spawn and not fluent-ffmpeg: every Parla use of ffmpeg is "bytes in on stdin, bytes out on
// stdout" with raw PCM on one side. fluent-ffmpeg adds an options builder and ffprobe-based
// helpers (ffprobe is not shipped by @ffmpeg-installer), but hides the process we must kill on
// abort/timeout and reap. A direct spawn keeps lifecycle, backpressure and stderr in our hands.

/** Where the ffmpeg binary came from, in resolution order. */
export type FfmpegSource = 'env' | 'path' | 'bundled';

export interface ResolvedFfmpeg {
  path: string;
  source: FfmpegSource;
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function bundledFfmpeg(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
    return isExecutableFile(installer.path) ? installer.path : undefined;
  } catch {
    // The installer throws when no binary package exists for this platform.
    return undefined;
  }
}

/**
 * Resolve ffmpeg: env PARLA_FFMPEG if set (must be executable), else `ffmpeg` on PATH (the system
 * build is usually newer than the 2018 static one), else the @ffmpeg-installer binary.
 * Resolved on every call: a few stat calls, and tests may change the environment.
 */
export function resolveFfmpeg(): ResolvedFfmpeg {
  const fromEnv = process.env.PARLA_FFMPEG;
  if (fromEnv) {
    if (!isExecutableFile(fromEnv)) {
      throw new ParlaError('invalid_input', `PARLA_FFMPEG=${fromEnv} is not an executable file`, { param: 'PARLA_FFMPEG' });
    }
    return { path: fromEnv, source: 'env' };
  }
  const onPath = findOnPath(process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg');
  if (onPath) return { path: onPath, source: 'path' };
  const bundled = bundledFfmpeg();
  if (bundled) return { path: bundled, source: 'bundled' };
  throw new ParlaError('internal', 'ffmpeg not found: set PARLA_FFMPEG, install ffmpeg, or install @ffmpeg-installer/ffmpeg', {
    param: 'PARLA_FFMPEG',
  });
}

/** Spawn ffmpeg with quiet, non-interactive defaults; `args` follow `-hide_banner -loglevel warning`. */
export function spawnFfmpeg(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(resolveFfmpeg().path, ['-hide_banner', '-nostats', '-loglevel', 'warning', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // EPIPE on stdin happens whenever ffmpeg exits early (bad input); the exit status reports it.
  child.stdin.on('error', () => {});
  return child;
}

/** Keep the tail of stderr only: a broken file can make ffmpeg print one line per packet. */
export class StderrTail {
  private text = '';
  constructor(private readonly maxChars = 16_384) {}
  push(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-this.maxChars);
  }
  toString(): string {
    return this.text;
  }
}

// Messages ffmpeg prints when a container or stream stops before its end. Generic "Error while
// decoding" is left out on purpose: playable MP3s with a damaged frame print it too. The matroska
// demuxer of the 2018 static ffmpeg (@ffmpeg-installer) says only "Read error" where newer ones say
// "File ended prematurely", and exits 0.
const TRUNCATED_STREAM = /File ended prematurely|partial file|Truncating packet|decode_frame\(\) failed|invalid residual|matroska,webm @ 0x[0-9a-f]+\] Read error/i;
const TRUNCATED_FAILURE = new RegExp(`${TRUNCATED_STREAM.source}|moov atom not found|End of file`, 'i');

/** One readable line for an ffmpeg failure: the last meaningful stderr lines, prefixed by `[demuxer @ 0x..]` removed. */
export function summarizeStderr(stderr: string): string {
  const lines = stderr
    .split('\n')
    // Component tags and ffmpeg's name for the input ("pipe:0: ", "file:/tmp/x.bin: ") say nothing to a user.
    .map((l) => l.replace(/^\[[^\]]+ @ 0x[0-9a-f]+\]\s*/, '').replace(/^(pipe:\d+|file:[^:]*):\s*/, '').trim())
    .filter((l) => l.length > 0 && !/^(Input|Output|Stream|Duration|Metadata|Press)/.test(l));
  const unique = [...new Set(lines)];
  return unique.slice(-3).join('; ') || 'no message';
}

/** Map a failed decode's stderr to the ParlaError code that names the problem. */
export function classifyDecodeFailure(stderr: string): ParlaErrorCode {
  return TRUNCATED_FAILURE.test(stderr) ? 'audio_truncated' : 'not_audio';
}

/** True when a decode that exited 0 still reported that the input stopped mid-stream. */
export function reportsTruncation(stderr: string): boolean {
  return TRUNCATED_STREAM.test(stderr);
}

/** Kill a child (SIGKILL: we never need ffmpeg to finalize output we are throwing away) and wait until it is reaped. */
export function killAndReap(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.stdin.destroy();
    child.kill('SIGKILL');
  });
}

export interface FfmpegRunOptions {
  /** Bytes written to ffmpeg's stdin, then stdin is closed. */
  input?: Buffer;
  /** Kill ffmpeg and reject after this long (ms). */
  timeoutMs: number;
  /** Stop early (kill, `limited: true`) once stdout holds more than this many bytes. */
  maxStdoutBytes?: number;
  signal?: AbortSignal;
  /** What the run is for, used in error messages ("decoding speech.mp3"). */
  what: string;
}

export interface FfmpegRunResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number | null;
  /** True when stopped because stdout passed maxStdoutBytes. */
  limited: boolean;
}

/** Run ffmpeg to completion with all output buffered; the process is always reaped before this settles. */
export function runFfmpeg(args: string[], opts: FfmpegRunOptions): Promise<FfmpegRunResult> {
  if (opts.signal?.aborted) return Promise.reject(new ParlaError('cancelled', `cancelled before ${opts.what}`));
  const child = spawnFfmpeg(args);
  const stderr = new StderrTail();
  const chunks: Buffer[] = [];
  let size = 0;
  let limited = false;
  let failure: ParlaError | undefined;

  const stop = (err?: ParlaError): void => {
    failure ??= err;
    void killAndReap(child);
  };
  const timer = setTimeout(() => stop(new ParlaError('internal', `ffmpeg timed out after ${opts.timeoutMs / 1000} s ${opts.what}`)), opts.timeoutMs);
  const onAbort = (): void => stop(new ParlaError('cancelled', `cancelled while ${opts.what}`));
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  child.stdout.on('data', (c: Buffer) => {
    if (limited) return;
    chunks.push(c);
    size += c.length;
    if (opts.maxStdoutBytes !== undefined && size > opts.maxStdoutBytes) {
      limited = true;
      stop();
    }
  });
  child.stdin.end(opts.input);

  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (code: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure);
      else resolve({ stdout: Buffer.concat(chunks, size), stderr: stderr.toString(), exitCode: code, limited });
    };
    child.once('error', (err) => {
      failure ??= new ParlaError('internal', `could not run ffmpeg ${opts.what}: ${err.message}`, { cause: err });
      // A spawn failure (ENOENT, EACCES) never emits 'close' reliably: there is no process to reap.
      if (child.pid === undefined) settle(null);
    });
    child.once('close', (code) => settle(code));
  });
}
