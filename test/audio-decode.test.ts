// decodeAudio on real bytes: WAV of every depth/rate/layout, ffmpeg-made mp3/ogg/webm/flac/m4a, and every kind of bad input.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, resolveFfmpeg, rms, sineTone, toDb, toneAmplitude } from '../src/audio/index.js';
import { floatToF32le } from '../src/audio/pcm.js';
import { streamingWavHeader } from '../src/audio/wav.js';
import { isParlaError, type ParlaErrorCode } from '../src/errors.js';

let dir: string;
/** Fixture maker: the static npm ffmpeg starts in ~5 ms against ~300 ms for Debian's; the decoder under test still resolves its own. */
const ffmpeg = (() => {
  try {
    return (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
  } catch {
    return resolveFfmpeg().path;
  }
})();

/** Encode `pcm` (mono, or [left, right]) with ffmpeg into `name` using extra output args; returns the bytes. */
function make(name: string, rate: number, channels: Float32Array[], outArgs: string[]): Buffer {
  const frames = channels[0].length;
  const interleaved = new Float32Array(frames * channels.length);
  for (let i = 0; i < frames; i++) channels.forEach((c, ch) => (interleaved[i * channels.length + ch] = c[i]));
  const file = path.join(dir, name);
  execFileSync(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'f32le', '-ar', String(rate), '-ac', String(channels.length), '-i', 'pipe:0', ...outArgs, file], {
    input: floatToF32le(interleaved),
  });
  return readFileSync(file);
}

/** Expect `promise` to reject with a ParlaError of `code` whose message matches `message`. */
async function expectParlaError(promise: Promise<unknown>, code: ParlaErrorCode, message?: RegExp): Promise<void> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(isParlaError(err), `expected ParlaError ${code}, got ${String(err)}`).toBe(true);
  if (!isParlaError(err)) return;
  expect(err.code, err.message).toBe(code);
  if (message) expect(err.message).toMatch(message);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'parla-audio-decode-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('WAV fast path', () => {
  // [ffmpeg codec, largest quantization error]
  const depths: Array<[string, number]> = [
    ['pcm_u8', 1 / 128],
    ['pcm_s16le', 1 / 32768],
    ['pcm_s24le', 1 / 8388608],
    ['pcm_s32le', 1e-7],
    ['pcm_f32le', 0],
    ['pcm_f64le', 0],
  ];
  it.each(depths)('%s at 16 kHz decodes sample-accurately', async (codec, tolerance) => {
    const tone = sineTone(440, 0.5, 16000, 0.6);
    const bytes = make(`${codec}.wav`, 16000, [tone], ['-c:a', codec]);
    const pcm = await decodeAudio(bytes, { sampleRate: 16000 });
    expect(pcm.length).toBe(tone.length);
    let err = 0;
    for (let i = 0; i < tone.length; i++) err = Math.max(err, Math.abs(pcm[i] - tone[i]));
    expect(err).toBeLessThanOrEqual(tolerance + 1e-7);
  });

  it.each([8000, 22050, 44100, 48000])('%i Hz 16-bit resamples to 16 kHz with the right length and level', async (rate) => {
    const bytes = make(`r${rate}.wav`, rate, [sineTone(1000, 1, rate, 0.5)], ['-c:a', 'pcm_s16le']);
    const pcm = await decodeAudio(bytes);
    expect(pcm.length).toBe(16000);
    expect(toDb(toneAmplitude(pcm, 16000, 1000, 1600, 14400) / 0.5)).toBeCloseTo(0, 1);
  });

  it('averages stereo channels, like the ffmpeg path does', async () => {
    const left = sineTone(500, 1, 44100, 0.8);
    const right = new Float32Array(left.length); // silent right channel: mono = left / 2
    const wav = make('stereo.wav', 44100, [left, right], ['-c:a', 'pcm_s24le']);
    const flac = make('stereo.flac', 44100, [left, right], ['-c:a', 'flac']);
    const fromWav = await decodeAudio(wav);
    const fromFlac = await decodeAudio(flac);
    expect(toneAmplitude(fromWav, 16000, 500)).toBeCloseTo(0.4, 2);
    expect(toDb(rms(fromFlac) / rms(fromWav))).toBeCloseTo(0, 1);
  });

  it('reads a streamed WAV whose sizes are 0xFFFFFFFF to the end', async () => {
    const tone = sineTone(440, 0.25, 24000, 0.5);
    const body = Buffer.alloc(tone.length * 2);
    tone.forEach((v, i) => body.writeInt16LE(Math.round(v * 32767), i * 2));
    const pcm = await decodeAudio(Buffer.concat([streamingWavHeader(24000), body]), { sampleRate: 24000 });
    expect(pcm.length).toBe(tone.length);
  });

  it('decodes from a file path and checks maxSeconds from the header', async () => {
    make('long.wav', 16000, [sineTone(440, 3, 16000)], ['-c:a', 'pcm_s16le']);
    expect((await decodeAudio(path.join(dir, 'long.wav'))).length).toBe(48000);
    await expectParlaError(decodeAudio(path.join(dir, 'long.wav'), { maxSeconds: 2 }), 'audio_too_long', /long\.wav: audio is 3\.0 s long, the limit is 2 s/);
  });
});

describe('ffmpeg path', () => {
  // [file, ffmpeg output args, allowed extra length (s) from encoder padding]
  const inputs: Array<[string, string[], number]> = [
    ['tone.mp3', ['-c:a', 'libmp3lame', '-b:a', '96k'], 0.08],
    ['tone.ogg', ['-c:a', 'libopus'], 0.02],
    ['tone.webm', ['-c:a', 'libopus'], 0.02], // what a browser MediaRecorder sends
    ['tone.flac', ['-c:a', 'flac'], 0],
    ['tone.m4a', ['-c:a', 'aac'], 0.08],
    ['adpcm.wav', ['-c:a', 'adpcm_ms'], 0.05], // a WAV the fast path hands to ffmpeg
  ];
  it.each(inputs)('%s (bytes and path) -> 16 kHz mono with the tone intact', async (name, args, slack) => {
    const bytes = make(name, 48000, [sineTone(440, 1.5, 48000, 0.5)], args);
    for (const input of [bytes, path.join(dir, name)]) {
      const pcm = await decodeAudio(input);
      expect(pcm.length / 16000).toBeGreaterThanOrEqual(1.5 - 0.01);
      expect(pcm.length / 16000).toBeLessThanOrEqual(1.5 + slack + 0.01);
      expect(Math.abs(toDb(toneAmplitude(pcm, 16000, 440, 4000, 20000) / 0.5))).toBeLessThan(0.5);
    }
  });

  it('decodes at another output rate', async () => {
    const bytes = make('rate.ogg', 48000, [sineTone(440, 1, 48000, 0.5)], ['-c:a', 'libopus']);
    const pcm = await decodeAudio(bytes, { sampleRate: 24000 });
    expect(Math.abs(pcm.length - 24000)).toBeLessThan(24000 * 0.02);
  });

  it('stops decoding at maxSeconds instead of reading the whole file', async () => {
    const bytes = make('long.mp3', 16000, [sineTone(440, 4, 16000)], ['-c:a', 'libmp3lame']);
    await expectParlaError(decodeAudio(bytes, { maxSeconds: 1 }), 'audio_too_long', /limit is 1 s/);
  });
});

describe('bad input', () => {
  const cut = (name: string, fraction: number): Buffer => {
    const bytes = readFileSync(path.join(dir, name));
    return bytes.subarray(0, Math.floor(bytes.length * fraction));
  };
  const text = Buffer.from('This is a text file, not audio.\n'.repeat(20));
  const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24));

  it('empty buffer and empty file', async () => {
    await expectParlaError(decodeAudio(Buffer.alloc(0)), 'empty_input', /empty \(0 bytes\)/);
    writeFileSync(path.join(dir, 'empty.wav'), '');
    await expectParlaError(decodeAudio(path.join(dir, 'empty.wav')), 'empty_input', /empty\.wav/);
  });

  it('random bytes and a text file are not audio', async () => {
    await expectParlaError(decodeAudio(random), 'not_audio', /not an audio file ffmpeg can read \(wav, mp3, .*\): Invalid data/);
    writeFileSync(path.join(dir, 'notes.txt'), text);
    await expectParlaError(decodeAudio(path.join(dir, 'notes.txt')), 'not_audio', /notes\.txt/);
  });

  it.each([
    ['pcm_s16le.wav', 0.6, /truncated WAV: header declares/],
    ['pcm_s16le.wav', 0.002, /ends before its audio data/], // 32 bytes: inside the header
    ['tone.flac', 0.6, /truncated|damaged/],
    ['tone.m4a', 0.6, /moov atom not found/],
    ['tone.webm', 0.6, /ended prematurely|Read error/], // newer ffmpeg | the bundled 2018 one
  ])('truncated %s (first %d of it) is reported as truncated', async (name, fraction, message) => {
    await expectParlaError(decodeAudio(cut(name, fraction)), 'audio_truncated', message);
  });

  it('a truncated mp3 decodes to the part that is there (known limit: ffmpeg reports nothing)', async () => {
    const pcm = await decodeAudio(cut('tone.mp3', 0.5));
    expect(pcm.length / 16000).toBeGreaterThan(0.5);
    expect(pcm.length / 16000).toBeLessThan(1);
  });

  it('missing path, directory, bad options', async () => {
    await expectParlaError(decodeAudio(path.join(dir, 'nope.mp3')), 'file_not_found', /nope\.mp3/);
    await expectParlaError(decodeAudio(dir), 'invalid_input', /not a file/);
    await expectParlaError(decodeAudio(random, { sampleRate: 0 }), 'invalid_input', /sampleRate/);
    await expectParlaError(decodeAudio(random, { maxSeconds: -1 }), 'invalid_input', /maxSeconds/);
  });

  it('times out and is cancellable, reaping ffmpeg either way', async () => {
    const mp3 = readFileSync(path.join(dir, 'long.mp3'));
    await expectParlaError(decodeAudio(mp3, { timeoutMs: 1 }), 'internal', /timed out/);
    const controller = new AbortController();
    const pending = decodeAudio(mp3, { signal: controller.signal });
    controller.abort();
    await expectParlaError(pending, 'cancelled');
  });
});
