// CI regression subset: the codec evaluation on ci-codec with the shipped codec (the tiny fixture until one ships).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPocketsphinx } from '../src/eval/asr.js';
import { runCodecEval } from '../src/eval/run-codec.js';
import { codecEvalTable, CODEC_TABLE_COLUMNS } from '../src/eval/run-report.js';
import { loadCodecEvalSet } from '../src/eval/run-sets.js';
import { codecRegressions, readExpectedCodecQuality } from '../src/eval/run-thresholds.js';
import { findOnPath } from '../src/eval/tools.js';

const shipped = path.resolve('models/default');
const hasShippedCodec = existsSync(path.join(shipped, 'model.json')) && existsSync(path.join(shipped, 'codec_decoder.onnx'));
const modelDir = hasShippedCodec ? shipped : path.resolve('test/fixtures/tiny-model');
const tools = findPocketsphinx() !== undefined && findOnPath('c2enc') !== undefined;
if (!tools) console.warn('pocketsphinx or codec2 missing (Debian packages pocketsphinx, pocketsphinx-en-us, codec2): skipping the CI codec evaluation');

describe.skipIf(!tools)(`codec evaluation on ci-codec (${hasShippedCodec ? 'models/default' : 'tiny fixture: no codec shipped yet'})`, () => {
  it('produces the complete table and stays within the model card', { timeout: 600_000 }, async () => {
    const set = loadCodecEvalSet('ci-codec');
    const result = await runCodecEval({ modelDir, set, baselines: ['opus6', 'opus12', 'codec2'] });
    const id = result.model.id;
    expect(result.rows.map((r) => r.name)).toEqual(['original', `${id} 1 cb`, `${id} 2 cb`, `${id} 4 cb`, `${id} 8 cb`, 'Opus 6 kbps', 'Opus 12 kbps', 'Codec2 3.2 kbps']);
    expect(result.set.utterances).toBe(set.items.length);
    for (const r of result.rows) {
      expect(r.utterances).toHaveLength(set.items.length);
      expect(r.wer).toBeGreaterThanOrEqual(0);
      expect(r.stoi).toBeGreaterThan(0);
      expect(r.stoi).toBeLessThanOrEqual(1.000001);
      if (r.kind !== 'original') expect(r.rtf).toBeGreaterThan(0);
    }
    const [original] = result.rows;
    expect(original.stoi).toBeCloseTo(1, 5);
    expect(original.melDistance).toBe(0);
    expect(original.wer).toBeLessThan(0.6); // pocketsphinx reads Kathleen at about 20-40% WER
    const opus12 = result.rows.find((r) => r.name === 'Opus 12 kbps')!;
    expect(opus12.stoi).toBeGreaterThan(0.9);

    const table = codecEvalTable(result).split('\n');
    expect(table).toHaveLength(2 + result.rows.length);
    for (const line of table) expect(line.split('|').length - 2).toBe(CODEC_TABLE_COLUMNS.length);

    const card = readExpectedCodecQuality(modelDir, set.name);
    if (card) expect(codecRegressions(result, card)).toEqual([]);
    else console.warn(`${modelDir}/model.json has no quality.codec.${set.name}: pipeline checked, no quality thresholds`);
  });
});
