/**
 * Regression thresholds from the model card: `quality.codec.<set>` in model.json holds the numbers measured
 * when the model shipped; a fresh run must stay within a margin of them.
 *
 *   "quality": { "codec": { "ci-codec": { "codebooks": 8, "wer_ratio": 1.05, "stoi": 0.91, "log_mel_l1": 0.31, "similarity": 0.93 } } }
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ParlaError } from '../errors.js';
import type { CodecEvalResult } from './run-codec.js';

const expected = z.object({
  codebooks: z.number().int().positive(),
  wer_ratio: z.number().nonnegative().optional(),
  stoi: z.number().optional(),
  log_mel_l1: z.number().nonnegative().optional(),
  similarity: z.number().optional(),
});
export type ExpectedCodecQuality = z.infer<typeof expected>;

/**
 * How far a run may fall behind the card before it counts as a regression. Small CI sets are noisy:
 * on 4 sentences one extra word error moves the WER ratio by about 0.2.
 */
export const REGRESSION_MARGIN = { werRatio: 0.3, stoi: 0.03, logMelRelative: 0.1, similarity: 0.03 };

/** The card's numbers for `setName`, or null when model.json has no `quality.codec.<setName>`. */
export function readExpectedCodecQuality(modelDir: string, setName: string): ExpectedCodecQuality | null {
  const file = path.join(modelDir, 'model.json');
  if (!existsSync(file)) throw new ParlaError('model_missing', `no model.json in ${modelDir}`, { param: 'model' });
  const quality = (JSON.parse(readFileSync(file, 'utf8')) as { quality?: { codec?: Record<string, unknown> } | null }).quality;
  const entry = quality?.codec?.[setName];
  if (entry === undefined) return null;
  const parsed = expected.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ParlaError('model_invalid', `${file}: field "quality.codec.${setName}.${issue.path.join('.')}": ${issue.message}`, { param: `quality.codec.${setName}` });
  }
  return parsed.data;
}

/** Human-readable regressions of `result` against the card (empty = within the margins). */
export function codecRegressions(result: CodecEvalResult, card: ExpectedCodecQuality, margin = REGRESSION_MARGIN): string[] {
  const row = result.rows.find((r) => r.kind === 'neural' && r.codebooks === card.codebooks);
  if (!row) return [`no neural row with ${card.codebooks} codebooks in the result`];
  const original = result.rows.find((r) => r.kind === 'original');
  const failures: string[] = [];
  if (card.wer_ratio !== undefined && row.wer !== null && original?.wer) {
    const werRatio = row.wer / original.wer;
    if (werRatio > card.wer_ratio + margin.werRatio) failures.push(`WER ratio ${werRatio.toFixed(2)} > card ${card.wer_ratio} + ${margin.werRatio}`);
  }
  if (card.stoi !== undefined && row.stoi < card.stoi - margin.stoi) failures.push(`STOI ${row.stoi.toFixed(3)} < card ${card.stoi} - ${margin.stoi}`);
  if (card.log_mel_l1 !== undefined && row.melDistance > card.log_mel_l1 * (1 + margin.logMelRelative)) {
    failures.push(`log-mel L1 ${row.melDistance.toFixed(3)} > card ${card.log_mel_l1} + ${100 * margin.logMelRelative}%`);
  }
  if (card.similarity !== undefined && row.similarity !== null && row.similarity < card.similarity - margin.similarity) {
    failures.push(`similarity ${row.similarity.toFixed(3)} < card ${card.similarity} - ${margin.similarity}`);
  }
  return failures;
}
