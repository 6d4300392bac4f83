/**
 * Codec fidelity of any round trip (neural codec, Opus, Codec2, or none for the originals):
 * STOI and log-mel distance against the input, and ASR word/char error rates on the output.
 */
import { ParlaError } from '../errors.js';
import { EVAL_SAMPLE_RATE } from './rate.js';
import { measureIntelligibility, type TranscribedClip } from './intelligibility.js';
import { DEFAULT_MEL, logMelDistance, type MelConfig } from './mel.js';
import { stoi } from './stoi.js';
import { mapLimit } from './tools.js';
import type { ErrorCounts } from './wer.js';

/** A reference utterance: 16 kHz mono audio and its text. */
export interface EvalUtterance {
  id: string;
  text: string;
  audio: Float32Array;
}

/** Encodes and decodes 16 kHz mono audio; must return audio aligned with the input. */
export type RoundTrip = (pcm: Float32Array) => Promise<Float32Array>;

/**
 * Mels over 0-4 kHz only: narrowband codecs (Opus at 6 kbps, Codec2) leave 4-8 kHz empty, which
 * dominates the full-band distance; this one compares what both kinds of codec keep.
 */
export const NARROWBAND_MEL: MelConfig = { ...DEFAULT_MEL, nMels: 40, fMax: 4000 };

export interface FidelityRow extends TranscribedClip {
  id: string;
  stoi: number;
  /** log-mel L1, 80 mels over 0-8 kHz */
  melDistance: number;
  /** log-mel L1, 40 mels over 0-4 kHz */
  melDistanceNarrow: number;
}

export interface FidelityReport {
  name: string;
  rows: FidelityRow[];
  wer: ErrorCounts;
  cer: ErrorCounts;
  /** Means over utterances. */
  stoi: number;
  melDistance: number;
  melDistanceNarrow: number;
  /** Wall-clock seconds spent in the round trips (not in scoring). */
  roundTripSeconds: number;
}

/**
 * Runs `roundTrip` (null = the originals themselves) on every utterance and scores the outputs.
 * Outputs are trimmed or zero-padded to the input length before scoring.
 */
export async function measureFidelity(
  name: string,
  utterances: readonly EvalUtterance[],
  roundTrip: RoundTrip | null,
  options: { concurrency?: number } = {},
): Promise<FidelityReport> {
  if (utterances.length === 0) throw new ParlaError('empty_input', `evaluation set for ${name} is empty`, { param: 'utterances' });
  const started = performance.now();
  const outputs = await mapLimit(utterances, options.concurrency ?? 2, async (u) => {
    if (!roundTrip) return u.audio;
    const out = await roundTrip(u.audio);
    const fitted = new Float32Array(u.audio.length);
    fitted.set(out.subarray(0, u.audio.length));
    return fitted;
  });
  const roundTripSeconds = (performance.now() - started) / 1000;
  const asr = await measureIntelligibility(outputs, utterances.map((u) => u.text), options);
  const rows = utterances.map((u, i) => ({
    id: u.id,
    ...asr.clips[i],
    stoi: stoi(u.audio, outputs[i], EVAL_SAMPLE_RATE),
    melDistance: logMelDistance(u.audio, outputs[i]),
    melDistanceNarrow: logMelDistance(u.audio, outputs[i], NARROWBAND_MEL),
  }));
  const mean = (key: 'stoi' | 'melDistance' | 'melDistanceNarrow'): number => rows.reduce((s, r) => s + r[key], 0) / rows.length;
  return { name, rows, wer: asr.wer, cer: asr.cer, stoi: mean('stoi'), melDistance: mean('melDistance'), melDistanceNarrow: mean('melDistanceNarrow'), roundTripSeconds };
}

/** Markdown table of reports; WER/CER ratios are relative to the report named `baseline` (the originals). */
export function fidelityTable(reports: readonly FidelityReport[], baseline = reports[0]?.name): string {
  const base = reports.find((r) => r.name === baseline);
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const ratio = (x: number, b: number | undefined): string => (b ? (x / b).toFixed(2) : '-');
  const lines = [
    '| audio | WER | WER / original | CER | CER / original | STOI | log-mel L1 | log-mel L1 0-4 kHz |',
    '|---|---|---|---|---|---|---|---|',
    ...reports.map((r) =>
      `| ${r.name} | ${pct(r.wer.rate)} | ${ratio(r.wer.rate, base?.wer.rate)} | ${pct(r.cer.rate)} | ${ratio(r.cer.rate, base?.cer.rate)} | ${r.stoi.toFixed(3)} | ${r.melDistance.toFixed(3)} | ${r.melDistanceNarrow.toFixed(3)} |`),
  ];
  return lines.join('\n');
}
