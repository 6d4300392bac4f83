/** SRT and WebVTT subtitles from sentence timestamps, so a reader can follow the text while listening. */
import { ParlaError } from '../errors.js';

/** One sentence on screen. Times in seconds from the start of the file. */
export interface Cue {
  start: number;
  end: number;
  text: string;
}

export interface SubtitleOptions {
  /** Wrap cue text at this many characters per line (0 = one line). Default 42, the usual subtitle width. */
  maxLineLength?: number;
}

/** Moves cues by `offsetSec`, e.g. chapter-relative cues into book time. */
export const shiftCues = (cues: Cue[], offsetSec: number): Cue[] => cues.map((c) => ({ ...c, start: c.start + offsetSec, end: c.end + offsetSec }));

/** HH:MM:SS<sep>mmm, rounding to the millisecond without ever printing 1000 ms. */
function timestamp(sec: number, sep: ',' | '.'): string {
  const ms = Math.round(sec * 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`;
}

function wrap(text: string, width: number): string {
  if (width <= 0) return text;
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/** Checks times and flattens text: a blank line inside a cue would end it early in both formats. */
function prepare(cues: Cue[], options: SubtitleOptions): { start: number; end: number; text: string }[] {
  return cues.map((c, i) => {
    if (!(Number.isFinite(c.start) && Number.isFinite(c.end) && c.start >= 0 && c.end >= c.start)) {
      throw new ParlaError('invalid_input', `subtitle cue ${i + 1} has invalid times ${c.start}..${c.end} s`, { param: 'cues' });
    }
    const text = c.text.replace(/\s+/g, ' ').trim();
    return { start: c.start, end: c.end, text: wrap(text, options.maxLineLength ?? 42) };
  }).filter((c) => c.text);
}

export function formatSrt(cues: Cue[], options: SubtitleOptions = {}): string {
  return prepare(cues, options)
    .map((c, i) => `${i + 1}\n${timestamp(c.start, ',')} --> ${timestamp(c.end, ',')}\n${c.text}\n`)
    .join('\n');
}

/** WebVTT cue text is markup: &, < and > are escaped, and "-->" cannot appear. */
export function formatVtt(cues: Cue[], options: SubtitleOptions = {}): string {
  const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = prepare(cues, options).map((c) => `${timestamp(c.start, '.')} --> ${timestamp(c.end, '.')}\n${escape(c.text)}\n`);
  return ['WEBVTT\n', ...body].join('\n');
}
