// SRT and WebVTT output from sentence cues: timestamps, numbering, wrapping, escaping, bad times.
import { describe, expect, it } from 'vitest';
import { type Cue, formatSrt, formatVtt, shiftCues } from '../src/book/subtitles.js';

const cues: Cue[] = [
  { start: 0, end: 1.5, text: 'Alice was beginning to get very tired.' },
  { start: 1.5004, end: 3661.9996, text: 'An hour  later,\n\nshe said <so> & "so" --> on.' },
];

describe('subtitles', () => {
  it('SRT: numbered cues, comma milliseconds, blank line between cues, no blank line inside a cue', () => {
    expect(formatSrt(cues, { maxLineLength: 0 })).toBe(
      '1\n00:00:00,000 --> 00:00:01,500\nAlice was beginning to get very tired.\n\n' +
        '2\n00:00:01,500 --> 01:01:02,000\nAn hour later, she said <so> & "so" --> on.\n',
    );
  });

  it('VTT: header, dot milliseconds, markup characters escaped', () => {
    expect(formatVtt(cues, { maxLineLength: 0 })).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nAlice was beginning to get very tired.\n\n' +
        '00:00:01.500 --> 01:01:02.000\nAn hour later, she said &lt;so&gt; &amp; "so" --&gt; on.\n',
    );
  });

  it('wraps long sentences at word boundaries (42 characters by default)', () => {
    const text = 'So she was considering in her own mind, as well as she could, whether the pleasure was worth it.';
    const lines = formatSrt([{ start: 0, end: 5, text }]).trim().split('\n').slice(2);
    expect(lines.every((l) => l.length <= 42)).toBe(true);
    expect(lines.join(' ')).toBe(text);
  });

  it('shiftCues moves chapter-relative cues into book time', () => {
    expect(shiftCues(cues, 10).map((c) => [c.start, c.end])).toEqual([
      [10, 11.5],
      [1.5004 + 10, 3661.9996 + 10],
    ]);
  });

  it.each([
    [{ start: 2, end: 1, text: 'x' }],
    [{ start: -1, end: 1, text: 'x' }],
    [{ start: Number.NaN, end: 1, text: 'x' }],
  ])('rejects invalid times %j', (cue) => {
    expect(() => formatSrt([cue])).toThrow(/subtitle cue 1 has invalid times/);
    expect(() => formatVtt([cue])).toThrow(/subtitle cue 1 has invalid times/);
  });
});
