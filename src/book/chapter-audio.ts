/** Brings chapter audio (WAV files or Float32 PCM) to one shape for muxing: a WAV path, its length, and its loudness gain. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../audio/wav.js';
import { ParlaError } from '../errors.js';
import { gainToTarget, type LoudnessTarget, measureLoudness } from './chapter-loudness.js';
import { readWavInfo, type WavFileInfo } from './wav-info.js';

/** One chapter's finished audio: a WAV file on disk, or mono PCM in memory (written to a temporary WAV). */
export type ChapterSource =
  | { title: string; wavPath: string }
  | { title: string; pcm: Float32Array; sampleRate: number };

export interface PreparedChapter {
  title: string;
  wavPath: string;
  info: WavFileInfo;
  /** Linear gain applied at mux time (0 when loudness matching is off). */
  gainDb: number;
}

/** Book-level tags written into the m4b or into every chapter file. */
export interface AudiobookMetadata {
  title: string;
  author?: string;
  narrator?: string;
  /** Default "Audiobook". */
  genre?: string;
  year?: string;
  comment?: string;
  cover?: { data: Buffer; mime: string };
}

/**
 * @param workDir where PCM chapters are written as WAV (the caller deletes it)
 * @param loudness target for matching chapters, or false to keep levels as they are
 */
export async function prepareChapters(
  chapters: ChapterSource[],
  workDir: string,
  loudness: LoudnessTarget | false,
): Promise<PreparedChapter[]> {
  if (!chapters.length) throw new ParlaError('empty_input', 'no chapters to write', { param: 'chapters' });
  const prepared: PreparedChapter[] = [];
  for (const [i, ch] of chapters.entries()) {
    let wavPath: string;
    if ('wavPath' in ch) {
      wavPath = ch.wavPath;
    } else {
      wavPath = join(workDir, `chapter-${String(i + 1).padStart(4, '0')}.wav`);
      writeFileSync(wavPath, encodeWav(ch.pcm, ch.sampleRate));
    }
    const info = readWavInfo(wavPath);
    if (info.frames === 0) {
      throw new ParlaError('empty_input', `chapter ${i + 1} "${ch.title}" has no audio (${wavPath})`, { param: 'chapters' });
    }
    const first = prepared[0]?.info;
    if (first && (info.sampleRate !== first.sampleRate || info.channels !== first.channels)) {
      throw new ParlaError(
        'invalid_input',
        `chapter ${i + 1} "${ch.title}" is ${info.sampleRate} Hz/${info.channels} ch, chapter 1 is ${first.sampleRate} Hz/${first.channels} ch; all chapters must match`,
        { param: 'chapters' },
      );
    }
    const gainDb = loudness ? gainToTarget(await measureLoudness(wavPath), loudness) : 0;
    prepared.push({ title: ch.title, wavPath, info, gainDb });
  }
  return prepared;
}

/**
 * Writes the cover into `workDir` and returns it with the video codec to use: JPEG and PNG are copied as they are,
 * anything else (GIF, WebP) is converted to JPEG, the formats MP4 `covr`, ID3 APIC and FLAC pictures all accept.
 */
export function writeCover(cover: { data: Buffer; mime: string }, workDir: string): { file: string; codec: string } {
  const ext = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp' }[cover.mime] ?? 'img';
  const file = join(workDir, `cover.${ext}`);
  writeFileSync(file, cover.data);
  return { file, codec: ext === 'jpg' || ext === 'png' ? 'copy' : 'mjpeg' };
}

/** ffmpeg `-metadata` tags for the book (album = book title; narrator as composer, the usual audiobook convention). */
export function bookTags(meta: AudiobookMetadata): Record<string, string> {
  const tags: Record<string, string> = { album: meta.title, genre: meta.genre ?? 'Audiobook' };
  if (meta.author) Object.assign(tags, { artist: meta.author, album_artist: meta.author });
  if (meta.narrator) tags.composer = meta.narrator;
  if (meta.year) tags.date = meta.year;
  if (meta.comment) tags.comment = meta.comment;
  return tags;
}
