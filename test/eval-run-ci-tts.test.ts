// CI regression subset of the TTS evaluation: ci-tts (4 Kathleen sentences + the first hard sentences) on the shipped
// language model, checked against its card; on the tiny random fixture until one ships (pipeline only: its speech is noise).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPocketsphinx } from '../src/eval/asr.js';
import { ttsEvalTable, TTS_TABLE_COLUMNS } from '../src/eval/run-report.js';
import { loadTtsEvalSet, readHardSentences } from '../src/eval/run-sets.js';
import { readExpectedTtsQuality, ttsRegressions } from '../src/eval/run-thresholds.js';
import { runTtsEval } from '../src/eval/run-tts.js';

// PARLA_CI_TTS_MODEL points the test at another model folder (a candidate export) to check it against its own card.
const shipped = path.resolve(process.env.PARLA_CI_TTS_MODEL ?? 'models/default');
const shippedManifest = path.join(shipped, 'model.json');
const hasShippedLm = existsSync(shippedManifest) && (JSON.parse(readFileSync(shippedManifest, 'utf8')) as { ar?: unknown }).ar !== undefined;
const modelDir = hasShippedLm ? shipped : path.resolve('test/fixtures/tiny-model');
const tools = findPocketsphinx() !== undefined;
if (!tools) console.warn('pocketsphinx missing (Debian packages pocketsphinx, pocketsphinx-en-us): skipping the CI TTS evaluation');

describe.skipIf(!tools)(`TTS evaluation on ci-tts (${hasShippedLm ? path.relative('.', shipped) : 'tiny fixture: no language model shipped yet'})`, () => {
  it('produces the complete table and robustness counts, and stays within the model card', { timeout: 600_000 }, async () => {
    const set = loadTtsEvalSet('ci-tts');
    expect(set.hard).toBeGreaterThan(0);
    const hard = readHardSentences().slice(0, set.hard);
    const result = await runTtsEval({ modelDir, set, hardSentences: hard });

    expect(result.set).toMatchObject({ name: 'ci-tts', utterances: set.items.length });
    expect(result.utterances.map((u) => u.id)).toEqual(set.items.map((i) => i.id));
    for (const u of result.utterances) {
      expect(u.seconds, u.id).toBeGreaterThan(0);
      expect(typeof u.transcript, u.id).toBe('string');
    }
    // Kathleen's own recordings through the same recognizer: the denominator of the ratios.
    expect(result.truth!.wer).toBeGreaterThan(0);
    expect(result.truth!.wer).toBeLessThan(0.6);
    expect(result.synthesized.wer).toBeGreaterThanOrEqual(0);
    expect(result.werRatio).toBeCloseTo(result.synthesized.wer! / result.truth!.wer, 10);
    expect(result.cerRatio).toBeCloseTo(result.synthesized.cer! / result.truth!.cer, 10);
    expect(result.speakerEncoder.available).toBe(true); // models/default/speaker_encoder.onnx is the fallback
    expect(result.similarity).not.toBeNull();
    expect(result.rtf).toBeGreaterThan(0);
    expect(Number.isFinite(result.rtf)).toBe(true);

    const rob = result.robustness!;
    expect(rob.total).toBe(hard.length);
    expect(rob.ok).toBeLessThanOrEqual(rob.total);
    expect(Object.values(rob.failures).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(rob.total - rob.ok);

    const table = ttsEvalTable(result).split('\n');
    expect(table).toHaveLength(3);
    for (const line of table) expect(line.split('|').length - 2).toBe(TTS_TABLE_COLUMNS.length);
    // Every cell is measured except the real-real ceiling, which needs a second recording of the voice (tts-zeroshot).
    const cells = table[2].split('|').slice(1, -1).map((c) => c.trim());
    cells.forEach((cell, i) => {
      if (TTS_TABLE_COLUMNS[i] === 'real-real ceiling') expect(cell).toBe('-');
      else expect(cell, TTS_TABLE_COLUMNS[i]).not.toBe('-');
    });

    if (!hasShippedLm) return; // random weights: nothing to hold the quality to
    const card = readExpectedTtsQuality(modelDir, set.name);
    if (card) expect(ttsRegressions(result, card)).toEqual([]);
    else console.warn(`${modelDir}/model.json has no quality.tts.${set.name}: pipeline checked, no quality thresholds (write them with parla eval tts --set ci-tts --write-card)`);
  });
});
