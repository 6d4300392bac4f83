/** `parla serve` as a real process: a port it cannot have is one clear line and exit 1; SIGTERM mid-synthesis exits 0 (not an abort). */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, TINY_MODEL } from './server-harness.js';

const REPO = resolve(import.meta.dirname, '..');
const SCRIPT = "const { main } = await import('./src/cli/main.ts'); await main(process.argv);";

function serve(...args: string[]): ReturnType<typeof serveWith> {
  return serveWith({}, ...args);
}

function serveWith(env: Record<string, string>, ...args: string[]): { child: ChildProcess; output: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const voices = tempDir('proc-voices');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, 'parla', 'serve', '-m', TINY_MODEL, '--voices-dir', voices.dir, '--workers', '1', ...args], { cwd: REPO, env: { ...process.env, ...env } });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => {
      voices.remove();
      done({ code, signal });
    }),
  );
  return { child, output: () => output, exit };
}

async function until<T>(what: () => T | undefined, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('parla serve, the process', () => {
  it('a PARLA_FFMPEG that is not there stops the server at start (it used to answer 200 with empty bodies)', async () => {
    const run = serveWith({ PARLA_FFMPEG: '/nope/ffmpeg' }, '--port', '0');
    expect((await run.exit).code).toBe(1);
    expect(run.output()).toContain('parla: PARLA_FFMPEG=/nope/ffmpeg is not an executable file');
  }, 60_000);

  it('a port in use: one clear line, exit 1 (it used to hang with the model loaded)', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = serve('--port', String(port));
      const { code } = await run.exit;
      expect(code).toBe(1);
      expect(run.output()).toContain(`parla: cannot listen on 127.0.0.1:${port}: the port is in use`);
    } finally {
      blocker.close();
    }
  }, 60_000);

  // The shipped model, so that graph calls are real-size. The abort this guards against (worker.terminate() inside an
  // onnxruntime call: exit 134) reproduced by hand with the built CLI (2026-11-29: 134 before the fix, 0 after) but not
  // under tsx here, so this test checks the clean exit and the absence of the message, not the old failure.
  it('SIGTERM while a worker synthesizes (shipped model): the request is cancelled and the process exits 0, not 134', async () => {
    const run = serve('--port', '0', '-m', resolve(REPO, 'models', 'default'));
    const url = await until(() => /Parla listening on (http:\/\/[0-9.:]+)/.exec(run.output())?.[1], 30_000);
    let healthy = false;
    for (let i = 0; i < 300 && !healthy; i++) {
      healthy = (await fetch(`${url}/health`).catch(() => null))?.status === 200;
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    expect(healthy).toBe(true);
    const long = fetch(`${url}/v1/audio/speech`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'parla', voice: 'alloy', input: 'This is a fairly long sentence for the server to read aloud. '.repeat(33), response_format: 'wav' }) })
      .then((r) => r.arrayBuffer())
      .catch(() => null);
    await new Promise((r) => setTimeout(r, 3000));
    run.child.kill('SIGTERM');
    const { code, signal } = await run.exit;
    await long;
    expect(run.output()).not.toContain('terminate called');
    expect([code, signal]).toEqual([0, null]);
  }, 120_000);
});
