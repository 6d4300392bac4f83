/** Finds and runs the non-ffmpeg programs the evaluation relies on (pocketsphinx, codec2), with errors that name the tool. */
import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { ParlaError } from '../errors.js';

/** Absolute path of an executable file on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export interface ToolResult {
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs `command args`, feeding `input` to stdin, and resolves with its output.
 * Rejects with ParlaError 'tool_missing' (with `installHint`) when the program does not exist,
 * and 'internal' with the tail of stderr when it exits non-zero.
 */
export function runTool(command: string, args: readonly string[], options: { input?: Buffer; installHint?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      const missing = e.code === 'ENOENT';
      const hint = missing && options.installHint ? ` (${options.installHint})` : '';
      const message = missing ? `${command} was not found${hint}` : `could not run ${command}: ${e.message}`;
      reject(new ParlaError(missing ? 'tool_missing' : 'internal', message, { param: command, cause: e }));
    });
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        const tail = stderr.trim().split('\n').slice(-5).join('\n');
        reject(new ParlaError('internal', `${path.basename(command)} exited with code ${code}: ${tail}`, { param: command }));
        return;
      }
      resolve({ stdout: Buffer.concat(out), stderr });
    });
    // A tool that exits before reading stdin (e.g. on bad arguments) must not crash us with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

/** Runs async jobs with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, job: (item: T, index: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ParlaError('invalid_input', `concurrency must be a positive integer, got ${limit}`, { param: 'concurrency' });
  }
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await job(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
