/**
 * Regression thresholds from the model card: `quality.codec.<set>` and `quality.tts.<set>` in model.json hold the
 * numbers measured when the model shipped (written by `parla eval codec|tts --write-card`); a fresh run must stay
 * within a margin of them.
 *
 *   "quality": {
 *     "codec": { "ci-codec": { "codebooks": 8, "wer_ratio": 1.05, "stoi": 0.91, "log_mel_l1": 0.31, "similarity": 0.93 } },
 *     "tts": { "ci-tts": { "wer_ratio": 1.4, "cer_ratio": 1.3, "similarity": 0.62, "hard": 5, "runaway": 0, "empty": 0 } }
 *   }
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ParlaError } from '../errors.js';
import type { CodecEvalResult } from './run-codec.js';
import type { TtsEvalResult } from './run-tts.js';

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

/** `quality.<kind>.<setName>` of `<modelDir>/model.json` checked against `schema`; null when absent. A bad field is named. */
function readCardEntry<T>(modelDir: string, kind: 'codec' | 'tts', setName: string, schema: z.ZodType<T>): T | null {
  const file = path.join(modelDir, 'model.json');
  if (!existsSync(file)) throw new ParlaError('model_missing', `no model.json in ${modelDir}`, { param: 'model' });
  let manifest: { quality?: Record<string, Record<string, unknown> | null | undefined> | null };
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as typeof manifest;
  } catch (err) {
    throw new ParlaError('model_invalid', `${file} is not valid JSON: ${(err as Error).message}`, { param: file });
  }
  const entry = manifest.quality?.[kind]?.[setName];
  if (entry === undefined) return null;
  const parsed = schema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // An unknown key (a misspelt threshold would silently check nothing) has no path of its own: name the key.
    const field = [...issue.path, ...(issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [])].join('.');
    throw new ParlaError('model_invalid', `${file}: field "quality.${kind}.${setName}${field ? `.${field}` : ''}": ${issue.message}`, { param: `quality.${kind}.${setName}` });
  }
  return parsed.data;
}

/** The card's numbers for `setName`, or null when model.json has no `quality.codec.<setName>`. */
export function readExpectedCodecQuality(modelDir: string, setName: string): ExpectedCodecQuality | null {
  return readCardEntry(modelDir, 'codec', setName, expected);
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

const count = z.number().int().nonnegative();
const expectedTts = z
  .object({
    /** Synthesized WER / WER of the real recordings of the same sentences (TtsEvalResult.werRatio). */
    wer_ratio: z.number().nonnegative().optional(),
    cer_ratio: z.number().nonnegative().optional(),
    /** Mean speaker similarity of the outputs to the voice's real recording (TtsEvalResult.similarity). */
    similarity: z.number().min(-1).max(1).optional(),
    /** Mean similarity between two real utterances of one speaker (TtsEvalResult.realRealSimilarity): what cloning can reach. */
    similarity_ceiling: z.number().min(-1).max(1).optional(),
    /** How many hard sentences the robustness counts below were measured on (TtsEvalResult.robustness.total). */
    hard: count.optional(),
    /** Robustness failures on those sentences (TtsEvalResult.robustness.failures). */
    runaway: count.optional(),
    empty: count.optional(),
  })
  .strict()
  .superRefine((card, ctx) => {
    if ((card.runaway !== undefined || card.empty !== undefined) && card.hard === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['hard'], message: 'runaway/empty counts need the number of hard sentences they were counted on' });
    }
    for (const key of ['runaway', 'empty'] as const) {
      const n = card[key];
      if (n !== undefined && card.hard !== undefined && n > card.hard) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `${n} failures out of ${card.hard} hard sentences` });
    }
  });
export type ExpectedTtsQuality = z.infer<typeof expectedTts>;

/**
 * How far a TTS run may fall behind its card. ci-tts has 4 sentences, about 20 words; pocketsphinx makes 8 word errors
 * on the real recordings of them, so each extra word error in the synthesized audio adds 1/8 = 0.125 to the WER ratio,
 * and one sentence lost whole (4-6 words) adds 0.5-0.75. Sampling is seeded and a run is reproducible on one machine
 * (identical numbers at 1 and 2 threads), but another CPU or onnxruntime build rounds differently, and one changed
 * token sends the rest of a sentence elsewhere: the spread is that of another seed. A margin of 0.75 (6 word errors:
 * a whole sentence lost plus one) does not fail on that, and still fails a model that stops being intelligible (all
 * 20 words wrong is a ratio of 2.5). Characters: 0.5 (CER moves in smaller steps). Similarity over 4 outputs varies
 * more than the codec's resynthesis: 0.05. Runaway and empty outputs are gross failures, not noise: no more than the
 * card, no margin. Too-short, silent, clipped and looped outputs are reported, not checked: on one-word sentences
 * those detectors are borderline.
 */
export const TTS_REGRESSION_MARGIN = { werRatio: 0.75, cerRatio: 0.5, similarity: 0.05 };

/** The card's TTS numbers for `setName`, or null when model.json has no `quality.tts.<setName>`. */
export function readExpectedTtsQuality(modelDir: string, setName: string): ExpectedTtsQuality | null {
  return readCardEntry(modelDir, 'tts', setName, expectedTts);
}

/**
 * Human-readable regressions of a TTS run against its card (empty = within the margins). A number the card has
 * but the run could not measure (no speaker encoder, robustness skipped or on another count of sentences) is a
 * failure too: a check that silently stops checking guards nothing.
 */
export function ttsRegressions(result: TtsEvalResult, card: ExpectedTtsQuality, margin = TTS_REGRESSION_MARGIN): string[] {
  const failures: string[] = [];
  const above = (name: string, measured: number | null, limit: number | undefined, plus: number): void => {
    if (limit === undefined) return;
    if (measured === null) failures.push(`${name} not measured (card ${limit})`);
    else if (measured > limit + plus) failures.push(`${name} ${measured.toFixed(2)} > card ${limit} + ${plus}`);
  };
  above('WER ratio', result.werRatio, card.wer_ratio, margin.werRatio);
  above('CER ratio', result.cerRatio, card.cer_ratio, margin.cerRatio);
  if (card.similarity !== undefined) {
    if (result.similarity === null) failures.push(`similarity not measured (card ${card.similarity}${result.speakerEncoder.reason ? `; ${result.speakerEncoder.reason}` : ''})`);
    else if (result.similarity < card.similarity - margin.similarity) failures.push(`similarity ${result.similarity.toFixed(3)} < card ${card.similarity} - ${margin.similarity}`);
  }
  if (card.hard !== undefined && (card.runaway !== undefined || card.empty !== undefined)) {
    const rob = result.robustness;
    if (!rob) failures.push(`robustness not run (card counts failures on ${card.hard} hard sentences)`);
    else if (rob.total !== card.hard) failures.push(`robustness ran on ${rob.total} hard sentences, the card's counts are on ${card.hard}`);
    else {
      for (const key of ['runaway', 'empty'] as const) {
        const limit = card[key];
        const n = rob.failures[key] ?? 0;
        if (limit !== undefined && n > limit) failures.push(`${n} ${key} outputs of ${rob.total} hard sentences > card ${limit}`);
      }
    }
  }
  return failures;
}
