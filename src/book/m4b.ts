/** Writes a single .m4b audiobook: chapters concatenated into AAC, chapter markers, book tags and the cover as attached picture. */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runFfmpeg, summarizeStderr } from '../audio/ffmpeg.js';
import { ParlaError } from '../errors.js';
import { type AudiobookMetadata, bookTags, type ChapterSource, prepareChapters, writeCover } from './chapter-audio.js';
import { formatFfMetadata, type MetadataChapter } from './ffmetadata.js';
import type { LoudnessTarget } from './chapter-loudness.js';

export interface M4bOptions {
  /** AAC bitrate; default 64 kbit/s (transparent for mono speech). */
  bitrateKbps?: number;
  /** Match chapter loudness (default: -19 LUFS, -3 dBFS peak ceiling); false keeps levels as they are. */
  loudness?: LoudnessTarget | false;
  signal?: AbortSignal;
}

export interface M4bResult {
  chapters: MetadataChapter[];
  durationSec: number;
  /** Gain applied to each chapter, dB. */
  gainsDb: number[];
}

/**
 * Chapter marks come from the exact sample counts of the inputs, so they stay aligned to the audio however long the
 * book is. The file is written next to `outPath` and renamed into place: a failed run never leaves a partial .m4b.
 */
export async function writeM4b(outPath: string, sources: ChapterSource[], meta: AudiobookMetadata, options: M4bOptions = {}): Promise<M4bResult> {
  let work: string;
  try {
    work = mkdtempSync(join(dirname(outPath), '.parla-m4b-'));
  } catch (err) {
    throw new ParlaError('invalid_input', `cannot write ${outPath}: ${(err as Error).message}`, { param: outPath, cause: err });
  }
  try {
    const chapters = await prepareChapters(sources, work, options.loudness ?? {});
    const rate = chapters[0].info.sampleRate;
    let frames = 0;
    const marks: MetadataChapter[] = chapters.map((ch) => {
      const startMs = (frames * 1000) / rate;
      frames += ch.info.frames;
      return { title: ch.title, startMs, endMs: (frames * 1000) / rate };
    });
    const metaFile = join(work, 'chapters.ffmeta');
    writeFileSync(metaFile, formatFfMetadata({ tags: { title: meta.title, ...bookTags(meta), media_type: '2' }, chapters: marks }));

    // All inputs first (chapters, metadata, cover), then the output options.
    const args: string[] = [];
    for (const ch of chapters) args.push('-i', ch.wavPath);
    const metaInput = chapters.length;
    args.push('-f', 'ffmetadata', '-i', metaFile);
    const output: string[] = [];
    if (meta.cover) {
      const cover = writeCover(meta.cover, work);
      args.push('-i', cover.file);
      output.push('-map', `${metaInput + 1}:v`, '-c:v', cover.codec, '-frames:v', '1', '-disposition:v:0', 'attached_pic');
    }
    const graph = chapters.map((ch, i) => `[${i}:a]volume=${ch.gainDb.toFixed(2)}dB[a${i}]`);
    graph.push(`${chapters.map((_, i) => `[a${i}]`).join('')}concat=n=${chapters.length}:v=0:a=1[book]`);
    args.push('-filter_complex', graph.join(';'), '-map', '[book]', ...output);
    const partial = join(work, 'book.m4b');
    args.push(
      '-map_metadata', String(metaInput), '-map_chapters', String(metaInput),
      '-c:a', 'aac', '-b:a', `${options.bitrateKbps ?? 64}k`,
      '-movflags', '+faststart', '-f', 'ipod', '-y', partial,
    );
    const durationSec = frames / rate;
    const run = await runFfmpeg(args, { timeoutMs: 120_000 + durationSec * 1000, signal: options.signal, what: `writing ${outPath}` });
    if (run.exitCode !== 0) throw new ParlaError('internal', `ffmpeg could not write ${outPath}: ${summarizeStderr(run.stderr)}`, { param: outPath });
    try {
      renameSync(partial, outPath);
    } catch (err) {
      throw new ParlaError('invalid_input', `cannot write ${outPath}: ${(err as Error).message}`, { param: outPath, cause: err });
    }
    return { chapters: marks, durationSec, gainsDb: chapters.map((c) => c.gainDb) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
