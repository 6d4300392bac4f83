/**
 * The `.pcodes` compressed-audio file: a small header naming the model, rate and shape, then the
 * codes bit-packed at log2(codebook size) bits each, then a CRC32 so truncation or corruption is
 * reported instead of decoded into noise. Layout in docs/codec.md.
 */
import { crc32 } from 'node:zlib';
import { ParlaError } from '../errors.js';
import { makeCodes, type Codes } from './codes.js';

const MAGIC = 'PCDS';
const VERSION = 1;

export interface PcodesHeader {
  modelId: string;
  sampleRate: number;
  hopLength: number;
  codebookSize: number;
  /** Original length in samples, so decode can trim the last frame's padding. */
  numSamples: number;
}

function bitsFor(codebookSize: number): number {
  return Math.max(1, Math.ceil(Math.log2(codebookSize)));
}

export function writePcodes(codes: Codes, header: PcodesHeader): Buffer {
  const bits = bitsFor(header.codebookSize);
  const json = Buffer.from(JSON.stringify({ ...header, codebooks: codes.codebooks, frames: codes.frames }), 'utf8');
  const payload = Buffer.alloc(Math.ceil((codes.data.length * bits) / 8));
  let bitPos = 0;
  for (const code of codes.data) {
    if (code < 0 || code >= header.codebookSize) throw new ParlaError('invalid_input', `code ${code} is outside 0..${header.codebookSize - 1}`, { param: 'codes' });
    for (let b = bits - 1; b >= 0; b--, bitPos++) if ((code >> b) & 1) payload[bitPos >> 3] |= 0x80 >> (bitPos & 7);
  }
  const head = Buffer.alloc(9);
  head.write(MAGIC, 0, 'ascii');
  head.writeUInt8(VERSION, 4);
  head.writeUInt32LE(json.length, 5);
  const body = Buffer.concat([head, json, payload]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(body), 0);
  return Buffer.concat([body, crc]);
}

export function readPcodes(file: Buffer, name = 'input'): { header: PcodesHeader; codes: Codes } {
  const bad = (why: string) => new ParlaError('invalid_input', `${name} is not a valid .pcodes file: ${why}`, { param: name });
  if (file.length < 13 || file.toString('ascii', 0, 4) !== MAGIC) throw bad('missing PCDS signature');
  if (file.readUInt8(4) !== VERSION) throw bad(`unsupported version ${file.readUInt8(4)}`);
  const jsonLength = file.readUInt32LE(5);
  if (9 + jsonLength + 4 > file.length) throw bad('truncated header');
  if (crc32(file.subarray(0, file.length - 4)) !== file.readUInt32LE(file.length - 4)) throw bad('checksum mismatch (truncated or corrupted)');
  let meta: PcodesHeader & { codebooks: number; frames: number };
  try {
    meta = JSON.parse(file.toString('utf8', 9, 9 + jsonLength));
  } catch {
    throw bad('unreadable header');
  }
  const { codebooks, frames, codebookSize } = meta;
  if (![codebooks, frames, codebookSize, meta.sampleRate, meta.hopLength, meta.numSamples].every((v) => Number.isInteger(v) && v >= 0) || codebooks < 1 || codebookSize < 2) {
    throw bad('header has invalid sizes');
  }
  const bits = bitsFor(codebookSize);
  const payload = file.subarray(9 + jsonLength, file.length - 4);
  if (payload.length !== Math.ceil((codebooks * frames * bits) / 8)) throw bad(`payload has ${payload.length} bytes, header says ${codebooks}x${frames} codes`);
  const codes = makeCodes(codebooks, frames);
  let bitPos = 0;
  for (let i = 0; i < codes.data.length; i++) {
    let code = 0;
    for (let b = 0; b < bits; b++, bitPos++) code = (code << 1) | ((payload[bitPos >> 3] >> (7 - (bitPos & 7))) & 1);
    if (code >= codebookSize) throw bad(`code ${code} exceeds the codebook size`);
    codes.data[i] = code;
  }
  const { modelId, sampleRate, hopLength, numSamples } = meta;
  return { header: { modelId, sampleRate, hopLength, codebookSize, numSamples }, codes };
}
