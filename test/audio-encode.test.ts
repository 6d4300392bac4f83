// encodeAudio round trips for every response_format (duration, level, spectrum; lossless ones sample-exact), on the system and the bundled ffmpeg.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AUDIO_FORMATS, decodeAudio, encodeAudio, resolveFfmpeg, rms, s16leToFloat, toDb, toneAmplitude, type AudioFormat } from '../src/audio/index.js';
import { isParlaError, type ParlaErrorCode } from '../src/errors.js';

/** Two tones at -12 dBFS each, the second one octave-and-a-bit up: enough to see a codec keep or lose content. */
function twoTones(seconds: number, rate: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * rate));
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    out[i] = 0.25 * Math.sin(2 * Math.PI * 440 * t) + 0.25 * Math.sin(2 * Math.PI * 1800 * t);
  }
  return out;
}

async function roundTrip(format: AudioFormat, pcm: Float32Array, rate: number): Promise<{ bytes: Buffer; decoded: Float32Array }> {
  const bytes = await encodeAudio(pcm, rate, format);
  const decoded = format === 'pcm' ? s16leToFloat(bytes) : await decodeAudio(bytes, { sampleRate: rate });
  return { bytes, decoded };
}

async function expectParlaError(run: () => Promise<unknown>, code: ParlaErrorCode, message: RegExp): Promise<void> {
  const err = await run().then(() => undefined, (e: unknown) => e);
  expect(isParlaError(err) && err.code, String(err)).toBe(code);
  expect(String((err as Error).message)).toMatch(message);
}

// [format, first bytes, max extra seconds from encoder delay/padding]
const formats: Array<[AudioFormat, string | null, number]> = [
  ['wav', 'RIFF', 0],
  ['pcm', null, 0],
  ['flac', 'fLaC', 0],
  ['mp3', null, 0.1], // frames may start with an ID3 tag or a sync word
  ['opus', 'OggS', 0],
  ['aac', null, 0.1],
];

describe.each([24000, 16000])('round trip at %i Hz', (rate) => {
  const pcm = twoTones(1.5, rate);
  it.each(formats)('%s keeps duration, level and both tones', async (format, magic, slack) => {
    const { bytes, decoded } = await roundTrip(format, pcm, rate);
    if (magic) expect(bytes.subarray(0, 4).toString('latin1')).toBe(magic);
    const seconds = decoded.length / rate;
    expect(seconds).toBeGreaterThanOrEqual(1.5 - 0.005);
    expect(seconds).toBeLessThanOrEqual(1.5 + slack + 0.005);
    const mid: [number, number] = [Math.round(0.25 * rate), Math.round(1.25 * rate)];
    for (const f of [440, 1800]) {
      expect(Math.abs(toDb(toneAmplitude(decoded, rate, f, ...mid) / 0.25)), `${f} Hz`).toBeLessThan(0.5);
    }
    // Nothing where there was nothing (a broken codec smears energy everywhere).
    expect(toDb(toneAmplitude(decoded, rate, 3100, ...mid) / 0.25)).toBeLessThan(-40);
    expect(Math.abs(toDb(rms(decoded, ...mid) / rms(pcm, ...mid)))).toBeLessThan(0.5);
  });

  it('flac says its length (STREAMINFO sample count), so players show a duration', async () => {
    const pcm = twoTones(1.25, 16000);
    const bytes = await encodeAudio(pcm, 16000, 'flac');
    expect(Number(bytes.readBigUInt64BE(18) & ((1n << 36n) - 1n))).toBe(pcm.length);
    const probe = spawnSync(resolveFfmpeg().path, ['-hide_banner', '-i', 'pipe:0'], { input: bytes });
    expect(probe.stderr.toString()).toMatch(/Duration: 00:00:01\.25/);
  });

  it.each(['wav', 'pcm', 'flac'] as const)('%s is sample-exact at 16-bit resolution', async (format) => {
    const { decoded } = await roundTrip(format, pcm, rate);
    expect(decoded.length).toBe(pcm.length);
    let err = 0;
    for (let i = 0; i < pcm.length; i++) err = Math.max(err, Math.abs(decoded[i] - pcm[i]));
    expect(err).toBeLessThanOrEqual(0.5 / 32768 + 1e-9);
  });
});

it('resamples rates an encoder cannot take (opus at 22.05 kHz -> 24 kHz inside the file)', async () => {
  const pcm = twoTones(1, 22050);
  const bytes = await encodeAudio(pcm, 22050, 'opus');
  const decoded = await decodeAudio(bytes, { sampleRate: 22050 });
  expect(Math.abs(decoded.length / 22050 - 1)).toBeLessThan(0.01);
  expect(Math.abs(toDb(toneAmplitude(decoded, 22050, 1800, 4000, 18000) / 0.25))).toBeLessThan(0.5);
});

describe('bad requests', () => {
  const pcm = twoTones(0.1, 24000);
  it('names the unsupported format and lists the supported ones', async () => {
    await expectParlaError(() => encodeAudio(pcm, 24000, 'ogg' as AudioFormat), 'unsupported_format', /"ogg".*wav, mp3, opus, aac, flac, pcm/);
  });
  it('rejects empty, non-finite and badly rated audio', async () => {
    await expectParlaError(() => encodeAudio(new Float32Array(0), 24000, 'mp3'), 'empty_input', /no audio samples/);
    const bad = pcm.slice();
    bad[7] = NaN;
    await expectParlaError(() => encodeAudio(bad, 24000, 'wav'), 'invalid_input', /sample 7 is NaN/);
    await expectParlaError(() => encodeAudio(pcm, 0, 'wav'), 'invalid_input', /sampleRate/);
    await expectParlaError(() => encodeAudio(pcm, 24000, 'mp3', { bitrateKbps: 5000 }), 'invalid_input', /bitrateKbps/);
  });
  it('refuses a PARLA_FFMPEG that is not an executable', async () => {
    const saved = process.env.PARLA_FFMPEG;
    process.env.PARLA_FFMPEG = '/nonexistent/ffmpeg';
    try {
      await expectParlaError(() => encodeAudio(pcm, 24000, 'mp3'), 'invalid_input', /PARLA_FFMPEG=\/nonexistent\/ffmpeg/);
    } finally {
      if (saved === undefined) delete process.env.PARLA_FFMPEG;
      else process.env.PARLA_FFMPEG = saved;
    }
  });
});

describe('ffmpeg resolution', () => {
  it('prefers PARLA_FFMPEG, then PATH', () => {
    const saved = process.env.PARLA_FFMPEG;
    delete process.env.PARLA_FFMPEG;
    try {
      expect(['path', 'bundled']).toContain(resolveFfmpeg().source);
      process.env.PARLA_FFMPEG = resolveFfmpeg().path;
      expect(resolveFfmpeg().source).toBe('env');
    } finally {
      if (saved === undefined) delete process.env.PARLA_FFMPEG;
      else process.env.PARLA_FFMPEG = saved;
    }
  });

  // The npm static build (ffmpeg 4.1, 2018) is what users without a system ffmpeg get: every format must work on it too.
  const bundled = (() => {
    try {
      return (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    } catch {
      return undefined;
    }
  })();
  it.skipIf(!bundled)('the @ffmpeg-installer binary encodes and decodes every ffmpeg format', async () => {
    const saved = process.env.PARLA_FFMPEG;
    process.env.PARLA_FFMPEG = bundled;
    try {
      const pcm = twoTones(1, 24000);
      for (const format of AUDIO_FORMATS.filter((f) => f !== 'pcm' && f !== 'wav')) {
        const { decoded } = await roundTrip(format, pcm, 24000);
        expect(Math.abs(decoded.length / 24000 - 1), format).toBeLessThan(0.11);
        expect(Math.abs(toDb(toneAmplitude(decoded, 24000, 440, 4800, 19200) / 0.25)), format).toBeLessThan(0.5);
      }
    } finally {
      if (saved === undefined) delete process.env.PARLA_FFMPEG;
      else process.env.PARLA_FFMPEG = saved;
    }
  });
});
