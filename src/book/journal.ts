/**
 * The resumable job directory of a long synthesis (an audiobook): which chunks are finished, their audio, and the
 * fingerprint of the input and settings they were made from.
 *
 * Layout of `dir`:
 *   job.json        fingerprint + settings, written once (atomically) when the job starts
 *   journal.jsonl   one JSON line per finished chunk, appended and fsynced after its audio is durable
 *   chunks/*.flac   chunk audio as 16-bit FLAC (lossless for 16-bit audio, about a quarter of float32: a 10-hour book
 *                   takes ~0.6 GB, not 2.3), each written to a temp file, fsynced, renamed
 *
 * A SIGKILL at any moment loses at most the chunk in flight: its audio without a journal line is ignored, and a
 * torn last journal line is cut off when the job is reopened. Each journal line holds its file's size and CRC-32:
 * a chunk file that is truncated or damaged (ffmpeg decodes a damaged FLAC frame into plausible noise without an
 * error) is dropped when the job is reopened, so it is synthesized again, and refused if it changes after that.
 *
 * Job folders from before FLAC chunks hold float32 `chunks/*.wav` with no CRC in their journal lines: they are still
 * read (WAV, checked by size as before), and the chunks made when such a job is resumed are FLAC.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeAudio, encodeAudio, encodeWav } from '../audio/index.js';
import { parseWav, wavToMono } from '../audio/wav.js';
import { ParlaError } from '../errors.js';
import { TEMP_MARK, writeFileAtomic } from './atomic-file.js';
import { describeSettingsChange, fingerprint, type JobFingerprint, type JobSettings } from './job-fingerprint.js';
import { acquireJobLock, releaseJobLock } from './job-lock.js';
import { makeDirs } from '../make-dirs.js';

const JOB_FORMAT = 1;
/** Everything a job folder holds (the runner adds `assembly/`); a folder with other files in it is not one. */
const JOB_ENTRIES = new Set(['job.json', 'journal.jsonl', 'chunks', 'job.lock', 'assembly']);

/** A job folder, an empty folder or none at all: anything else is refused, naming it, before anything is written. */
function assertJobFolder(abs: string): void {
  if (!existsSync(abs)) return;
  if (!statSync(abs).isDirectory()) throw new ParlaError('invalid_input', `job folder ${abs} is a file, not a folder: choose another --job-dir`, { param: 'job-dir' });
  const others = readdirSync(abs).filter((name) => !JOB_ENTRIES.has(name));
  if (others.length > 0) {
    const shown = others.slice(0, 3).join(', ') + (others.length > 3 ? ', ...' : '');
    throw new ParlaError('invalid_input', `${abs} is not a Parla job folder (it holds ${shown}): choose an empty or new --job-dir; nothing was changed`, { param: 'job-dir' });
  }
}

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
  /** CRC-32 of the chunk file, checked on reopen and on read (absent in journals from before FLAC chunks). */
  crc32?: number;
  /** Anything the caller wants back on resume (text, seed, quality report). */
  meta?: Record<string, unknown>;
  at: string;
}

export interface ChunkAudio {
  pcm: Float32Array;
  sampleRate: number;
}

/** Chunk ids are free-form; file names are the id when it is safe, else a hash of it. */
function chunkFileName(id: string, extension: string): string {
  return /^[\w.-]{1,100}$/.test(id) && !id.startsWith('.') ? `${id}.${extension}` : `${createHash('sha1').update(id).digest('hex')}.${extension}`;
}

/** 16-bit FLAC; an empty take (the engine returns one when it ends speech at once) as a 16-bit WAV, since FLAC needs samples. */
async function encodeChunk(audio: ChunkAudio): Promise<{ bytes: Buffer; extension: 'flac' | 'wav' }> {
  if (audio.pcm.length === 0) return { bytes: encodeWav(audio.pcm, audio.sampleRate), extension: 'wav' };
  return { bytes: await encodeAudio(audio.pcm, audio.sampleRate, 'flac'), extension: 'flac' };
}

/** Whether `bytes` are the chunk file `entry` journaled: same size, and the same CRC-32 where the entry has one. */
function matchesEntry(bytes: Buffer, entry: JournalEntry): boolean {
  return bytes.length === entry.bytes && (entry.crc32 === undefined || crc32(bytes) === entry.crc32);
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
    assertJobFolder(abs);
    const fp = await fingerprint(inputPath, settings);
    try {
      makeDirs(join(abs, 'chunks'));
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

  /**
   * Starts over (`parla book --restart`): removes the job folder with everything in it, but only a job folder (or an
   * empty one) that no running job holds, so that a mistyped --job-dir cannot delete someone's files.
   * @throws ParlaError invalid_input (not a job folder) | busy (another process is running the job)
   */
  static discard(dir: string): void {
    const abs = resolve(dir);
    if (!existsSync(abs)) return;
    assertJobFolder(abs);
    acquireJobLock(abs);
    rmSync(abs, { recursive: true, force: true });
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
      // A missing, truncated or damaged file: the chunk is simply made again.
      const file = join(this.dir, 'chunks', entry.file);
      if (existsSync(file) && statSync(file).size === entry.bytes && matchesEntry(readFileSync(file), entry)) this.entries.set(entry.id, entry);
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

  /**
   * Stores a finished chunk: audio made durable first, then its journal line. Recording an id again replaces it.
   * The audio is kept as 16-bit FLAC (samples beyond [-1, 1] clip), so a chunk reads back rounded to 1/32768.
   */
  async record(chunkId: string, audio: ChunkAudio, meta?: Record<string, unknown>): Promise<JournalEntry> {
    const closed = () => new ParlaError('internal', `job ${this.dir} is closed`, { param: chunkId });
    if (this.fd === undefined) throw closed();
    const { bytes, extension } = await encodeChunk(audio);
    if (this.fd === undefined) throw closed();
    const file = chunkFileName(chunkId, extension);
    writeFileAtomic(join(this.dir, 'chunks', file), bytes);
    const entry: JournalEntry = { id: chunkId, file, sampleRate: audio.sampleRate, samples: audio.pcm.length, bytes: bytes.length, crc32: crc32(bytes), at: new Date().toISOString() };
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

  /** A finished chunk's audio, checked against its journal line (a file changed since the job was opened is refused). */
  async readChunk(chunkId: string): Promise<ChunkAudio> {
    const path = this.chunkPath(chunkId);
    const entry = this.entries.get(chunkId)!;
    const bytes = readFileSync(path);
    const damaged = (why: string) =>
      new ParlaError('audio_truncated', `${path}: ${why}; run the same command again to synthesize the chunk anew`, { param: chunkId });
    if (!matchesEntry(bytes, entry)) throw damaged(`the chunk file changed since it was journaled (${bytes.length} bytes, journaled ${entry.bytes})`);
    let pcm: Float32Array;
    if (entry.file.endsWith('.flac')) {
      pcm = await decodeAudio(bytes, { sampleRate: entry.sampleRate });
    } else {
      // Empty takes, and the float32 WAV chunks of job folders from before FLAC.
      const info = parseWav(bytes, path);
      if (!info) throw new ParlaError('not_audio', `${path}: unexpected WAV encoding`, { param: path });
      pcm = wavToMono(bytes, info);
    }
    if (pcm.length !== entry.samples) throw damaged(`the chunk file decodes to ${pcm.length} samples, its journal line says ${entry.samples}`);
    return { pcm, sampleRate: entry.sampleRate };
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
