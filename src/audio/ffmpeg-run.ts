/** Running ffmpeg to completion (buffered, with timeout and abort) and turning its stderr into ParlaErrors. */
import { ParlaError, type ParlaErrorCode } from '../errors.js';
import { killAndReap, spawnFfmpeg } from './ffmpeg.js';

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

// Messages ffmpeg prints when a container or stream stops before its end.
const TRUNCATION = /File ended prematurely|moov atom not found|partial file|Truncating packet|End of file|Error while decoding|decode_frame\(\) failed|invalid residual/i;

/** One readable line for an ffmpeg failure: the last meaningful stderr lines, prefixed by `[demuxer @ 0x..]` removed. */
export function summarizeStderr(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^\[[^\]]+ @ 0x[0-9a-f]+\]\s*/, '').trim())
    .filter((l) => l.length > 0 && !/^(Input|Output|Stream|Duration|Metadata|Press)/.test(l));
  const unique = [...new Set(lines)];
  return unique.slice(-3).join('; ') || 'no message';
}

/** Map a failed decode's stderr to the ParlaError code that names the problem. */
export function classifyDecodeFailure(stderr: string): ParlaErrorCode {
  return TRUNCATION.test(stderr) ? 'audio_truncated' : 'not_audio';
}

/** True when a decode that exited 0 still reported that the input stopped mid-stream. */
export function reportsTruncation(stderr: string): boolean {
  return TRUNCATION.test(stderr);
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
