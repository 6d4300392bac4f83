/** Reads a WAV file's format and length from its header alone, so hour-long chapter files are never loaded to learn their duration. */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ParlaError } from '../errors.js';

export interface WavFileInfo {
  sampleRate: number;
  channels: number;
  /** Sample frames present (limited by the file size when the header over-declares, as streamed WAVs do). */
  frames: number;
  durationSec: number;
}

/** Header chunks (fmt, LIST, fact...) sit in the first few KB; 1 MiB tolerates oversized metadata. */
const HEADER_SCAN_BYTES = 1 << 20;

export function readWavInfo(path: string): WavFileInfo {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, HEADER_SCAN_BYTES));
    readSync(fd, head, 0, head.length, 0);
    const bad = (why: string): never => {
      throw new ParlaError('not_audio', `${path}: not a usable WAV file (${why})`, { param: path });
    };
    if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') bad('no RIFF/WAVE header');
    let channels = 0;
    let sampleRate = 0;
    let blockAlign = 0;
    for (let at = 12; at + 8 <= head.length; ) {
      const id = head.toString('latin1', at, at + 4);
      const length = head.readUInt32LE(at + 4);
      if (id === 'fmt ') {
        channels = head.readUInt16LE(at + 10);
        sampleRate = head.readUInt32LE(at + 12);
        blockAlign = head.readUInt16LE(at + 20);
      } else if (id === 'data') {
        if (!blockAlign || !sampleRate) bad('data chunk before fmt chunk');
        const present = size - (at + 8);
        // 0 and 0xFFFFFFFF mean "unknown length, read to the end" in streamed WAVs.
        const bytes = length === 0 || length === 0xffffffff ? present : Math.min(length, present);
        const frames = Math.floor(bytes / blockAlign);
        return { sampleRate, channels, frames, durationSec: frames / sampleRate };
      }
      at += 8 + length + (length % 2);
    }
    return bad('no data chunk');
  } finally {
    closeSync(fd);
  }
}
