/** Writes PCM to a file or stdout in the format named by a flag or the file extension. */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { assertAudioFormat, encodeAudio, type AudioFormat } from '../audio/index.js';
import { ParlaError } from '../errors.js';

/** `--format` wins; otherwise the extension (.wav, .mp3, .opus/.ogg, .aac, .flac, .pcm/.raw); otherwise wav. */
export function outputFormat(path: string, format?: string): AudioFormat {
  // Names are case-blind, as extensions are (-f MP3 as .MP3).
  const chosen = format?.toLowerCase() ?? ({ '.ogg': 'opus', '.raw': 'pcm' } as Record<string, string>)[extname(path).toLowerCase()] ?? (extname(path).slice(1).toLowerCase() || 'wav');
  if (path === '-' && !format) return 'wav';
  try {
    assertAudioFormat(chosen);
  } catch {
    // .m4a is AAC in an MP4 container, which is not written here (an .aac file holds the same audio, in ADTS).
    const hint = chosen === 'm4a' ? '; for AAC name the file .aac' : format ? '' : ' (or choose one with --format)';
    throw new ParlaError('unsupported_format', `cannot write "${path}": format "${chosen}" is not one of wav, mp3, opus, aac, flac, pcm${hint}`, { param: 'format' });
  }
  return chosen;
}

export async function writeAudioOutput(pcm: Float32Array, sampleRate: number, path: string, format?: string): Promise<void> {
  const bytes = await encodeAudio(pcm, sampleRate, outputFormat(path, format));
  if (path === '-') {
    // A reader that stops early (`| head -c 100`) closes the pipe: like any Unix filter, stop quietly (main.ts).
    await new Promise<void>((done, fail) => process.stdout.write(bytes, (err) => (err && (err as NodeJS.ErrnoException).code !== 'EPIPE' ? fail(err) : done())));
    return;
  }
  try {
    await writeFile(path, bytes);
  } catch (err) {
    throw new ParlaError('invalid_input', `cannot write ${path}: ${(err as Error).message}`, { param: 'output', cause: err });
  }
}
