/**
 * Classical speech codec baselines for the codec quality bar: Opus 6 kbps (ffmpeg libopus) and
 * Codec2 3200 (Debian codec2: c2enc/c2dec). Each takes and returns 16 kHz mono Float32 of the same
 * length, delay-compensated so outputs line up sample for sample with the input.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg, summarizeStderr } from '../audio/ffmpeg.js';
import { f32leToFloat, floatToF32le, floatToS16le, s16leToFloat } from '../audio/pcm.js';
import { resample } from '../audio/resample.js';
import { ParlaError } from '../errors.js';
import { compensateDelay, estimateDelay } from './align.js';
import { EVAL_SAMPLE_RATE } from './rate.js';
import { runTool } from './tools.js';

export interface CodecRoundTrip {
  /** Decoded audio, 16 kHz mono, same length as the input. */
  audio: Float32Array;
  /** Size of the compressed stream in bits per second of input audio (container overhead included). */
  bitsPerSecond: number;
  /** Samples (16 kHz) removed from the start of the decoder output to align it with the input. */
  delaySamples: number;
}

/** Largest decoder delay searched for Opus (10 ms at 16 kHz): libopus lookahead is 6.5 ms. */
const OPUS_MAX_DELAY = 160;

function checkInput(pcm: Float32Array, sampleRate: number): void {
  if (sampleRate !== EVAL_SAMPLE_RATE) {
    throw new ParlaError('invalid_input', `classical codecs take ${EVAL_SAMPLE_RATE} Hz audio, got ${sampleRate} Hz`, { param: 'sampleRate' });
  }
  if (pcm.length === 0) throw new ParlaError('empty_input', 'cannot encode empty audio', { param: 'pcm' });
}

/**
 * Opus round trip at `bitrate` bits/s (default 6000) through Ogg, libopus defaults otherwise.
 * Some ffmpeg builds leave the encoder lookahead in the decoded stream; it is found by cross-correlation.
 */
export async function opusRoundTrip(pcm: Float32Array, sampleRate = EVAL_SAMPLE_RATE, bitrate = 6000): Promise<CodecRoundTrip> {
  checkInput(pcm, sampleRate);
  const rate = String(EVAL_SAMPLE_RATE);
  const ogg = await ffmpeg(['-f', 'f32le', '-ar', rate, '-ac', '1', '-i', 'pipe:0', '-c:a', 'libopus', '-b:a', String(bitrate), '-f', 'ogg', 'pipe:1'], floatToF32le(pcm), 'encoding Opus');
  const decoded = f32leToFloat(await ffmpeg(['-f', 'ogg', '-i', 'pipe:0', '-ac', '1', '-ar', rate, '-f', 'f32le', 'pipe:1'], ogg, 'decoding Opus'));
  const delaySamples = estimateDelay(pcm, decoded, OPUS_MAX_DELAY);
  return {
    audio: compensateDelay(decoded, delaySamples, pcm.length),
    bitsPerSecond: (ogg.length * 8 * EVAL_SAMPLE_RATE) / pcm.length,
    delaySamples,
  };
}

async function ffmpeg(args: string[], input: Buffer, what: string): Promise<Buffer> {
  const run = await runFfmpeg(args, { input, timeoutMs: 120_000, what });
  if (run.exitCode !== 0) throw new ParlaError('internal', `ffmpeg failed ${what}: ${summarizeStderr(run.stderr)}`, { param: 'ffmpeg' });
  return run.stdout;
}

/** Codec2 works at 8 kHz. */
const CODEC2_RATE = 8000;
/**
 * c2dec output lags c2enc input by one 20 ms frame (160 samples at 8 kHz): measured as the shift that
 * maximizes STOI on Kathleen sentences (cross-correlation cannot find it, the phase is synthetic).
 */
const CODEC2_DELAY_8K = 160;

/** Codec2 round trip in `mode` (default 3200 bit/s): 16 kHz -> 8 kHz 16-bit raw -> c2enc/c2dec -> 16 kHz. */
export async function codec2RoundTrip(pcm: Float32Array, sampleRate = EVAL_SAMPLE_RATE, mode: '3200' | '2400' | '1600' | '1300' = '3200'): Promise<CodecRoundTrip> {
  checkInput(pcm, sampleRate);
  const narrow = floatToS16le(resample(pcm, EVAL_SAMPLE_RATE, CODEC2_RATE));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parla-codec2-'));
  try {
    const [rawIn, bits, rawOut] = ['in.raw', 'out.c2', 'out.raw'].map((f) => path.join(dir, f));
    await writeFile(rawIn, narrow);
    const hint = 'install the Debian package codec2';
    await runTool('c2enc', [mode, rawIn, bits], { installHint: hint });
    await runTool('c2dec', [mode, bits, rawOut], { installHint: hint });
    const decoded8k = s16leToFloat(await readFile(rawOut));
    const decoded = resample(decoded8k, CODEC2_RATE, EVAL_SAMPLE_RATE);
    const delaySamples = (CODEC2_DELAY_8K * EVAL_SAMPLE_RATE) / CODEC2_RATE;
    return {
      audio: compensateDelay(decoded, delaySamples, pcm.length),
      bitsPerSecond: ((await stat(bits)).size * 8 * EVAL_SAMPLE_RATE) / pcm.length,
      delaySamples,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
