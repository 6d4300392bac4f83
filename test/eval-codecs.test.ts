import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/decode.js';
import { codec2RoundTrip, opusRoundTrip } from '../src/eval/codecs-classical.js';
import { findOnPath } from '../src/eval/tools.js';
import { stoi } from '../src/eval/stoi.js';
import { logMelDistance } from '../src/eval/mel.js';
import { sharedDataDir } from '../src/eval/shared-data.js';

const CLIP = path.join(sharedDataDir(), 'kathleen', 'audio', 'arctic_a0070_1592746887.opus');
let speech: Float32Array;

beforeAll(async () => {
  speech = await decodeAudio(CLIP);
});

const codec2Installed = findOnPath('c2enc') !== undefined && findOnPath('c2dec') !== undefined;
if (!codec2Installed) console.warn('codec2 is not installed (Debian package codec2): skipping Codec2 tests');

describe('opusRoundTrip', () => {
  it('returns aligned audio of the input length at about 6 kbps', async () => {
    const r = await opusRoundTrip(speech);
    expect(r.audio.length).toBe(speech.length);
    expect(r.bitsPerSecond).toBeGreaterThan(5000);
    expect(r.bitsPerSecond).toBeLessThan(8000); // Ogg pages add ~0.5 kbps
    const score = stoi(speech, r.audio, 16000);
    expect(score).toBeGreaterThan(0.5);
    expect(score).toBeLessThan(0.99);
    expect(logMelDistance(speech, r.audio)).toBeGreaterThan(0.1);
  });

  it('aligns better than the unshifted output would', async () => {
    const r = await opusRoundTrip(speech);
    const shifted = new Float32Array(speech.length);
    shifted.set(r.audio.subarray(0, speech.length - 80), 80); // undo the alignment by 5 ms
    expect(stoi(speech, r.audio, 16000)).toBeGreaterThan(stoi(speech, shifted, 16000));
  });

  it('rejects audio at another rate and empty audio', async () => {
    await expect(opusRoundTrip(speech, 48000)).rejects.toMatchObject({ code: 'invalid_input', param: 'sampleRate' });
    await expect(opusRoundTrip(new Float32Array(0))).rejects.toMatchObject({ code: 'empty_input' });
  });
});

describe.skipIf(!codec2Installed)('codec2RoundTrip', () => {
  it('returns aligned audio of the input length at 3.2 kbps', async () => {
    const r = await codec2RoundTrip(speech);
    expect(r.audio.length).toBe(speech.length);
    expect(r.bitsPerSecond).toBeGreaterThan(3000);
    expect(r.bitsPerSecond).toBeLessThan(3400);
    const score = stoi(speech, r.audio, 16000);
    expect(score).toBeGreaterThan(0.5);
    expect(score).toBeLessThan(0.99);
  });

  it('fails with tool_missing when c2enc is not on PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(codec2RoundTrip(speech)).rejects.toMatchObject({ code: 'tool_missing', param: 'c2enc' });
    } finally {
      process.env.PATH = saved;
    }
  });
});
