/**
 * The resumable job directory of a long synthesis (an audiobook): which chunks are finished, their audio, and the
 * fingerprint of the input and settings they were made from.
 *
 * Layout of `dir`:
 *   job.json        fingerprint + settings, written once (atomically) when the job starts
 *   journal.jsonl   one JSON line per finished chunk, appended and fsynced after its audio is durable
 *   chunks/*.wav    chunk audio (float32 WAV), each written to a temp file, fsynced, renamed
 *
 * A SIGKILL at any moment loses at most the chunk in flight: its audio without a journal line is ignored, and a
 * torn last journal line is cut off when the job is reopened.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import wavefile from 'wavefile';
import { parseWav, wavToMono } from '../audio/wav.js';
import { ParlaError } from '../errors.js';
import { TEMP_MARK, writeFileAtomic } from './atomic-file.js';
import { describeSettingsChange, fingerprint, type JobFingerprint, type JobSettings } from './job-fingerprint.js';
import { acquireJobLock, releaseJobLock } from './job-lock.js';

const JOB_FORMAT = 1;

export interface JobManifest {
  format: number;
  inputPath: string;
  fingerprint: JobFingerprint;
  settings: JobSettings;
  createdAt: string;
}

/** One journal line. */
export interface JournalEntry {
  id: string;
  /** File name under chunks/. */
  file: string;
  sampleRate: number;
  samples: number;
  /** Byte size of the chunk file, checked on reopen. */
  bytes: number;
  /** Anything the caller wants back on resume (text, seed, quality report). */
  meta?: Record<string, unknown>;
  at: string;
}

export interface ChunkAudio {
  pcm: Float32Array;
  sampleRate: number;
}

/** Chunk ids are free-form; file names are the id when it is safe, else a hash of it. */
function chunkFileName(id: string): string {
  return /^[\w.-]{1,100}$/.test(id) && !id.startsWith('.') ? `${id}.wav` : `${createHash('sha1').update(id).digest('hex')}.wav`;
}

export class BookJob {
  private readonly entries = new Map<string, JournalEntry>();
  private fd: number | undefined;

  private constructor(
    readonly dir: string,
    readonly manifest: JobManifest,
  ) {}

  /**
   * Starts a job in `dir`, or reopens the one there. Reopening checks the input file and settings against the
   * fingerprint taken at the start and refuses (saying which changed) instead of mixing audio from two versions.
   */
  static async open(dir: string, inputPath: string, settings: JobSettings): Promise<BookJob> {
    const abs = resolve(dir);
    const fp = await fingerprint(inputPath, settings);
    try {
      mkdirSync(join(abs, 'chunks'), { recursive: true });
    } catch (err) {
      throw new ParlaError('invalid_input', `cannot create job directory ${abs}: ${(err as Error).message}`, { param: abs, cause: err });
    }
    acquireJobLock(abs);
    try {
      const manifestPath = join(abs, 'job.json');
      let manifest: JobManifest;
      if (existsSync(manifestPath)) {
        manifest = readManifest(manifestPath);
        assertSameJob(abs, manifest, inputPath, fp, settings);
      } else {
        manifest = { format: JOB_FORMAT, inputPath: resolve(inputPath), fingerprint: fp, settings, createdAt: new Date().toISOString() };
        writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
      }
      const job = new BookJob(abs, manifest);
      job.load();
      return job;
    } catch (err) {
      releaseJobLock(abs);
      throw err;
    }
  }

  /** Reads the journal, cuts a torn last line, drops entries whose audio is missing, deletes stale temp files. */
  private load(): void {
    const path = join(this.dir, 'journal.jsonl');
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    this.fd = openSync(path, 'a');
    if (complete.length < Buffer.byteLength(text)) {
      ftruncateSync(this.fd, Buffer.byteLength(complete));
      fsyncSync(this.fd);
    }
    for (const line of complete.split('\n')) {
      if (!line) continue;
      let entry: JournalEntry;
      try {
        entry = JSON.parse(line) as JournalEntry;
      } catch {
        continue; // unreadable line (disk damage): that chunk is simply made again
      }
      const file = join(this.dir, 'chunks', entry.file);
      if (existsSync(file) && statSync(file).size === entry.bytes) this.entries.set(entry.id, entry);
    }
    for (const name of readdirSync(join(this.dir, 'chunks'))) if (name.includes(TEMP_MARK)) rmSync(join(this.dir, 'chunks', name), { force: true });
  }

  isDone(chunkId: string): boolean {
    return this.entries.has(chunkId);
  }

  get doneCount(): number {
    return this.entries.size;
  }

  entry(chunkId: string): JournalEntry | undefined {
    return this.entries.get(chunkId);
  }

  /** Stores a finished chunk: audio made durable first, then its journal line. Recording an id again replaces it. */
  record(chunkId: string, audio: ChunkAudio, meta?: Record<string, unknown>): JournalEntry {
    if (this.fd === undefined) throw new ParlaError('internal', `job ${this.dir} is closed`, { param: chunkId });
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, audio.sampleRate, '32f', audio.pcm);
    const bytes = wav.toBuffer();
    const file = chunkFileName(chunkId);
    writeFileAtomic(join(this.dir, 'chunks', file), bytes);
    const entry: JournalEntry = { id: chunkId, file, sampleRate: audio.sampleRate, samples: audio.pcm.length, bytes: bytes.length, at: new Date().toISOString() };
    if (meta) entry.meta = meta;
    const line = Buffer.from(`${JSON.stringify(entry)}\n`);
    for (let at = 0; at < line.length; ) at += writeSync(this.fd, line, at, line.length - at);
    fsyncSync(this.fd);
    this.entries.set(chunkId, entry);
    return entry;
  }

  chunkPath(chunkId: string): string {
    const entry = this.entries.get(chunkId);
    if (!entry) throw new ParlaError('invalid_input', `chunk "${chunkId}" is not finished in job ${this.dir}`, { param: chunkId });
    return join(this.dir, 'chunks', entry.file);
  }

  readChunk(chunkId: string): ChunkAudio {
    const path = this.chunkPath(chunkId);
    const bytes = readFileSync(path);
    const info = parseWav(bytes, path);
    if (!info) throw new ParlaError('not_audio', `${path}: unexpected WAV encoding`, { param: path });
    return { pcm: wavToMono(bytes, info), sampleRate: info.sampleRate };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    releaseJobLock(this.dir);
  }
}

function assertSameJob(dir: string, manifest: JobManifest, inputPath: string, fp: JobFingerprint, settings: JobSettings): void {
  const problems: string[] = [];
  if (manifest.fingerprint.input !== fp.input) {
    problems.push(
      `the input changed (${manifest.inputPath} had sha256 ${manifest.fingerprint.input.slice(0, 12)}, ${resolve(inputPath)} has ${fp.input.slice(0, 12)})`,
    );
  }
  if (manifest.fingerprint.settings !== fp.settings) {
    problems.push(`the settings changed (${describeSettingsChange(manifest.settings, settings) || 'same values, different form'})`);
  }
  if (problems.length) {
    throw new ParlaError(
      'invalid_input',
      `job directory ${dir} belongs to another job: ${problems.join('; ')}. Use a new job directory, or delete this one to start over`,
      { param: manifest.fingerprint.input !== fp.input ? 'input' : 'settings' },
    );
  }
}

function readManifest(path: string): JobManifest {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as JobManifest;
    if (manifest.format !== JOB_FORMAT || !manifest.fingerprint?.input) throw new Error(`unknown job format ${manifest.format}`);
    return manifest;
  } catch (err) {
    throw new ParlaError('invalid_input', `${path} is not a Parla job file: ${(err as Error).message}`, { param: path, cause: err });
  }
}
