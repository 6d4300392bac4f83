/** Speech recognition for intelligibility scoring: pocketsphinx (Debian pocketsphinx + pocketsphinx-en-us) on 16 kHz mono audio. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resample } from '../audio/resample.js';
import { encodeWav } from '../audio/wav.js';
import { ParlaError } from '../errors.js';
import { EVAL_SAMPLE_RATE } from './rate.js';
import { findOnPath, mapLimit, runTool } from './tools.js';

const INSTALL_HINT = 'install the Debian packages pocketsphinx and pocketsphinx-en-us';

/** Which pocketsphinx command line is installed: the 0.8/5prealpha `pocketsphinx_continuous` or the 5.x `pocketsphinx`. */
export type PocketsphinxCli = { kind: 'continuous' | 'single'; path: string };

/** The installed pocketsphinx CLI, or undefined when neither is on PATH. */
export function findPocketsphinx(): PocketsphinxCli | undefined {
  const continuous = findOnPath('pocketsphinx_continuous');
  if (continuous) return { kind: 'continuous', path: continuous };
  const single = findOnPath('pocketsphinx');
  if (single) return { kind: 'single', path: single };
  return undefined;
}

/** Transcribes a 16-bit mono 16 kHz wav file; words are lower-case, separated by single spaces. */
export async function transcribeWavFile(wavPath: string, cli = findPocketsphinx()): Promise<string> {
  if (!cli) throw new ParlaError('tool_missing', `pocketsphinx was not found on PATH (${INSTALL_HINT})`, { param: 'pocketsphinx' });
  if (cli.kind === 'continuous') {
    const { stdout } = await runTool(cli.path, ['-infile', wavPath, '-logfn', '/dev/null'], { installHint: INSTALL_HINT });
    return joinWords(stdout.toString('utf8').split('\n'));
  }
  // pocketsphinx 5.x prints one JSON object per utterance with the text in "t".
  const { stdout } = await runTool(cli.path, ['single', wavPath], { installHint: INSTALL_HINT });
  const lines = stdout.toString('utf8').split('\n').filter((l) => l.trim().startsWith('{'));
  return joinWords(lines.map((l) => String((JSON.parse(l) as { t?: unknown }).t ?? '')));
}

function joinWords(lines: string[]): string {
  return lines.join(' ').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** Transcribes mono Float32 PCM (resampled to 16 kHz if needed) through a temporary wav file. */
export async function transcribe(pcm: Float32Array, sampleRate = EVAL_SAMPLE_RATE): Promise<string> {
  const cli = findPocketsphinx();
  if (!cli) throw new ParlaError('tool_missing', `pocketsphinx was not found on PATH (${INSTALL_HINT})`, { param: 'pocketsphinx' });
  if (pcm.length === 0) return '';
  const audio = sampleRate === EVAL_SAMPLE_RATE ? pcm : resample(pcm, sampleRate, EVAL_SAMPLE_RATE);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'parla-asr-'));
  try {
    const file = path.join(dir, 'audio.wav');
    await writeFile(file, encodeWav(audio, EVAL_SAMPLE_RATE));
    return await transcribeWavFile(file, cli);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Transcribes many clips with at most `concurrency` recognizers running at once (each uses one core). */
export function transcribeMany(clips: readonly Float32Array[], options: { sampleRate?: number; concurrency?: number } = {}): Promise<string[]> {
  const concurrency = options.concurrency ?? Math.max(1, Math.min(4, os.availableParallelism() - 1));
  return mapLimit(clips, concurrency, (pcm) => transcribe(pcm, options.sampleRate));
}
