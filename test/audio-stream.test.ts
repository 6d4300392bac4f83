// createEncoderStream: decodable output for every format, bytes before the input ends, streamed-WAV header, abort and early hang-up reap ffmpeg.
import { describe, expect, it } from 'vitest';
import { createEncoderStream, decodeAudio, s16leToFloat, sineTone, toDb, toneAmplitude, type AudioFormat } from '../src/audio/index.js';
import { isParlaError } from '../src/errors.js';

const RATE = 24000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Write `seconds` of a 440 Hz tone in 100 ms chunks, then, with the input still open, wait (up to
 * 5 s) for encoded bytes: a streaming encoder must emit before it sees the end. Then end the input
 * and collect everything.
 */
async function streamTone(format: AudioFormat, seconds: number) {
  const enc = createEncoderStream(format, RATE);
  const chunks: Buffer[] = [];
  let firstByte: () => void = () => {};
  const gotFirstByte = new Promise<boolean>((resolve) => (firstByte = () => resolve(true)));
  const reading = (async () => {
    for await (const c of enc) {
      firstByte();
      chunks.push(c);
    }
  })();
  const chunk = sineTone(440, 0.1, RATE, 0.3);
  for (let i = 0; i < seconds * 10; i++) await enc.write(chunk);
  const t0 = performance.now();
  const firstByteBeforeEnd = await Promise.race([gotFirstByte, sleep(5000).then(() => false)]);
  const waitedMs = performance.now() - t0;
  enc.end();
  await reading;
  await enc.done;
  return { bytes: Buffer.concat(chunks), firstByteBeforeEnd, waitedMs, contentType: enc.contentType };
}

describe('createEncoderStream', () => {
  it.each(['wav', 'pcm', 'mp3', 'opus', 'aac', 'flac'] as const)('%s: decodable, and the first bytes come before the input ends', async (format) => {
    const seconds = 1;
    const { bytes, firstByteBeforeEnd, contentType } = await streamTone(format, seconds);
    expect(firstByteBeforeEnd, 'no output within 5 s while the input stayed open').toBe(true);
    expect(contentType).toMatch(/^audio\//);
    const pcm = format === 'pcm' ? s16leToFloat(bytes) : await decodeAudio(bytes, { sampleRate: RATE });
    expect(pcm.length / RATE).toBeGreaterThanOrEqual(seconds - 0.005);
    expect(pcm.length / RATE).toBeLessThanOrEqual(seconds + 0.1);
    expect(Math.abs(toDb(toneAmplitude(pcm, RATE, 440, 2400, 21600) / 0.3))).toBeLessThan(0.5);
  });

  it('streamed WAV carries the 0xFFFFFFFF "unknown length" sizes, never made-up ones', async () => {
    const seconds = 0.3;
    const { bytes } = await streamTone('wav', seconds);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(bytes.readUInt32LE(4)).toBe(0xffffffff);
    expect(bytes.subarray(36, 40).toString('latin1')).toBe('data');
    expect(bytes.readUInt32LE(40)).toBe(0xffffffff);
    expect(bytes.length).toBe(44 + Math.round(seconds * RATE) * 2);
  });

  it('abort() kills and reaps ffmpeg and fails the output with cancelled', async () => {
    const enc = createEncoderStream('mp3', RATE);
    const pid = enc.pid!;
    const reading = (async () => {
      for await (const _ of enc) void _;
    })().then(() => undefined, (e: unknown) => e);
    await enc.write(sineTone(440, 0.5, RATE));
    expect(isAlive(pid)).toBe(true);
    await enc.abort();
    expect(isAlive(pid)).toBe(false);
    const err = await reading;
    expect(isParlaError(err) && err.code).toBe('cancelled');
    await expect(enc.done).rejects.toMatchObject({ code: 'cancelled' });
    await expect(enc.write(new Float32Array(10))).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('an AbortSignal cancels, and a consumer that stops reading stops ffmpeg', async () => {
    const controller = new AbortController();
    const enc = createEncoderStream('opus', RATE, { signal: controller.signal });
    controller.abort();
    await expect(enc.done).rejects.toMatchObject({ code: 'cancelled' });

    const hungUp = createEncoderStream('aac', RATE);
    const writing = (async () => {
      for (let i = 0; i < 50; i++) await hungUp.write(sineTone(440, 0.1, RATE));
    })().catch((e: unknown) => e);
    for await (const _ of hungUp) break; // like a client closing the connection after the first bytes
    await expect(hungUp.done).rejects.toMatchObject({ code: 'cancelled' });
    expect(isParlaError(await writing) ? 'cancelled' : 'finished').toBe('cancelled');
    await sleep(50);
    expect(isAlive(hungUp.pid!)).toBe(false);
  });

  it('an ffmpeg that dies mid-stream fails output, done and later writes (no hang)', async () => {
    const enc = createEncoderStream('flac', RATE);
    const reading = (async () => {
      for await (const _ of enc) void _;
    })().then(() => undefined, (e: unknown) => e);
    await enc.write(sineTone(440, 0.2, RATE));
    process.kill(enc.pid!, 'SIGKILL');
    await expect(enc.done).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/ffmpeg failed encoding flac \(SIGKILL\)/) });
    expect(isParlaError(await reading) && 'internal').toBe('internal');
    await expect(enc.write(sineTone(440, 0.2, RATE))).rejects.toMatchObject({ code: 'internal' });
  });

  it('rejects writes after end() and unsupported formats', async () => {
    const enc = createEncoderStream('pcm', RATE);
    enc.end();
    await expect(enc.write(new Float32Array(4))).rejects.toThrow(/after end/);
    expect(() => createEncoderStream('wma' as AudioFormat, RATE)).toThrow(/unsupported audio format "wma"/);
  });
});
