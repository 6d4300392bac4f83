/**
 * `parla book` end to end, minus argument parsing: plan chunks, synthesize the ones the journal lacks (quality gate,
 * retries, N engines in parallel), join chapters from the job directory, mux the m4b or chapter files, write subtitles.
 */
import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ParlaError } from '../errors.js';
import { type BookOutput, writeOutput } from './book-output.js';
import { planChapters, type PlannedChapter, type PlannedChunk } from './book-plan.js';
import { assembleChapter, type AssembledChapter, type Pauses } from './chapter-assembly.js';
import type { AudiobookMetadata } from './chapter-audio.js';
import { synthesizeChunk, type BookSynthesisOptions, type ChunkEngine } from './chunk-synth.js';
import type { JobSettings } from './job-fingerprint.js';
import { BookJob } from './journal.js';
import { createProgress, SpeedMeter, type ProgressReporter } from './progress.js';
import type { GateCheck } from './quality-gate.js';
import type { Chapter } from './types.js';
import { makeDirs } from '../make-dirs.js';

export type { BookOutput } from './book-output.js';

export interface BookRunOptions {
  inputPath: string;
  /** The selected chapters, in reading order. */
  chapters: Chapter[];
  /** One engine per parallel worker (Synthesizer in-process, or WorkerSynthesizers). */
  engines: ChunkEngine[];
  synthesis: BookSynthesisOptions;
  seed: number;
  /** Extra attempts for a chunk that fails the gate. */
  retries: number;
  checks: readonly GateCheck[];
  chunkPhonemes?: number;
  pauses: Pauses;
  /** Match chapter loudness (-19 LUFS) at mux time. */
  loudness: boolean;
  jobDir: string;
  output: BookOutput;
  subtitles?: 'srt' | 'vtt';
  metadata: AudiobookMetadata;
  /**
   * What makes chunk audio what it is beyond the text: model, voice, sampling, normalization, lexicon. Stored in the
   * job; a re-run with other values is refused. Seed and chunk budget are added here.
   */
  identity: JobSettings;
  /** Progress output; default: live bars on a TTY stderr, log lines otherwise. */
  progress?: (bookChars: number, meter: SpeedMeter) => ProgressReporter;
}

export interface FailedChunk {
  id: string;
  chapter: number;
  text: string;
  failures: string[];
  attempts: number;
}

export interface BookRunSummary {
  chapters: { index: number; title: string; durationSec: number }[];
  durationSec: number;
  /** Written files: the m4b or the chapter files, then subtitles. */
  files: string[];
  chunks: { total: number; synthesized: number; resumed: number; retried: number };
  /** Of this run's synthesis only. */
  chars: number;
  wallSeconds: number;
  charsPerSecond: number;
  rtf: number;
  /** Chunks that failed the gate on every attempt: kept (best take) and listed. */
  failed: FailedChunk[];
  /** Resident memory, MB, after the first and the last chunk of this run, and the largest seen. */
  rssMb: { first: number; last: number; max: number };
}

/** Refuses an output that cannot be written before hours of synthesis, not after. */
function checkWritable(output: BookOutput): void {
  const dir = output.kind === 'm4b' ? dirname(resolve(output.path)) : resolve(output.dir);
  try {
    if (output.kind === 'files') makeDirs(dir);
    accessSync(dir, constants.W_OK);
    // The book is renamed over the output at the end: a folder there would only fail then.
    if (output.kind === 'm4b' && existsSync(output.path) && statSync(output.path).isDirectory()) throw new Error('it is a folder');
  } catch (err) {
    const what = output.kind === 'm4b' ? output.path : output.dir;
    throw new ParlaError('invalid_input', `cannot write output ${what}: ${(err as Error).message}`, { param: output.kind === 'm4b' ? 'output' : 'out-dir', cause: err });
  }
}

/** File-system failures mid-run (disk full, permissions) as a ParlaError that says the finished chunks are safe. */
function fsError(err: unknown, jobDir: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (!code || !/^E[A-Z]+$/.test(code)) return err;
  const why = code === 'ENOSPC' ? 'disk full' : (err as Error).message;
  return new ParlaError('internal', `${why}; finished chunks are kept in ${jobDir}: free space or fix the problem and run the same command again to continue`, { param: 'job-dir', cause: err });
}

const mb = (): number => Math.round(process.memoryUsage().rss / 2 ** 20);

export async function runBook(o: BookRunOptions): Promise<BookRunSummary> {
  if (!o.engines.length) throw new ParlaError('invalid_input', 'runBook needs at least one engine', { param: 'jobs' });
  checkWritable(o.output);
  const plan = planChapters(o.chapters, o.chunkPhonemes);
  const chunkPhonemes = o.chunkPhonemes ?? 150;
  const job = await BookJob.open(o.jobDir, o.inputPath, { ...o.identity, seed: o.seed, chunkPhonemes });
  const meter = new SpeedMeter();
  const bookChars = plan.reduce((n, c) => n + c.chars, 0);
  const progress = (o.progress ?? createProgress)(bookChars, meter);
  const counts = { total: 0, synthesized: 0, resumed: 0, retried: 0 };
  const rss = { first: 0, last: 0, max: 0 };
  const assembled: AssembledChapter[] = [];
  // Joined chapter audio is an intermediate (as large as the chunks): made again from the journal on every run.
  const assembly = join(job.dir, 'assembly');
  try {
    mkdirSync(assembly, { recursive: true });
    for (const chapter of plan) {
      await synthesizeChapter(o, job, chapter, progress, meter, counts, rss, chunkPhonemes);
      assembled.push(await assembleChapter(job, chapter, o.pauses, join(assembly, `c${String(chapter.index).padStart(4, '0')}.wav`)));
    }
    progress.stop();
    const files = await writeOutput(o, assembled);
    return {
      chapters: assembled.map((a, i) => ({ index: plan[i].index, title: a.title, durationSec: a.samples / a.sampleRate })),
      durationSec: assembled.reduce((s, a) => s + a.samples / a.sampleRate, 0),
      files,
      chunks: counts,
      chars: meter.chars,
      wallSeconds: meter.wallSeconds,
      charsPerSecond: meter.charsPerSecond,
      rtf: meter.rtf,
      failed: failedChunks(job, plan),
      rssMb: rss,
    };
  } catch (err) {
    throw fsError(err, job.dir);
  } finally {
    progress.stop();
    rmSync(assembly, { recursive: true, force: true });
    job.close();
  }
}

/** The chapter's chunks missing from the journal, pulled by one loop per engine; each is journaled as soon as it is done. */
async function synthesizeChapter(
  o: BookRunOptions,
  job: BookJob,
  chapter: PlannedChapter,
  progress: ProgressReporter,
  meter: SpeedMeter,
  counts: BookRunSummary['chunks'],
  rss: BookRunSummary['rssMb'],
  chunkPhonemes: number,
): Promise<void> {
  const pending: PlannedChunk[] = chapter.chunks.filter((c) => !job.isDone(c.id));
  const doneChars = chapter.chars - pending.reduce((n, c) => n + c.text.length, 0);
  counts.total += chapter.chunks.length;
  counts.resumed += chapter.chunks.length - pending.length;
  progress.chapter(chapter.index, chapter.title, chapter.chars, doneChars);
  let next = 0;
  const worker = async (engine: ChunkEngine): Promise<void> => {
    while (next < pending.length) {
      const chunk = pending[next++];
      const done = await synthesizeChunk(engine, {
        id: chunk.id, text: chunk.text, baseSeed: o.seed, retries: o.retries, checks: o.checks, options: o.synthesis,
        // The engine re-splits what exceeds its budget; a planned chunk (<= chunkPhonemes) stays one piece.
        engineChunkPhonemes: chunkPhonemes + 50,
      });
      await job.record(chunk.id, { pcm: done.pcm, sampleRate: done.sampleRate }, {
        text: chunk.text, seed: done.seed, phonemes: done.phonemes, attempts: done.attempts.length,
        gate: { ok: done.gate.ok, failures: done.gate.failures, durationRatio: done.gate.durationRatio ?? null },
      });
      counts.synthesized++;
      if (done.attempts.length > 1) counts.retried++;
      if (!done.gate.ok) progress.log(`chunk ${chunk.id} failed the quality gate (${done.gate.failures.join(', ')}) after ${done.attempts.length} attempt(s); best take kept: "${chunk.text.slice(0, 60)}"`);
      meter.add(chunk.text.length, done.pcm.length / done.sampleRate, done.wallSeconds);
      progress.chunk(chunk.text.length, false);
      const now = mb();
      if (!rss.first) rss.first = now;
      rss.last = now;
      rss.max = Math.max(rss.max, now);
    }
  };
  await Promise.all(o.engines.map(worker));
}

/** Every selected chunk whose journal entry says it never passed the gate (this run's or an earlier one's). */
function failedChunks(job: BookJob, plan: PlannedChapter[]): FailedChunk[] {
  const failed: FailedChunk[] = [];
  for (const chapter of plan) {
    for (const chunk of chapter.chunks) {
      const meta = job.entry(chunk.id)?.meta as { gate?: { ok: boolean; failures: string[] }; attempts?: number } | undefined;
      if (meta?.gate && !meta.gate.ok) failed.push({ id: chunk.id, chapter: chapter.index, text: chunk.text, failures: meta.gate.failures, attempts: meta.attempts ?? 1 });
    }
  }
  return failed;
}
