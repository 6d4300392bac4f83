/** Scores one row of an evaluation (a set of outputs against their reference utterances): ASR, STOI, log-mel, similarity. */
import { NARROWBAND_MEL, type EvalUtterance } from './codec-fidelity.js';
import { measureIntelligibility } from './intelligibility.js';
import { logMelDistance } from './mel.js';
import type { Similarity } from './run-similarity.js';
import { EVAL_SAMPLE_RATE } from './rate.js';
import { stoi } from './stoi.js';

export interface UtteranceScore {
  id: string;
  transcript: string | null;
  wer: number | null;
  stoi: number;
  melDistance: number;
  similarity: number | null;
}

export interface ScoredRow {
  /** Pooled word/char error rates (null: the set is not scored for intelligibility). */
  wer: number | null;
  cer: number | null;
  /** Means over utterances. */
  stoi: number;
  /** log-mel L1, 80 mels 0-8 kHz / 40 mels 0-4 kHz */
  melDistance: number;
  melDistanceNarrow: number;
  /** Mean cosine to the original's embedding (null: no speaker encoder). */
  similarity: number | null;
  utterances: UtteranceScore[];
}

/** `outputs[i]` must be aligned with and as long as `utterances[i].audio` (16 kHz mono). */
export async function scoreOutputs(
  utterances: readonly EvalUtterance[],
  outputs: readonly Float32Array[],
  options: { asr: boolean; similarity: Similarity },
): Promise<ScoredRow> {
  const asr = options.asr ? await measureIntelligibility(outputs, utterances.map((u) => u.text), { concurrency: 2 }) : null;
  const rows: (UtteranceScore & { melDistanceNarrow: number })[] = [];
  for (const [i, u] of utterances.entries()) {
    rows.push({
      id: u.id,
      transcript: asr ? asr.clips[i].transcript : null,
      wer: asr ? asr.clips[i].words.rate : null,
      stoi: stoi(u.audio, outputs[i], EVAL_SAMPLE_RATE),
      melDistance: logMelDistance(u.audio, outputs[i]),
      melDistanceNarrow: logMelDistance(u.audio, outputs[i], NARROWBAND_MEL),
      similarity: await options.similarity.compare(u.audio, outputs[i]),
    });
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sims = rows.map((r) => r.similarity).filter((s): s is number => s !== null);
  return {
    wer: asr ? asr.wer.rate : null,
    cer: asr ? asr.cer.rate : null,
    stoi: mean(rows.map((r) => r.stoi)),
    melDistance: mean(rows.map((r) => r.melDistance)),
    melDistanceNarrow: mean(rows.map((r) => r.melDistanceNarrow)),
    similarity: sims.length ? mean(sims) : null,
    utterances: rows.map(({ melDistanceNarrow: _, ...r }) => r),
  };
}
