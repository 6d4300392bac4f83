import { describe, expect, it } from 'vitest';
import { readPcodes, writePcodes } from '../src/codec/pcodes.js';
import { makeCodes, firstCodebooks, sliceFrames, concatFrames } from '../src/codec/codes.js';

const header = { modelId: 'test', sampleRate: 16000, hopLength: 320, codebookSize: 1024, numSamples: 16000 };

function randomCodes(q: number, t: number, size = 1024) {
  const codes = makeCodes(q, t);
  let s = 12345;
  for (let i = 0; i < codes.data.length; i++) codes.data[i] = (s = (s * 1103515245 + 12345) >>> 0) % size;
  return codes;
}

describe('.pcodes files', () => {
  it('round-trips codes exactly at 10 bits per code', () => {
    const codes = randomCodes(8, 50);
    const file = writePcodes(codes, header);
    // 8 x 50 codes x 10 bits = 500 bytes of payload: 4 kbps for one second.
    expect(file.length).toBeLessThan(500 + 200);
    const back = readPcodes(file);
    expect(back.header).toEqual(header);
    expect(back.codes.codebooks).toBe(8);
    expect(Array.from(back.codes.data)).toEqual(Array.from(codes.data));
  });

  it('keeps extreme codes and odd sizes', () => {
    const codes = makeCodes(3, 7, Int32Array.from({ length: 21 }, (_, i) => (i % 2 ? 1023 : 0)));
    expect(Array.from(readPcodes(writePcodes(codes, header)).codes.data)).toEqual(Array.from(codes.data));
  });

  it.each([
    ['empty file', Buffer.alloc(0), /PCDS signature/],
    ['text file', Buffer.from('hello world, not codes at all'), /PCDS signature/],
  ])('rejects %s', (_name, bytes, message) => {
    expect(() => readPcodes(bytes, 'x.pcodes')).toThrow(message);
  });

  it('rejects truncated and corrupted files', () => {
    const file = writePcodes(randomCodes(8, 20), header);
    expect(() => readPcodes(file.subarray(0, file.length - 10))).toThrow(/checksum|truncated/);
    const flipped = Buffer.from(file);
    flipped[40] ^= 0xff;
    expect(() => readPcodes(flipped)).toThrow(/checksum/);
  });

  it('refuses out-of-range codes when writing', () => {
    expect(() => writePcodes(makeCodes(1, 1, Int32Array.of(1024)), header)).toThrow(/outside 0..1023/);
  });
});

describe('codes helpers', () => {
  it('slices, joins and truncates codebooks', () => {
    const codes = randomCodes(4, 10);
    const joined = concatFrames([sliceFrames(codes, 0, 3), sliceFrames(codes, 3, 10)]);
    expect(Array.from(joined.data)).toEqual(Array.from(codes.data));
    expect(firstCodebooks(codes, 2).data.length).toBe(20);
    expect(() => firstCodebooks(codes, 5)).toThrow(/1..4/);
  });
});
