/** Codec codes in memory: Q streams of T frames, row-major (codebook-major) in one Int32Array. */
import { ParlaError } from '../errors.js';

export interface Codes {
  /** Number of codebooks present (1..Q). */
  readonly codebooks: number;
  /** Frames per codebook (50 per second at hop 320, 16 kHz). */
  readonly frames: number;
  /** data[q * frames + t] = code of codebook q at frame t. */
  readonly data: Int32Array;
  /**
   * The phoneme id each frame stands for (the AR's phoneme pointer), for a codec decoder with text input
   * (model.json codec.decoder.phonemes); absent when unknown (resynthesis, voices, models without a pointer).
   */
  readonly phonemes?: Int32Array;
}

export function makeCodes(codebooks: number, frames: number, data?: Int32Array, phonemes?: Int32Array): Codes {
  const size = codebooks * frames;
  if (data && data.length !== size) {
    throw new ParlaError('invalid_input', `codes have ${data.length} entries, expected ${codebooks} x ${frames}`, { param: 'codes' });
  }
  if (phonemes && phonemes.length !== frames) {
    throw new ParlaError('invalid_input', `codes have ${phonemes.length} phonemes for ${frames} frames`, { param: 'phonemes' });
  }
  return { codebooks, frames, data: data ?? new Int32Array(size), ...(phonemes ? { phonemes } : {}) };
}

/** The first n codebooks (lower bitrate). */
export function firstCodebooks(codes: Codes, n: number): Codes {
  if (!Number.isInteger(n) || n < 1 || n > codes.codebooks) {
    throw new ParlaError('invalid_input', `codebooks must be an integer in 1..${codes.codebooks}, got ${n}`, { param: 'codebooks' });
  }
  return makeCodes(n, codes.frames, codes.data.slice(0, n * codes.frames), codes.phonemes?.slice());
}

/** Frames [start, end) of every codebook. */
export function sliceFrames(codes: Codes, start: number, end: number): Codes {
  const s = Math.max(0, start);
  const e = Math.min(codes.frames, end);
  const out = makeCodes(codes.codebooks, Math.max(0, e - s), undefined, codes.phonemes?.slice(s, Math.max(s, e)));
  for (let q = 0; q < codes.codebooks; q++) out.data.set(codes.data.subarray(q * codes.frames + s, q * codes.frames + e), q * out.frames);
  return out;
}

/** Joins codes along time (same codebook count). */
export function concatFrames(parts: Codes[]): Codes {
  if (parts.length === 0) throw new ParlaError('invalid_input', 'nothing to concatenate', { param: 'codes' });
  const q = parts[0].codebooks;
  if (parts.some((p) => p.codebooks !== q)) throw new ParlaError('invalid_input', 'codes to join have different codebook counts', { param: 'codes' });
  const frames = parts.reduce((n, p) => n + p.frames, 0);
  // Phonemes join too when any part has them; a part without them counts as unknown (0) there.
  const out = makeCodes(q, frames, undefined, parts.some((p) => p.phonemes) ? new Int32Array(frames) : undefined);
  let offset = 0;
  for (const p of parts) {
    for (let k = 0; k < q; k++) out.data.set(p.data.subarray(k * p.frames, (k + 1) * p.frames), k * frames + offset);
    if (p.phonemes) out.phonemes!.set(p.phonemes, offset);
    offset += p.frames;
  }
  return out;
}
