/**
 * Writes a run's numbers into the model card: `quality.codec.<set>` or `quality.tts.<set>` of the model folder's
 * model.json (`parla eval codec|tts --write-card`), the entries CI then checks against (run-thresholds.ts). Every other
 * key, the key order and the file's layout stay as the exporter wrote them (json-layout.ts).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ParlaError } from '../errors.js';
import { setJsonPath } from './json-layout.js';
import type { CodecEvalResult } from './run-codec.js';
import type { TtsEvalResult } from './run-tts.js';
import type { ExpectedCodecQuality, ExpectedTtsQuality } from './run-thresholds.js';

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** The card entry of a codec run: its neural row with the most codebooks (the shipped setting); unmeasured numbers left out. */
export function codecCardEntry(result: CodecEvalResult): ExpectedCodecQuality {
  const rows = result.rows.filter((r) => r.kind === 'neural' && r.codebooks !== null);
  if (rows.length === 0) throw new ParlaError('invalid_input', 'the codec run has no neural row to write into the card', { param: 'codebooks' });
  const row = rows.reduce((a, b) => (b.codebooks! > a.codebooks! ? b : a));
  const original = result.rows.find((r) => r.kind === 'original');
  return {
    codebooks: row.codebooks!,
    wer_ratio: row.wer !== null && original?.wer ? round(row.wer / original.wer, 2) : undefined,
    stoi: round(row.stoi, 3),
    log_mel_l1: round(row.melDistance, 3),
    similarity: row.similarity === null ? undefined : round(row.similarity, 3),
  };
}

/** The card entry of a TTS run (what ttsRegressions checks); RTF stays out: it measures the machine and its load. */
export function ttsCardEntry(result: TtsEvalResult): ExpectedTtsQuality {
  const rob = result.robustness;
  return {
    wer_ratio: result.werRatio === null ? undefined : round(result.werRatio, 2),
    cer_ratio: result.cerRatio === null ? undefined : round(result.cerRatio, 2),
    similarity: result.similarity === null ? undefined : round(result.similarity, 3),
    similarity_ceiling: result.realRealSimilarity === null ? undefined : round(result.realRealSimilarity, 3),
    ...(rob ? { hard: rob.total, runaway: rob.failures.runaway ?? 0, empty: rob.failures.empty ?? 0 } : {}),
  };
}

/** Sets `quality.<kind>.<setName>` in `<modelDir>/model.json` to `entry` (replacing an older one); returns the file. */
export function writeCardEntry(modelDir: string, kind: 'codec' | 'tts', setName: string, entry: ExpectedCodecQuality | ExpectedTtsQuality): string {
  const file = path.join(modelDir, 'model.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    JSON.parse(text);
  } catch (err) {
    throw new ParlaError('model_invalid', `cannot write the card into ${file}: ${(err as Error).message}`, { param: file });
  }
  const updated = setJsonPath(text, ['quality', kind, setName], entry);
  // Write beside it and rename: an interrupted write must not leave a truncated model.json.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, updated);
  renameSync(temp, file);
  return file;
}
