/** WAV without ffmpeg: header parsing (wavefile) for the decode fast path, 16-bit encoding, and the streaming header. */
import wavefile from 'wavefile';
import { ParlaError } from '../errors.js';
import { floatToS16le } from './pcm.js';

const { WaveFile } = wavefile;

/** Data chunk size meaning "unknown, read to the end": what streamed WAVs (ours, ffmpeg's, RF64) carry. */
export const WAV_STREAMING_SIZE = 0xffffffff;

/** What the fast path needs to know about a PCM or float WAV. */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  /** Container bits per sample: 8, 16, 24, 32 (int) or 32, 64 (float). */
  bitsPerSample: number;
  float: boolean;
  /** Byte offset of the first sample and number of whole frames present. */
  dataOffset: number;
  frames: number;
}

interface WavFmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
  blockAlign: number;
  subformat: number[];
}

export function isWav(bytes: Uint8Array): boolean {
  const ascii = (at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));
  return bytes.length >= 12 && ['RIFF', 'RF64'].includes(ascii(0)) && ascii(8) === 'WAVE';
}

/** Walk RIFF chunks to the 'data' chunk; undefined when the file ends before it. */
function findDataChunk(bytes: Uint8Array): { offset: number; declared: number } | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let pos = 12; pos + 8 <= bytes.length; ) {
    const id = String.fromCharCode(...bytes.subarray(pos, pos + 4));
    const size = view.getUint32(pos + 4, true);
    if (id === 'data') return { offset: pos + 8, declared: size };
    pos += 8 + size + (size & 1);
  }
  return undefined;
}

/**
 * Parse a RIFF/RF64 WAVE header. Returns undefined for encodings the fast path does not convert
 * (ADPCM, mu-law, odd bit depths): ffmpeg decodes those. Throws for truncated or malformed files.
 * @param what the file name or "input", for messages
 */
export function parseWav(bytes: Uint8Array, what: string): WavInfo | undefined {
  const data = findDataChunk(bytes);
  if (!data) throw new ParlaError('audio_truncated', `${what}: WAV file ends before its audio data chunk (${bytes.length} bytes)`, { param: 'file' });
  // wavefile parses only the header: a copy of the bytes before the samples, with a data size of 0,
  // so streamed WAVs (size 0xFFFFFFFF, which wavefile rejects) and huge files cost nothing extra.
  const header = Buffer.from(bytes.subarray(0, data.offset));
  header.writeUInt32LE(0, data.offset - 4);
  const wav = new WaveFile();
  try {
    wav.fromBuffer(header, false);
  } catch (err) {
    throw new ParlaError('not_audio', `${what}: malformed WAV header (${(err as Error).message})`, { param: 'file', cause: err });
  }
  const fmt = wav.fmt as WavFmt;
  const code = fmt.audioFormat === 0xfffe ? fmt.subformat[0] : fmt.audioFormat;
  const float = code === 3;
  const bits = fmt.bitsPerSample;
  const supported = float ? bits === 32 || bits === 64 : code === 1 && [8, 16, 24, 32].includes(bits);
  if (!supported || fmt.numChannels < 1 || fmt.sampleRate < 1) return undefined;

  const frameBytes = (bits / 8) * fmt.numChannels;
  const available = bytes.length - data.offset;
  const streaming = data.declared === WAV_STREAMING_SIZE || data.declared === 0;
  if (!streaming && available + frameBytes <= data.declared) {
    throw new ParlaError(
      'audio_truncated',
      `${what}: truncated WAV: header declares ${data.declared} bytes of audio, file has ${available}`,
      { param: 'file' },
    );
  }
  const bytesPresent = streaming ? available : Math.min(available, data.declared);
  return {
    sampleRate: fmt.sampleRate,
    channels: fmt.numChannels,
    bitsPerSample: bits,
    float,
    dataOffset: data.offset,
    frames: Math.floor(bytesPresent / frameBytes),
  };
}

/** Convert the samples of a parsed WAV to mono float (channels averaged). @returns (frames,) */
export function wavToMono(bytes: Uint8Array, info: WavInfo): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + info.dataOffset, info.frames * info.channels * (info.bitsPerSample / 8));
  const step = info.bitsPerSample / 8;
  const read: (at: number) => number = info.float
    ? info.bitsPerSample === 32
      ? (at) => view.getFloat32(at, true)
      : (at) => view.getFloat64(at, true)
    : info.bitsPerSample === 8
      ? (at) => (view.getUint8(at) - 128) / 128
      : info.bitsPerSample === 16
        ? (at) => view.getInt16(at, true) / 32768
        : info.bitsPerSample === 24
          ? (at) => ((view.getUint8(at) | (view.getUint8(at + 1) << 8) | (view.getInt8(at + 2) << 16)) / 8388608)
          : (at) => view.getInt32(at, true) / 2147483648;
  const out = new Float32Array(info.frames);
  const scale = 1 / info.channels;
  for (let i = 0, at = 0; i < info.frames; i++) {
    let sum = 0;
    for (let c = 0; c < info.channels; c++, at += step) sum += read(at);
    out[i] = sum * scale;
  }
  return out;
}

/** Encode mono float PCM as a 16-bit PCM RIFF WAV (wavefile writes the header and sizes). */
export function encodeWav(pcm: Float32Array, sampleRate: number): Buffer {
  const s16 = floatToS16le(pcm);
  const wav = new WaveFile();
  wav.fromScratch(1, sampleRate, '16', new Int16Array(s16.buffer, s16.byteOffset, pcm.length));
  return Buffer.from(wav.toBuffer());
}

/**
 * 44-byte header for a 16-bit mono WAV of unknown length, sent before the samples when streaming.
 * Both the RIFF and the data size are 0xFFFFFFFF ("read until the stream ends"), the convention
 * ffmpeg, browsers and the OpenAI API use; a size of 0 would tell some players the file is empty.
 */
export function streamingWavHeader(sampleRate: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(WAV_STREAMING_SIZE, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16); // fmt chunk size
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * 2, 28); // byte rate
  h.writeUInt16LE(2, 32); // block align
  h.writeUInt16LE(16, 34); // bits per sample
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(WAV_STREAMING_SIZE, 40);
  return h;
}
