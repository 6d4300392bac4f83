// The resumable job journal: a real child process SIGKILLed while recording, reopened, resumed to the same audio; fingerprints.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BookJob } from '../src/book/journal.js';
import { isParlaError } from '../src/errors.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const CHUNKS = 40;
/** Chunk audio as a pure function of its number, written once and used by the child and by the test. */
const CHUNK_PCM_SOURCE = '(i) => Float32Array.from({ length: 16000 + 500 * i }, (_, k) => 0.5 * Math.sin(k * 0.01 * (i + 1)))';
const chunkPcm = new Function(`return ${CHUNK_PCM_SOURCE}`)() as (i: number) => Float32Array;
const settings = { voice: 'kathleen', seed: 1, pauses: { sentenceMs: 300 } };

let dir: string;
let input: string;
let childScript: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'parla-book-journal-'));
  input = path.join(dir, 'book.txt');
  writeFileSync(input, 'Chapter 1\n\nSome text.\n');
  childScript = path.join(dir, 'child.mts');
  writeFileSync(
    childScript,
    `import { BookJob } from ${JSON.stringify(path.join(repoRoot, 'src/book/journal.ts'))};
const [dir, input] = process.argv.slice(2);
const job = await BookJob.open(dir, input, ${JSON.stringify(settings)});
const chunkPcm = ${CHUNK_PCM_SOURCE};
for (let i = 0; i < ${CHUNKS}; i++) {
  const id = 'chunk-' + i;
  if (job.isDone(id)) continue;
  job.record(id, { pcm: chunkPcm(i), sampleRate: 16000 }, { text: 'sentence ' + i });
  process.stdout.write('done ' + i + '\\n');
}
job.close();
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child on `jobDir`; with `killAfter`, SIGKILLs it a few ms after it reports that many chunks. */
function runChild(jobDir: string, killAfter?: number): Promise<{ done: number[]; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, jobDir, input], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    const done: number[] = [];
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/done (\d+)/g)) done.push(Number(m[1]));
      // A varying delay so the kill lands at different points of a record(): audio write, rename, journal append.
      if (killAfter !== undefined && done.length >= killAfter && !child.killed) setTimeout(() => child.kill('SIGKILL'), killAfter % 7);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => (code && code !== 0 ? reject(new Error(`child failed: ${stderr}`)) : resolve({ done, signal, code })));
  });
}

describe('BookJob journal', () => {
  it('survives SIGKILL mid-loop: reopened, finished chunks are kept and intact, the rest is done on resume', async () => {
    const jobDir = path.join(dir, 'killed');
    let reported = 0;
    for (const killAfter of [3, 11]) {
      const run = await runChild(jobDir, killAfter);
      expect(run.signal).toBe('SIGKILL');
      reported += run.done.length;
      const job = await BookJob.open(jobDir, input, settings);
      // Everything reported done before the kill is done; at most the chunk in flight beyond that.
      expect(job.doneCount).toBeGreaterThanOrEqual(reported);
      expect(job.doneCount).toBeLessThanOrEqual(reported + 1);
      reported = job.doneCount;
      for (let i = 0; i < CHUNKS; i++) expect(job.isDone(`chunk-${i}`), `chunk-${i}`).toBe(i < job.doneCount);
      expect(readdirSync(path.join(jobDir, 'chunks')).filter((f) => f.includes('.tmp-'))).toEqual([]);
      job.close();
    }
    expect(reported).toBeLessThan(CHUNKS); // the kills really interrupted the loop

    const resumed = await runChild(jobDir);
    expect(resumed.signal).toBeNull();
    expect(resumed.done[0]).toBe(reported); // no finished chunk was made again

    // Same audio as an uninterrupted run.
    const reference = await BookJob.open(path.join(dir, 'reference'), input, settings);
    const job = await BookJob.open(jobDir, input, settings);
    for (let i = 0; i < CHUNKS; i++) {
      if (!reference.isDone(`chunk-${i}`)) reference.record(`chunk-${i}`, { pcm: chunkPcm(i), sampleRate: 16000 });
      expect(readFileSync(job.chunkPath(`chunk-${i}`)).equals(readFileSync(reference.chunkPath(`chunk-${i}`))), `chunk-${i}`).toBe(true);
    }
    expect(job.readChunk('chunk-7').pcm).toEqual(chunkPcm(7));
    expect(job.entry('chunk-7')?.meta).toEqual({ text: 'sentence 7' });
    job.close();
    reference.close();
  });

  it('is locked while a live process holds it', async () => {
    const jobDir = path.join(dir, 'locked');
    const first = await BookJob.open(jobDir, input, settings);
    const err = await BookJob.open(jobDir, input, settings).catch((e: unknown) => e);
    expect(isParlaError(err) && err.code).toBe('busy');
    first.close();
    (await BookJob.open(jobDir, input, settings)).close();
  });

  it('ignores and cuts a torn last line, and drops entries whose audio file is missing', async () => {
    const jobDir = path.join(dir, 'torn');
    const job = await BookJob.open(jobDir, input, settings);
    job.record('a', { pcm: chunkPcm(0), sampleRate: 16000 });
    job.record('b', { pcm: chunkPcm(1), sampleRate: 16000 });
    job.close();
    const journal = path.join(jobDir, 'journal.jsonl');
    appendFileSync(journal, '{"id":"c","file":"c.wav","sampleRa');
    rmSync(path.join(jobDir, 'chunks', 'b.wav'));

    const reopened = await BookJob.open(jobDir, input, settings);
    expect(['a', 'b', 'c'].map((id) => reopened.isDone(id))).toEqual([true, false, false]);
    reopened.record('d', { pcm: chunkPcm(2), sampleRate: 16000 });
    reopened.close();
    const lines = readFileSync(journal, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['a', 'b', 'd']);
  });

  it('refuses to reopen with different settings or input, saying what changed', async () => {
    const jobDir = path.join(dir, 'fingerprint');
    (await BookJob.open(jobDir, input, settings)).close();
    const changedSettings = await BookJob.open(jobDir, input, { ...settings, seed: 2, pauses: { sentenceMs: 500 } }).catch((e: unknown) => e);
    expect(isParlaError(changedSettings) && changedSettings.param).toBe('settings');
    expect((changedSettings as Error).message).toMatch(/the settings changed \(pauses\.sentenceMs 300 -> 500, seed 1 -> 2\)/);

    const other = path.join(dir, 'other.txt');
    writeFileSync(other, 'Chapter 1\n\nDifferent text.\n');
    const changedInput = await BookJob.open(jobDir, other, settings).catch((e: unknown) => e);
    expect(isParlaError(changedInput) && changedInput.param).toBe('input');
    expect((changedInput as Error).message).toMatch(/belongs to another job: the input changed \(.*book\.txt had sha256 [0-9a-f]{12}, .*other\.txt has [0-9a-f]{12}\)/);
    expect(existsSync(path.join(jobDir, 'job.lock'))).toBe(false); // a refused open leaves no lock behind
  });
});
