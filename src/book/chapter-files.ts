/** Writes one tagged audio file per chapter (mp3, opus or flac), numbered in reading order, loudness-matched like the m4b. */
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runFfmpeg, summarizeStderr } from '../audio/ffmpeg.js';
import { ParlaError } from '../errors.js';
import { type AudiobookMetadata, bookTags, type ChapterSource, prepareChapters, writeCover } from './chapter-audio.js';
import type { LoudnessTarget } from './chapter-loudness.js';
import { makeDirs } from '../make-dirs.js';

export type ChapterFileFormat = 'mp3' | 'opus' | 'flac';

export interface ChapterFilesOptions {
  /** Lossy bitrate; defaults mp3 64, opus 32 kbit/s (speech). */
  bitrateKbps?: number;
  loudness?: LoudnessTarget | false;
  signal?: AbortSignal;
}

/** Encoder and container per format. Opus files carry no cover: ffmpeg's Ogg muxer cannot write one before 7.0. */
const CODEC: Record<ChapterFileFormat, (kbps?: number) => string[]> = {
  mp3: (kbps = 64) => ['-c:a', 'libmp3lame', '-b:a', `${kbps}k`, '-id3v2_version', '3', '-f', 'mp3'],
  opus: (kbps = 32) => ['-c:a', 'libopus', '-b:a', `${kbps}k`, '-f', 'ogg'],
  flac: () => ['-c:a', 'flac', '-sample_fmt', 's16', '-f', 'flac'],
};

/** "03 - The Pool of Tears.mp3": characters that are unsafe in file names on any common system are dropped. */
export function chapterFileName(index: number, count: number, title: string, format: ChapterFileFormat): string {
  const digits = Math.max(2, String(count).length);
  const safe = title.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '').replace(/\s+/g, ' ').trim().slice(0, 80) || 'Chapter';
  return `${String(index).padStart(digits, '0')} - ${safe}.${format}`;
}

/** @returns the written file paths, in chapter order */
export async function writeChapterFiles(
  outDir: string,
  format: ChapterFileFormat,
  sources: ChapterSource[],
  meta: AudiobookMetadata,
  options: ChapterFilesOptions = {},
): Promise<string[]> {
  if (!(format in CODEC)) {
    throw new ParlaError('unsupported_format', `chapter file format "${format}"; supported: ${Object.keys(CODEC).join(', ')}`, { param: 'format' });
  }
  try {
    makeDirs(outDir);
  } catch (err) {
    throw new ParlaError('invalid_input', `cannot create output folder ${outDir}: ${(err as Error).message}`, { param: outDir, cause: err });
  }
  const work = mkdtempSync(join(outDir, '.parla-chapters-'));
  try {
    const chapters = await prepareChapters(sources, work, options.loudness ?? {});
    const cover = meta.cover && format !== 'opus' ? writeCover(meta.cover, work) : undefined;
    const written: string[] = [];
    for (const [i, ch] of chapters.entries()) {
      const tags = { ...bookTags(meta), title: ch.title, track: `${i + 1}/${chapters.length}` };
      const args = ['-i', ch.wavPath];
      if (cover) args.push('-i', cover.file, '-map', '0:a', '-map', '1:v', '-c:v', cover.codec, '-frames:v', '1', '-disposition:v:0', 'attached_pic');
      args.push('-af', `volume=${ch.gainDb.toFixed(2)}dB`);
      for (const [k, v] of Object.entries(tags)) args.push('-metadata', `${k}=${v}`);
      const partial = join(work, `part.${format}`);
      args.push(...CODEC[format](options.bitrateKbps), '-y', partial);
      const target = join(outDir, chapterFileName(i + 1, chapters.length, ch.title, format));
      const run = await runFfmpeg(args, { timeoutMs: 120_000 + ch.info.durationSec * 1000, signal: options.signal, what: `writing ${target}` });
      if (run.exitCode !== 0) throw new ParlaError('internal', `ffmpeg could not write ${target}: ${summarizeStderr(run.stderr)}`, { param: target });
      renameSync(partial, target);
      written.push(target);
    }
    return written;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
