// The TTS model card: the ci-tts set, quality.tts thresholds (reading, regressions), and writing measured numbers
// into model.json with `parla eval codec|tts --write-card` without disturbing the rest of the file.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { findPocketsphinx } from '../src/eval/asr.js';
import { relayoutJson, setJsonPath } from '../src/eval/json-layout.js';
import { codecCardEntry, ttsCardEntry, writeCardEntry } from '../src/eval/run-card.js';
import type { CodecEvalResult } from '../src/eval/run-codec.js';
import { loadCodecEvalSet, loadTtsEvalSet, recordingPath } from '../src/eval/run-sets.js';
import { readExpectedCodecQuality, readExpectedTtsQuality, ttsRegressions, TTS_REGRESSION_MARGIN, type ExpectedTtsQuality } from '../src/eval/run-thresholds.js';
import type { TtsEvalResult } from '../src/eval/run-tts.js';
import { kathleenIsHeldout } from '../src/eval/shared-data.js';

const tmp = (prefix: string): string => mkdtempSync(path.join(tmpdir(), prefix));

afterEach(() => {
  process.exitCode = 0;
});

describe('the ci-tts set', () => {
  it('is 4 held-out sentences of tts-kathleen with its prompt (those of ci-codec), robustness on the first 5 hard sentences', () => {
    const ci = loadTtsEvalSet('ci-tts');
    const full = loadTtsEvalSet('tts-kathleen');
    expect(ci.items).toHaveLength(4);
    expect(ci.hard).toBe(5);
    expect(ci.prompts).toEqual(full.prompts);
    for (const item of ci.items) expect(full.items.find((i) => i.id === item.id), item.id).toEqual(item);
    expect(ci.items.map((i) => i.id)).toEqual(loadCodecEvalSet('ci-codec').items.map((i) => i.id));
    for (const r of [...ci.prompts, ...ci.items.map((i) => ({ ...i.truth!, speaker: i.speaker, text: i.text }))]) {
      expect(kathleenIsHeldout(r.id), r.id).toBe(true);
      expect(existsSync(recordingPath(r)), recordingPath(r)).toBe(true);
    }
  });

  it('a set with a bad hard count is refused, naming the field', () => {
    const dir = tmp('parla-set-hard-');
    const set = JSON.parse(readFileSync('training/eval/ci-tts.json', 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'x.json'), JSON.stringify({ ...set, hard: -1 }));
    expect(() => loadTtsEvalSet('x', dir)).toThrow(/field "hard"/);
  });
});

function ttsResult(over: Partial<TtsEvalResult> = {}): TtsEvalResult {
  return {
    kind: 'tts', model: { id: 'm', dir: '.' }, set: { name: 'ci-tts', description: '', utterances: 4 }, date: '2026-11-25T00:00:00Z',
    machine: { cpuModel: 'x', cpus: 2, loadAverage: [0, 0, 0], totalMemoryGiB: 1, platform: '', node: '' }, seed: 1, temperature: null, ras: true,
    truth: { wer: 0.4, cer: 0.2 }, synthesized: { wer: 0.6, cer: 0.3 }, werRatio: 1.5, cerRatio: 1.5,
    speakerEncoder: { available: true, path: 'enc.onnx' }, similarity: 0.6, realRealSimilarity: null, rtf: 0.2,
    robustness: { total: 5, ok: 5, failures: {} }, utterances: [],
    ...over,
  };
}

describe('TTS regression thresholds', () => {
  const card: ExpectedTtsQuality = { wer_ratio: 1.5, cer_ratio: 1.5, similarity: 0.6, hard: 5, runaway: 0, empty: 0 };
  const m = TTS_REGRESSION_MARGIN;
  it.each<[string, Partial<TtsEvalResult>, RegExp[]]>([
    ['at the card', {}, []],
    ['at the edge of every margin', { werRatio: 1.5 + m.werRatio, cerRatio: 1.5 + m.cerRatio, similarity: 0.6 - m.similarity + 1e-9 }, []],
    ['better than the card', { werRatio: 0.9, cerRatio: 0.8, similarity: 0.8 }, []],
    ['worse WER and CER ratio', { werRatio: 1.5 + m.werRatio + 0.01, cerRatio: 3 }, [/^WER ratio 2\.26 > card 1\.5 \+ 0\.75$/, /^CER ratio 3\.00 > card 1\.5/]],
    ['lower similarity', { similarity: 0.5 }, [/^similarity 0\.500 < card 0\.6 - 0\.05$/]],
    ['a runaway and an empty output', { robustness: { total: 5, ok: 3, failures: { runaway: 1, empty: 1, too_short: 1 } } }, [/^1 runaway outputs of 5 hard sentences > card 0$/, /^1 empty outputs/]],
    ['too_short, silent and looped outputs are reported, not held to the card', { robustness: { total: 5, ok: 2, failures: { too_short: 1, silent: 1, looped: 1 } } }, []],
    ['no speaker encoder', { similarity: null, speakerEncoder: { available: false, reason: 'no speaker encoder at x' } }, [/^similarity not measured \(card 0\.6; no speaker encoder at x\)$/]],
    ['no WER ratio', { werRatio: null }, [/^WER ratio not measured/]],
    ['robustness skipped', { robustness: null }, [/^robustness not run \(card counts failures on 5 hard sentences\)$/]],
    ['robustness on another count', { robustness: { total: 100, ok: 100, failures: {} } }, [/^robustness ran on 100 hard sentences, the card's counts are on 5$/]],
  ])('%s', (_, over, expected) => {
    const failures = ttsRegressions(ttsResult(over), card);
    expect(failures).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(failures[i]).toMatch(re));
  });

  it('checks only what the card holds', () => {
    expect(ttsRegressions(ttsResult({ werRatio: 9, similarity: null, robustness: null }), { cer_ratio: 2 })).toEqual([]);
    expect(ttsRegressions(ttsResult({ robustness: { total: 5, ok: 0, failures: { runaway: 5 } } }), { hard: 5, empty: 0 })).toEqual([]);
  });

  it('reads quality.tts.<set>; null when absent; a bad, unknown or inconsistent field is named', () => {
    const dir = tmp('parla-tts-card-');
    const write = (quality: unknown): void => writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ id: 'x', quality }));
    write(null);
    expect(readExpectedTtsQuality(dir, 'ci-tts')).toBeNull();
    write({ codec: { 'ci-codec': { codebooks: 8 } } });
    expect(readExpectedTtsQuality(dir, 'ci-tts')).toBeNull();
    write({ tts: { 'ci-tts': card } });
    expect(readExpectedTtsQuality(dir, 'ci-tts')).toEqual(card);
    expect(readExpectedTtsQuality(dir, 'tts-kathleen')).toBeNull();
    const bad: [unknown, RegExp][] = [
      [{ ...card, wer_ratio: 'high' }, /model\.json: field "quality\.tts\.ci-tts\.wer_ratio": .*number/],
      [{ ...card, similarity: 1.5 }, /field "quality\.tts\.ci-tts\.similarity"/],
      [{ ...card, runaway: 0.5 }, /field "quality\.tts\.ci-tts\.runaway"/],
      [{ ...card, wer_ration: 1.2 }, /field "quality\.tts\.ci-tts\.wer_ration": .*[Uu]nrecognized/],
      [{ runaway: 0 }, /field "quality\.tts\.ci-tts\.hard": runaway\/empty counts need the number of hard sentences/],
      [{ hard: 5, empty: 6 }, /field "quality\.tts\.ci-tts\.empty": 6 failures out of 5 hard sentences/],
    ];
    for (const [entry, message] of bad) {
      write({ tts: { 'ci-tts': entry } });
      expect(() => readExpectedTtsQuality(dir, 'ci-tts')).toThrow(message);
    }
    writeFileSync(path.join(dir, 'model.json'), '{ "quality": ');
    expect(() => readExpectedTtsQuality(dir, 'ci-tts')).toThrow(/model\.json is not valid JSON/);
    expect(() => readExpectedTtsQuality(tmp('parla-empty-'), 'ci-tts')).toThrow(/no model\.json in/);
  });
});

describe('card entries from results', () => {
  it('TTS: ratios to 2 decimals, similarity and its real-real ceiling to 3, robustness counts; unmeasured numbers left out', () => {
    const result = ttsResult({ werRatio: 1.23456, cerRatio: 0.98765, similarity: 0.612345, realRealSimilarity: 0.62449, robustness: { total: 5, ok: 3, failures: { runaway: 1, too_short: 1 } } });
    expect(ttsCardEntry(result)).toEqual({ wer_ratio: 1.23, cer_ratio: 0.99, similarity: 0.612, similarity_ceiling: 0.624, hard: 5, runaway: 1, empty: 0 });
    const sparse = ttsCardEntry(ttsResult({ werRatio: null, cerRatio: null, similarity: null, realRealSimilarity: null, robustness: null }));
    expect(JSON.parse(JSON.stringify(sparse))).toEqual({});
    // the entry passes the reader's own checks, so a written card can be checked against
    const dir = tmp('parla-tts-entry-');
    writeFileSync(path.join(dir, 'model.json'), '{"quality": null}');
    writeCardEntry(dir, 'tts', 'ci-tts', ttsCardEntry(result));
    expect(readExpectedTtsQuality(dir, 'ci-tts')).toEqual(ttsCardEntry(result));
    expect(ttsRegressions(result, readExpectedTtsQuality(dir, 'ci-tts')!)).toEqual([]);
  });

  it('codec: the neural row with the most codebooks, WER as a ratio to the originals', () => {
    const row = (name: string, kind: 'original' | 'neural', codebooks: number | null, wer: number, stoi: number, sim: number | null) => ({
      name, kind, kbps: null, codebooks, rtf: 0.01, wer, cer: wer, stoi, melDistance: 0.51234, melDistanceNarrow: 0.4, similarity: sim, utterances: [],
    });
    const result: CodecEvalResult = {
      kind: 'codec', model: { id: 'm', dir: '.' }, set: { name: 'ci-codec', description: '', utterances: 4, seconds: 7, intelligibility: true }, date: '', threads: 2,
      machine: ttsResult().machine, speakerEncoder: { available: true }, realRealSimilarity: null,
      rows: [row('original', 'original', null, 0.4, 1, 1), row('m 8 cb', 'neural', 8, 0.3, 0.84156, 0.7644), row('m 4 cb', 'neural', 4, 0.6, 0.7, 0.6)],
    };
    expect(codecCardEntry(result)).toEqual({ codebooks: 8, wer_ratio: 0.75, stoi: 0.842, log_mel_l1: 0.512, similarity: 0.764 });
  });
});

/** Lines of `before` and `after` that differ: after the common prefix and suffix. */
function changedLines(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  return { removed: a.slice(start, a.length - end), added: b.slice(start, b.length - end) };
}

describe('writing the card into model.json', () => {
  const entry = { wer_ratio: 1.4, cer_ratio: 1.3, similarity: 0.62, hard: 5, runaway: 0, empty: 0 };

  it.each(['models/default/model.json', 'test/fixtures/tiny-model/model.json'])('%s is reproduced byte for byte by the layout it is read with', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(relayoutJson(text)).toBe(text);
  });

  // What training/codec/export.py writes (json.dump(obj, f, indent=1)), cut down; generated with Python 3.
  const codecExport = [
    '{',
    ' "format": "parla-model",',
    ' "id": "codec-x",',
    ' "codec": {',
    '  "id": "codec-x",',
    '  "encoder": {',
    '   "file": "codec_encoder.onnx"',
    '  }',
    ' },',
    ' "training": {',
    '  "codec": {',
    '   "config": {',
    '    "strides": [',
    '     2,',
    '     4,',
    '     5,',
    '     8',
    '    ],',
    '    "ema_decay": 0.99,',
    '    "split_step": 0.2',
    '   },',
    '   "best_eval": 0.5424',
    '  }',
    ' },',
    ' "quality": {',
    '  "codec": {',
    '   "ci-codec": {',
    '    "codebooks": 8,',
    '    "wer_ratio": 0.75,',
    '    "stoi": 0.842',
    '   }',
    '  }',
    ' },',
    ' "description": "Codec only."',
    '}',
  ].join('\n');

  it('codec export layout (indent 1, multi-line lists, no final newline): adds quality.tts after quality.codec, every other line unchanged', () => {
    const dir = tmp('parla-card-codec-');
    writeFileSync(path.join(dir, 'model.json'), codecExport);
    writeCardEntry(dir, 'tts', 'ci-tts', entry);
    const after = readFileSync(path.join(dir, 'model.json'), 'utf8');
    const block = ['  "tts": {', '   "ci-tts": {', '    "wer_ratio": 1.4,', '    "cer_ratio": 1.3,', '    "similarity": 0.62,', '    "hard": 5,', '    "runaway": 0,', '    "empty": 0', '   }', '  }'].join('\n');
    expect(after).toBe(codecExport.replace('    "stoi": 0.842\n   }\n  }\n },', `    "stoi": 0.842\n   }\n  },\n${block}\n },`));
    const original = JSON.parse(codecExport) as Record<string, unknown> & { quality: Record<string, unknown> };
    expect(Object.keys(JSON.parse(after) as object)).toEqual(Object.keys(original));
    expect(readExpectedCodecQuality(dir, 'ci-codec')).toEqual({ codebooks: 8, wer_ratio: 0.75, stoi: 0.842 });

    // writing again replaces the entry where it stands
    writeCardEntry(dir, 'tts', 'ci-tts', { ...entry, wer_ratio: 1.1 });
    expect(readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe(after.replace('"wer_ratio": 1.4,', '"wer_ratio": 1.1,'));
  });

  it('LM export layout (indent 2, one-line lists, "quality": null): only the quality line changes', () => {
    const dir = tmp('parla-card-lm-');
    cpSync('test/fixtures/tiny-model/model.json', path.join(dir, 'model.json'));
    const before = readFileSync(path.join(dir, 'model.json'), 'utf8');
    writeCardEntry(dir, 'codec', 'ci-codec', { codebooks: 8, wer_ratio: 1.2, stoi: 0.8 });
    const after = readFileSync(path.join(dir, 'model.json'), 'utf8');
    expect(changedLines(before, after)).toEqual({
      removed: ['  "quality": null'],
      added: ['  "quality": {', '    "codec": {', '      "ci-codec": {', '        "codebooks": 8,', '        "wer_ratio": 1.2,', '        "stoi": 0.8', '      }', '    }', '  }'],
    });
    expect(after.endsWith('}\n')).toBe(before.endsWith('}\n'));
    expect(readExpectedCodecQuality(dir, 'ci-codec')).toEqual({ codebooks: 8, wer_ratio: 1.2, stoi: 0.8 });
  });

  it("keeps Python's number and string spellings and its ASCII escapes", () => {
    const python = '{\n "a": 1.0,\n "b": 1e-05,\n "c": "caf\\u00e9 \\"q\\"",\n "d": [],\n "e": {},\n "f": [\n  1,\n  2\n ]\n}';
    expect(relayoutJson(python)).toBe(python);
    const withCard = setJsonPath(python, ['quality', 'tts', 'café'], { x: 0.5 });
    expect(withCard).toBe(python.slice(0, -2) + ',\n "quality": {\n  "tts": {\n   "caf\\u00e9": {\n    "x": 0.5\n   }\n  }\n }\n}');
    const utf8 = '{\n  "symbols": ["ə", "ɪ"],\n  "quality": {}\n}\n';
    expect(relayoutJson(utf8)).toBe(utf8);
    expect(setJsonPath(utf8, ['quality', 'tts'], { 'é': [1, 2] })).toBe('{\n  "symbols": ["ə", "ɪ"],\n  "quality": {\n    "tts": {\n      "é": [1, 2]\n    }\n  }\n}\n');
  });

  it('refuses a model.json that is not JSON, naming it', () => {
    const dir = tmp('parla-card-bad-');
    writeFileSync(path.join(dir, 'model.json'), '{ "id": ');
    expect(() => writeCardEntry(dir, 'tts', 'ci-tts', entry)).toThrow(/cannot write the card into .*model\.json/);
    expect(readFileSync(path.join(dir, 'model.json'), 'utf8')).toBe('{ "id": ');
  });
});

describe('parla eval codec|tts --write-card and --check', () => {
  const fixture = 'test/fixtures/tiny-model';
  const copyFixture = (): string => {
    const dir = tmp('parla-card-model-');
    cpSync(fixture, dir, { recursive: true });
    return dir;
  };

  it.each([
    [['eval', 'tts', '-m', fixture, '--set', 'ci-tts', '--limit', '2', '--write-card'], /--write-card records the whole set: leave out --limit/],
    [['eval', 'codec', '-m', fixture, '--set', 'ci-codec', '--limit', '2', '--write-card'], /--write-card records the whole set: leave out --limit/],
    [['eval', 'tts', '-m', fixture, '--set', 'ci-tts', '--check'], /--check: .*model\.json has no quality\.tts\.ci-tts to check against/],
  ])('fails clearly before running: %j', async (args, message) => {
    const { err, code } = await runCli(...args);
    expect(code).toBe(1);
    expect(err).toMatch(message);
  });

  it.skipIf(!findPocketsphinx())('eval tts --write-card writes the run\'s numbers into a copy of the model; --check then passes', { timeout: 300_000 }, async () => {
    const model = copyFixture();
    const before = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8')) as Record<string, unknown>;
    const out = tmp('parla-card-out-');
    // ci-tts cut to 2 sentences and 2 hard ones (the set's own "hard"), to keep the two runs short
    const set = JSON.parse(readFileSync('training/eval/ci-tts.json', 'utf8')) as { items: unknown[] };
    const setFile = path.join(tmp('parla-card-set-'), 'ci-tts.json');
    writeFileSync(setFile, JSON.stringify({ ...set, hard: 2, items: set.items.slice(0, 2) }));
    const first = await runCli('eval', 'tts', '-m', model, '--set', setFile, '--out', out, '--write-card');
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/wrote quality\.tts\.ci-tts = \{.*\} into .*model\.json/);
    const result = JSON.parse(readFileSync(path.join(out, readdirSync(out).find((f) => f.endsWith('.json'))!), 'utf8')) as TtsEvalResult;
    const after = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(after).toEqual({ ...before, quality: { tts: { 'ci-tts': JSON.parse(JSON.stringify(ttsCardEntry(result))) } } });
    expect(result.set.utterances).toBe(2);
    expect(readExpectedTtsQuality(model, 'ci-tts')).toMatchObject({ hard: 2, wer_ratio: Number(result.werRatio!.toFixed(2)) });

    // the same run (same seed) reproduces the card
    const check = await runCli('eval', 'tts', '-m', model, '--set', setFile, '--out', out, '--check');
    expect(check.code, check.err).toBe(0);
    expect(check.err).toMatch(/within the model card's margins on ci-tts/);
  });

  it.skipIf(!findPocketsphinx())('eval codec --write-card writes quality.codec.<set> and keeps the rest', { timeout: 300_000 }, async () => {
    const model = copyFixture();
    const before = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8')) as Record<string, unknown>;
    const { code, err } = await runCli('eval', 'codec', '-m', model, '--set', 'ci-codec', '--codebooks', '2,8', '--baselines', 'none', '--out', tmp('parla-card-out-'), '--write-card');
    expect(code, err).toBe(0);
    const card = readExpectedCodecQuality(model, 'ci-codec')!;
    expect(card.codebooks).toBe(8);
    expect(card.stoi).toBeGreaterThan(0);
    expect(card.wer_ratio).toBeGreaterThanOrEqual(0);
    const after = JSON.parse(readFileSync(path.join(model, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect({ ...after, quality: null }).toEqual(before);
  });
});
