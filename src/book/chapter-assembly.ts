/**
 * Joins a chapter's finished chunks (read one at a time from the job directory, so memory stays flat over a book)
 * into one float WAV with the configured pauses, and returns sentence cues timed from the chunk lengths.
 */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { ParlaError } from '../errors.js';
import type { PauseKind, PlannedChapter } from './book-plan.js';
import type { BookJob } from './journal.js';
import type { Cue } from './subtitles.js';

export interface Pauses {
  /** Between chunks of one paragraph, ms. */
  sentenceMs: number;
  /** Between paragraphs (and after the spoken title), ms. */
  paragraphMs: number;
  /** Silence at the start of each chapter, ms (the end gets a paragraph pause). */
  chapterMs: number;
}

export const DEFAULT_PAUSES: Pauses = { sentenceMs: 300, paragraphMs: 700, chapterMs: 1200 };

export interface AssembledChapter {
  title: string;
  wavPath: string;
  samples: number;
  sampleRate: number;
  /** Chapter-relative sentence cues. */
  cues: Cue[];
}

/** 44-byte header of a mono IEEE-float WAV with `samples` samples. */
function floatWavHeader(samples: number, sampleRate: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + samples * 4, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(3, 20); // IEEE float
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 4, 28);
  h.writeUInt16LE(4, 32);
  h.writeUInt16LE(32, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(samples * 4, 40);
  return h;
}

/**
 * Sentence cues inside one chunk: the chunk's time shared out by sentence length (characters), since the engine
 * returns one waveform per chunk; exact at chunk edges, estimated inside.
 */
function chunkCues(sentences: string[], start: number, seconds: number): Cue[] {
  const total = sentences.reduce((n, s) => n + s.length, 0) || 1;
  let at = start;
  return sentences.map((text) => {
    const cue = { start: at, end: at + (seconds * text.length) / total, text };
    at = cue.end;
    return cue;
  });
}

export async function assembleChapter(job: BookJob, chapter: PlannedChapter, pauses: Pauses, wavPath: string): Promise<AssembledChapter> {
  const first = job.entry(chapter.chunks[0].id);
  if (!first) throw new ParlaError('internal', `chapter ${chapter.index}: chunk ${chapter.chunks[0].id} is not finished`, { param: 'chapters' });
  const rate = first.sampleRate;
  const silence = (ms: number): number => Math.round((ms / 1000) * rate);
  const gap: Record<PauseKind, number> = { sentence: silence(pauses.sentenceMs), paragraph: silence(pauses.paragraphMs), end: silence(pauses.paragraphMs) };
  const partial = `${wavPath}.partial`;
  const fd = openSync(partial, 'w');
  const cues: Cue[] = [];
  let samples = 0;
  const write = (pcm: Float32Array): void => {
    const bytes = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, 44 + samples * 4 + at);
    samples += pcm.length;
  };
  try {
    write(new Float32Array(silence(pauses.chapterMs)));
    for (const chunk of chapter.chunks) {
      const audio = await job.readChunk(chunk.id);
      if (audio.sampleRate !== rate) {
        throw new ParlaError('internal', `chunk ${chunk.id} is ${audio.sampleRate} Hz, the chapter ${rate} Hz`, { param: chunk.id });
      }
      cues.push(...chunkCues(chunk.sentences, samples / rate, audio.pcm.length / rate));
      write(audio.pcm);
      write(new Float32Array(gap[chunk.pauseAfter]));
    }
    writeSync(fd, floatWavHeader(samples, rate), 0, 44, 0);
  } finally {
    closeSync(fd);
  }
  renameSync(partial, wavPath);
  return { title: chapter.title, wavPath, samples, sampleRate: rate, cues };
}
