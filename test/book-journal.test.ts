// The resumable job journal: a real child process SIGKILLed while recording, reopened, resumed to the same audio; fingerprints.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wavefile from 'wavefile';
import { BookJob } from '../src/book/journal.js';
import { isParlaError } from '../src/errors.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const CHUNKS = 40;
/** Chunk audio as a pure function of its number, written once and used by the child and by the test. */
const CHUNK_PCM_SOURCE = '(i) => Float32Array.from({ length: 16000 + 500 * i }, (_, k) => 0.5 * Math.sin(k * 0.01 * (i + 1)))';
const chunkPcm = new Function(`return ${CHUNK_PCM_SOURCE}`)() as (i: number) => Float32Array;
const settings = { voice: 'kathleen', seed: 1, pauses: { sentenceMs: 300 } };

/** Chunks are kept as 16-bit FLAC: they read back within half a 16-bit step (plus float rounding). */
function expectSamples(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(0.5 / 32768 + 1e-7);
}

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
  await job.record(id, { pcm: chunkPcm(i), sampleRate: 16000 }, { text: 'sentence ' + i });
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
      if (!reference.isDone(`chunk-${i}`)) await reference.record(`chunk-${i}`, { pcm: chunkPcm(i), sampleRate: 16000 });
      expect(readFileSync(job.chunkPath(`chunk-${i}`)).equals(readFileSync(reference.chunkPath(`chunk-${i}`))), `chunk-${i}`).toBe(true);
    }
    expectSamples((await job.readChunk('chunk-7')).pcm, chunkPcm(7));
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

  it('discard (--restart) removes a job folder, but refuses a folder of other files and a job another run holds', async () => {
    const precious = path.join(dir, 'precious');
    mkdirSync(precious);
    writeFileSync(path.join(precious, 'notes.txt'), 'important');
    for (const attempt of [() => BookJob.discard(precious), () => BookJob.open(precious, input, settings)]) {
      const err = await Promise.resolve().then(attempt).catch((e: unknown) => e);
      expect(isParlaError(err) && err.code).toBe('invalid_input');
      expect((err as Error).message).toMatch(/precious is not a Parla job folder \(it holds notes\.txt\): .*nothing was changed/);
    }
    expect(readdirSync(precious)).toEqual(['notes.txt']);

    const held = path.join(dir, 'held');
    const job = await BookJob.open(held, input, settings);
    const err = (() => {
      try {
        BookJob.discard(held);
      } catch (e) {
        return e;
      }
    })();
    expect(isParlaError(err) && err.code).toBe('busy');
    expect(existsSync(path.join(held, 'job.json'))).toBe(true);
    job.close();
    BookJob.discard(held);
    expect(existsSync(held)).toBe(false);
    BookJob.discard(path.join(dir, 'never-made')); // nothing to remove
  });

  it('ignores and cuts a torn last line, and drops entries whose audio file is missing', async () => {
    const jobDir = path.join(dir, 'torn');
    const job = await BookJob.open(jobDir, input, settings);
    await job.record('a', { pcm: chunkPcm(0), sampleRate: 16000 });
    await job.record('b', { pcm: chunkPcm(1), sampleRate: 16000 });
    job.close();
    const journal = path.join(jobDir, 'journal.jsonl');
    appendFileSync(journal, '{"id":"c","file":"c.flac","sampleRa');
    rmSync(path.join(jobDir, 'chunks', 'b.flac'));

    const reopened = await BookJob.open(jobDir, input, settings);
    expect(['a', 'b', 'c'].map((id) => reopened.isDone(id))).toEqual([true, false, false]);
    await reopened.record('d', { pcm: chunkPcm(2), sampleRate: 16000 });
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

  it('stores chunks as 16-bit FLAC, a quarter of float32 or less', async () => {
    const job = await BookJob.open(path.join(dir, 'flac'), input, settings);
    const entry = await job.record('speech', { pcm: chunkPcm(3), sampleRate: 16000 });
    const bytes = readFileSync(job.chunkPath('speech'));
    expect(entry.file).toBe('speech.flac');
    expect(bytes.toString('latin1', 0, 4)).toBe('fLaC');
    expect(bytes.length).toBeLessThan(chunkPcm(3).length); // float32: 4 bytes a sample
    expectSamples((await job.readChunk('speech')).pcm, chunkPcm(3));
    // An empty take (the engine can end speech at once) is kept too.
    await job.record('empty', { pcm: new Float32Array(0), sampleRate: 16000 });
    expect((await job.readChunk('empty')).pcm.length).toBe(0);
    job.close();
  });

  it('a truncated or damaged chunk file is dropped on reopen and made again; one damaged later is refused on read', async () => {
    const jobDir = path.join(dir, 'damaged');
    const job = await BookJob.open(jobDir, input, settings);
    const ids = ['a', 'b', 'c', 'd'];
    for (const [i, id] of ids.entries()) await job.record(id, { pcm: chunkPcm(i), sampleRate: 16000 });
    const original = readFileSync(job.chunkPath('b'));
    job.close();
    const file = (id: string) => path.join(jobDir, 'chunks', `${id}.flac`);
    truncateSync(file('a'), 100);
    const flipped = Buffer.from(readFileSync(file('b')));
    flipped[flipped.length >> 1] ^= 0x40; // same size: ffmpeg would decode this into plausible audio without a word
    writeFileSync(file('b'), flipped);

    const reopened = await BookJob.open(jobDir, input, settings);
    expect(ids.map((id) => reopened.isDone(id))).toEqual([false, false, true, true]);
    await reopened.record('b', { pcm: chunkPcm(1), sampleRate: 16000 });
    expect(readFileSync(reopened.chunkPath('b')).equals(original)).toBe(true);

    const c = Buffer.from(readFileSync(file('c')));
    c[c.length - 10] ^= 0x01;
    writeFileSync(file('c'), c);
    await expect(reopened.readChunk('c')).rejects.toThrow(/c\.flac: the chunk file changed since it was journaled.*run the same command again/);
    reopened.close();
    const again = await BookJob.open(jobDir, input, settings);
    expect(ids.map((id) => again.isDone(id))).toEqual([false, true, false, true]);
    again.close();
  });

  it('reads job folders from before FLAC (float32 WAV chunks, no CRC) and resumes them with FLAC chunks', async () => {
    const jobDir = path.join(dir, 'float32');
    (await BookJob.open(jobDir, input, settings)).close();
    // What the float32 journal wrote: chunks/<id>.wav (32-bit float) and a line without crc32.
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, 16000, '32f', chunkPcm(5));
    const bytes = Buffer.from(wav.toBuffer());
    mkdirSync(path.join(jobDir, 'chunks'), { recursive: true });
    writeFileSync(path.join(jobDir, 'chunks', 'old.wav'), bytes);
    const line = { id: 'old', file: 'old.wav', sampleRate: 16000, samples: chunkPcm(5).length, bytes: bytes.length, meta: { text: 'old' }, at: new Date().toISOString() };
    writeFileSync(path.join(jobDir, 'journal.jsonl'), `${JSON.stringify(line)}\n`);

    const job = await BookJob.open(jobDir, input, settings);
    expect(job.isDone('old')).toBe(true);
    expect((await job.readChunk('old')).pcm).toEqual(chunkPcm(5)); // float32 as it was
    expect((await job.record('new', { pcm: chunkPcm(6), sampleRate: 16000 })).file).toBe('new.flac');
    job.close();
  });
});
