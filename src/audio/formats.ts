/** The output formats (OpenAI `response_format` values), their MIME types and ffmpeg encoder settings. */
import { ParlaError } from '../errors.js';

export const AUDIO_FORMATS = ['wav', 'mp3', 'opus', 'aac', 'flac', 'pcm'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

export interface EncodeOptions {
  /** Target bitrate for the lossy formats (kbit/s); defaults: mp3 128, opus 48, aac 96. */
  bitrateKbps?: number;
}

/** MIME type to send with each format. `pcm` is headerless s16le mono at the caller's rate. */
export const CONTENT_TYPES: Record<AudioFormat, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  opus: 'audio/ogg; codecs=opus',
  aac: 'audio/aac',
  flac: 'audio/flac',
  pcm: 'audio/pcm',
};

/** Sample rates each encoder/container accepts; others are resampled up to the next one listed. */
const ENCODER_RATES: Record<'mp3' | 'opus' | 'aac' | 'flac', readonly number[]> = {
  mp3: [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000],
  opus: [8000, 12000, 16000, 24000, 48000],
  // ADTS can signal these (the 13 MPEG-4 sampling frequency indexes).
  aac: [7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000],
  flac: [], // any rate
};

const DEFAULT_KBPS = { mp3: 128, opus: 48, aac: 96 } as const;

export function assertAudioFormat(format: string): asserts format is AudioFormat {
  if (!(AUDIO_FORMATS as readonly string[]).includes(format)) {
    throw new ParlaError('unsupported_format', `unsupported audio format "${format}"; supported: ${AUDIO_FORMATS.join(', ')}`, {
      param: 'response_format',
    });
  }
}

/** The rate an encoder will run at for input at `sampleRate` (same rate when the encoder takes it). */
export function encoderRate(format: 'mp3' | 'opus' | 'aac' | 'flac', sampleRate: number): number {
  const rates = ENCODER_RATES[format];
  if (rates.length === 0 || rates.includes(sampleRate)) return sampleRate;
  return rates.find((r) => r > sampleRate) ?? rates[rates.length - 1];
}

/**
 * ffmpeg arguments that read mono f32le PCM from stdin and write `format` to stdout.
 * Containers are the streamable ones: MP3 frames, Ogg Opus, ADTS AAC (what OpenAI returns and
 * what `<audio>` plays in every major browser; MP4/M4A needs a seekable output), native FLAC.
 */
export function ffmpegEncodeArgs(format: 'mp3' | 'opus' | 'aac' | 'flac', sampleRate: number, opts: EncodeOptions = {}): string[] {
  // Tiny probe: raw PCM needs no probing, and by default ffmpeg reads ~5 s of input before encoding anything.
  const input = ['-probesize', '32', '-analyzeduration', '0', '-f', 'f32le', '-ar', String(sampleRate), '-ac', '1', '-i', 'pipe:0'];
  const rate = encoderRate(format, sampleRate);
  const resampleArgs = rate === sampleRate ? [] : ['-ar', String(rate)];
  const kbps = opts.bitrateKbps ?? (format === 'flac' ? undefined : DEFAULT_KBPS[format]);
  if (kbps !== undefined && !(kbps >= 6 && kbps <= 512)) {
    throw new ParlaError('invalid_input', `bitrateKbps must be in 6..512, got ${kbps}`, { param: 'bitrateKbps' });
  }
  const bitrate = kbps === undefined ? [] : ['-b:a', `${kbps}k`];
  const codec: Record<typeof format, string[]> = {
    mp3: ['-c:a', 'libmp3lame', ...bitrate, '-f', 'mp3'],
    // Ogg pages of 100 ms instead of the default 1 s: lower latency when streaming, ~1% overhead.
    opus: ['-c:a', 'libopus', ...bitrate, '-application', 'audio', '-f', 'ogg', '-page_duration', '100000'],
    aac: ['-c:a', 'aac', ...bitrate, '-f', 'adts'],
    flac: ['-c:a', 'flac', '-sample_fmt', 's16', '-f', 'flac'],
  };
  // -flush_packets 1: hand each packet to stdout at once, so streamed audio starts early.
  return [...input, '-vn', '-map_metadata', '-1', ...resampleArgs, ...codec[format], '-flush_packets', '1', 'pipe:1'];
}
