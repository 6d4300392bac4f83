import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../src/codec/codec.js';
import { readCodecSpec } from '../src/codec/spec.js';
import { decodeInChunks } from '../src/codec/streaming.js';
import { joinPcm } from '../src/audio/concat.js';
import { maxAbsDiff } from './max-diff.js';
import { concatFrames, firstCodebooks, makeCodes, sliceFrames } from '../src/codec/codes.js';

const dir = 'test/fixtures/tiny-model';
const parity = JSON.parse(readFileSync(`${dir}/codec_parity.json`, 'utf8'));
const f32 = (b64: string) => {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
};

let codec: Codec;
beforeAll(async () => {
  codec = await Codec.load(readCodecSpec(dir).spec, { intraOpThreads: 1 });
});

describe('codec on onnxruntime-node (tiny random-weight fixture)', () => {
  it('gives exactly the codes PyTorch gave for the same input', async () => {
    const codes = await codec.encode(f32(parity.input.f32le_base64));
    expect([codes.codebooks, codes.frames]).toEqual(parity.codes.shape.slice(1));
    const expected = (parity.codes.data as number[][]).flat();
    expect(Array.from(codes.data)).toEqual(expected);
  });

  it('decodes to PyTorch audio within 1e-4, with all and with the first 2 codebooks', async () => {
    const codes = makeCodes(8, parity.codes.shape[2], Int32Array.from((parity.codes.data as number[][]).flat()));
    for (const [n, ref] of [[8, parity.decoded], [2, parity.decoded_2_codebooks]] as const) {
      const audio = await codec.decode(codes, { codebooks: n });
      const expected = f32(ref.f32le_base64);
      expect(audio.length).toBe(expected.length);
      let maxDiff = 0;
      for (let i = 0; i < audio.length; i++) maxDiff = Math.max(maxDiff, Math.abs(audio[i] - expected[i]));
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });

  it('a decoder with a phoneme input (the pointer fixture) matches PyTorch with and without phonemes', async () => {
    const pdir = 'test/fixtures/tiny-pointer-model';
    const pparity = JSON.parse(readFileSync(`${pdir}/codec_parity.json`, 'utf8'));
    const withInput = await Codec.load(readCodecSpec(pdir).spec, { intraOpThreads: 1 });
    try {
      const frames = pparity.codes.shape[2];
      const data = Int32Array.from((pparity.codes.data as number[][]).flat());
      const ref = pparity.decoded_with_phonemes;
      for (const [codes, expected] of [
        [makeCodes(8, frames, data, Int32Array.from(ref.phonemes as number[])), f32(ref.f32le_base64)],
        [makeCodes(8, frames, data), f32(pparity.decoded.f32le_base64)], // no phonemes: id 0, the unknown phoneme
      ] as const) {
        const audio = await withInput.decode(codes);
        expect(audio.length).toBe(expected.length);
        expect(audio.reduce((m, x, i) => Math.max(m, Math.abs(x - expected[i])), 0)).toBeLessThan(1e-4);
      }
    } finally {
      await withInput.release();
    }
  });

  it('a decoder with a voice input (the pointer fixture) matches PyTorch with a voice, and without one decodes as before', async () => {
    const pdir = 'test/fixtures/tiny-pointer-model';
    const pparity = JSON.parse(readFileSync(`${pdir}/codec_parity.json`, 'utf8'));
    const withVoice = await Codec.load(readCodecSpec(pdir).spec, { intraOpThreads: 1 });
    try {
      expect(withVoice.hasVoiceInput).toBe(true);
      const frames = pparity.codes.shape[2];
      const codes = makeCodes(8, frames, Int32Array.from((pparity.codes.data as number[][]).flat()));
      const ref = pparity.decoded_with_voice;
      const voice = makeCodes(8, ref.voice_codes.shape[2], Int32Array.from((ref.voice_codes.data as number[][]).flat()));
      const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
      const voiced = await withVoice.decode(codes, { voice });
      expect(maxDiff(voiced, f32(ref.f32le_base64))).toBeLessThan(1e-4);
      // No voice (and an empty one): weight 0, the decode the same codec gave before it had a voice input.
      expect(maxDiff(await withVoice.decode(codes), f32(pparity.decoded.f32le_base64))).toBeLessThan(1e-4);
      expect(maxDiff(await withVoice.decode(codes, { voice: makeCodes(8, 0) }), f32(pparity.decoded.f32le_base64))).toBeLessThan(1e-4);
      expect(maxDiff(voiced, f32(pparity.decoded.f32le_base64))).toBeGreaterThan(1e-3); // the voice is heard
      // A voice code outside the codebook is refused by name.
      await expect(withVoice.decode(codes, { voice: makeCodes(1, 2, Int32Array.from([3, 5000])) })).rejects.toThrow(/voice: code 5000/);
    } finally {
      await withVoice.release();
    }
  });

  it('codes carry their phonemes through slicing, joining and dropping codebooks; a wrong count is refused', () => {
    const codes = makeCodes(2, 4, Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), Int32Array.from([10, 11, 12, 13]));
    expect(Array.from(sliceFrames(codes, 1, 3).phonemes!)).toEqual([11, 12]);
    expect(Array.from(firstCodebooks(codes, 1).phonemes!)).toEqual([10, 11, 12, 13]);
    const joined = concatFrames([codes, makeCodes(2, 2, Int32Array.from([0, 0, 0, 0]))]);
    expect(Array.from(joined.phonemes!)).toEqual([10, 11, 12, 13, 0, 0]); // the part without phonemes: unknown
    expect(concatFrames([makeCodes(1, 2), makeCodes(1, 1)]).phonemes).toBeUndefined();
    expect(() => makeCodes(2, 4, undefined, Int32Array.from([1, 2]))).toThrow(/2 phonemes for 4 frames/);
  });

  it('output length is frames x hop and frames = ceil(samples / hop)', async () => {
    for (const n of [320, 321, 1000, 16000]) {
      const codes = await codec.encode(new Float32Array(n).map((_, i) => Math.sin(i / 7) * 0.3));
      expect(codes.frames).toBe(Math.ceil(n / 320));
      expect((await codec.decode(codes)).length).toBe(codes.frames * 320);
    }
  });

  it('streaming decode matches the one-shot decode; the seams are measured', async () => {
    const pcm = new Float32Array(16000 * 3).map((_, i) => 0.3 * Math.sin((2 * Math.PI * 220 * i) / 16000) * Math.sin(i / 5000));
    const codes = await codec.encode(pcm);
    const whole = await codec.decode(codes);
    const pieces: Float32Array[] = [];
    for await (const chunk of decodeInChunks(codec.streamingDecoder({ chunkFrames: 10, contextFrames: 8 }), codes, 7)) pieces.push(chunk);
    const joined = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of pieces) joined.set(p, (offset += p.length) - p.length);
    expect(joined.length).toBe(whole.length);
    let maxDiff = 0;
    let peak = 0;
    for (let i = 0; i < whole.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(joined[i] - whole[i]));
      peak = Math.max(peak, Math.abs(whole[i]));
    }
    // The tiny decoder's receptive field fits in 8 frames of context, so the seams vanish.
    expect(maxDiff / peak).toBeLessThan(1e-3);
  });

  it('measures its reach: streamed with that much context the seams vanish, with less they show', async () => {
    const reach = await codec.reach();
    expect(reach).toBeGreaterThan(0);
    expect(reach).toBeLessThanOrEqual(8);
    const codes = makeCodes(8, 60, Int32Array.from({ length: 8 * 60 }, (_, i) => (i * 7919) % 1024));
    const whole = await codec.decode(codes);
    const streamed = async (contextFrames?: number): Promise<number> => {
      const pieces: Float32Array[] = [];
      for await (const chunk of decodeInChunks(codec.streamingDecoder({ chunkFrames: 10, contextFrames }), codes, 7)) pieces.push(chunk);
      return maxAbsDiff(joinPcm(pieces), whole);
    };
    expect(await streamed()).toBeLessThan(1e-5);
    expect(await streamed(reach - 1)).toBeGreaterThan(1e-4);
  });

  it('a short first chunk, then longer ones; pushAll emits all that has its look-ahead as one chunk', async () => {
    const codes = makeCodes(8, 50, Int32Array.from({ length: 8 * 50 }, (_, i) => (i * 31) % 1024));
    const reach = await codec.reach();
    const decoder = codec.streamingDecoder({ firstChunkFrames: 5, chunkFrames: 20 });
    const sizes = (chunks: Float32Array[]) => chunks.map((c) => c.length / 320);
    const early = 30 - reach >= 25 ? [5, 20] : [5];
    expect(sizes(await decoder.push(sliceFrames(codes, 0, 30)))).toEqual(early);
    // The rest in chunks of 20: everything received is decoded.
    expect(sizes(await decoder.flush())).toEqual(early.length === 2 ? [5] : [20, 5]);
    const all = codec.streamingDecoder();
    expect(sizes(await all.pushAll(sliceFrames(codes, 0, 20)))).toEqual([20 - reach]);
    expect(sizes(await all.pushAll(sliceFrames(codes, 20, 20 + reach - 1)))).toEqual([reach - 1]);
    expect(sizes(await all.flush())).toEqual([reach]);
  });

  it('rejects audio shorter than one frame and codes outside the codebook', async () => {
    await expect(codec.encode(new Float32Array(100))).rejects.toMatchObject({ code: 'audio_too_short' });
    await expect(codec.decode(makeCodes(1, 2, Int32Array.of(5, 1024)))).rejects.toThrow(/outside 0..1023/);
    await expect(codec.decode(makeCodes(2, 2), { codebooks: 3 })).rejects.toMatchObject({ param: 'codebooks' });
  });

  it('names the missing file or field of a broken model directory', () => {
    expect(() => readCodecSpec('test/fixtures')).toThrow(/no model.json/);
  });
});

describe('the shipped codec streamed', () => {
  it('reaches 23 frames, and streamed with the default context equals the one-shot decode', async () => {
    const shipped = await Codec.load(readCodecSpec('models/default').spec, { intraOpThreads: 1 });
    expect(await shipped.reach()).toBe(23);
    const codes = makeCodes(1, 150, Int32Array.from({ length: 150 }, (_, i) => (i * 7919) % 1024));
    const whole = await shipped.decode(codes);
    const pieces: Float32Array[] = [];
    for await (const chunk of decodeInChunks(shipped.streamingDecoder({ chunkFrames: 25 }), codes, 25)) pieces.push(chunk);
    expect(maxAbsDiff(joinPcm(pieces), whole)).toBeLessThan(1e-4);
    await shipped.release();
  });
});
