/** Kill-and-resume of `parla book`: a child process SIGKILLed after its first journaled chunk, re-run, gives the same chapter audio as an uninterrupted run. */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../src/audio/ffmpeg.js';
import { encodeWav } from '../src/audio/wav.js';
import { FIXTURE, promptPcm } from './engine-helpers.js';

const REPO = resolve(import.meta.dirname, '..');
const ffmpeg = resolveFfmpeg().path;
const CHILD = join(REPO, 'test', 'book-run-child.ts');
/** 2 chapters, 5 chunks (titles included). */
const BOOK = '# Two Doors\n\n## Red\n\nOpen it.\n\n## Green\n\nWait.\n\nListen.\n';

let dir: string;
let bookPath: string;
let promptWav: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parla-book-resume-'));
  bookPath = join(dir, 'doors.md');
  writeFileSync(bookPath, BOOK);
  promptWav = join(dir, 'prompt.wav');
  writeFileSync(promptWav, encodeWav(promptPcm(), 16000));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = (out: string, ...extra: string[]): string[] =>
  ['--import', 'tsx', CHILD, 'book', bookPath, '-m', FIXTURE, '--voice', promptWav, '--threads', '1', '--gate', 'silence,clipping', '--seed', '77', '--no-loudness', '-o', out, ...extra];

function runChild(out: string, ...extra: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, args(out, ...extra), { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

/** Same chunk files in both job folders, byte for byte, and the same decoded audiobook sample for sample. */
function expectSameAudio(a: string, b: string): void {
  const chunks = (m4b: string): string[] => readdirSync(join(`${m4b}.parla-job`, 'chunks')).sort();
  expect(chunks(b)).toEqual(chunks(a));
  for (const f of chunks(a)) expect(readFileSync(join(`${b}.parla-job`, 'chunks', f)).equals(readFileSync(join(`${a}.parla-job`, 'chunks', f))), f).toBe(true);
  const pcm = (m4b: string): Buffer => execFileSync(ffmpeg, ['-v', 'error', '-i', m4b, '-map', '0:a', '-f', 's16le', 'pipe:1'], { maxBuffer: 1 << 28 });
  const [pa, pb] = [pcm(a), pcm(b)];
  expect(pa.length).toBeGreaterThan(16000);
  expect(pb.equals(pa), 'decoded audiobooks differ').toBe(true);
}

const journalLines = (jobDir: string): number => {
  const path = join(jobDir, 'journal.jsonl');
  // Complete lines only: a torn last line is cut off when the job is reopened.
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 1 : 0;
};

describe('parla book: SIGKILL and resume', () => {
  it('continues where it stopped, never re-synthesizes a finished chunk, and matches an uninterrupted run sample for sample', async () => {
    const reference = join(dir, 'reference.m4b');
    const ref = runChild(reference);
    expect(ref.code, ref.stderr).toBe(0);
    expect(ref.stderr).toMatch(/chunks: 5 \(5 synthesized now/);

    // Start the same book into another output; SIGKILL the child as soon as one chunk is journaled.
    const killed = join(dir, 'killed.m4b');
    const jobDir = `${killed}.parla-job`;
    const child = spawn(process.execPath, args(killed), { cwd: REPO, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((done) => child.on('exit', (_code, signal) => done(signal)));
    const deadline = Date.now() + 45_000;
    while (journalLines(jobDir) < 1 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const doneAtKill = journalLines(jobDir);
    expect(doneAtKill).toBeGreaterThanOrEqual(1);
    expect(doneAtKill).toBeLessThan(5);
    expect(existsSync(killed)).toBe(false);

    const resumed = runChild(killed);
    expect(resumed.code, resumed.stderr).toBe(0);
    // Whatever the child finished (it may have journaled more between the check and the kill) is taken from the journal.
    const m = /chunks: 5 \((\d+) synthesized now, (\d+) from the job journal/.exec(resumed.stderr);
    expect(m, resumed.stderr).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThanOrEqual(doneAtKill);
    expect(Number(m![1]) + Number(m![2])).toBe(5);
    expect(journalLines(jobDir)).toBe(5); // one line per chunk: nothing was made twice

    expectSameAudio(reference, killed);
  });

  it('Ctrl-C (SIGINT) stops with 130 and says how to continue; the same command then finishes the book', async () => {
    const stopped = join(dir, 'sigint.m4b');
    const jobDir = `${stopped}.parla-job`;
    const child = spawn(process.execPath, args(stopped), { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const deadline = Date.now() + 45_000;
    while (journalLines(jobDir) < 1 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain('parla: interrupted; run the same command again to continue');
    const resumed = runChild(stopped);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/chunks: 5 \(\d synthesized now, [1-5] from the job journal/);
  });

  it('--jobs 2 (two worker threads) journals the same chunk audio as one worker', () => {
    const parallel = join(dir, 'parallel.m4b');
    const r = runChild(parallel, '--jobs', '2');
    expect(r.code, r.stderr).toBe(0);
    expectSameAudio(join(dir, 'reference.m4b'), parallel);
  });
});
