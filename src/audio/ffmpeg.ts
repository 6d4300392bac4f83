/** The one place Parla finds and spawns ffmpeg: binary resolution, buffered runs with timeout, stderr summaries. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ParlaError } from '../errors.js';

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

/** Kill a child (SIGKILL: we never need ffmpeg to finalize output we are throwing away) and wait until it is reaped. */
export function killAndReap(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.stdin.destroy();
    child.kill('SIGKILL');
  });
}
