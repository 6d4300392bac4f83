import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBaselines, parseCodebookList } from '../src/eval/run-baselines.js';
import type { CodecEvalResult, CodecEvalRow } from '../src/eval/run-codec.js';
import { codecEvalTable, CODEC_TABLE_COLUMNS } from '../src/eval/run-report.js';
import { listEvalSets, loadEvalSet, recordingPath } from '../src/eval/run-sets.js';
import { codecRegressions, readExpectedCodecQuality } from '../src/eval/run-thresholds.js';
import { kathleenIsHeldout } from '../src/eval/shared-data.js';

const heldoutSpeakers = new Set(
  readFileSync('training/eval/heldout_speakers.jsonl', 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { speaker: string }).speaker),
);

describe('evaluation set definitions', () => {
  it('lists every set file', () => {
    expect(listEvalSets()).toEqual(expect.arrayContaining(['ci-codec', 'codec-kathleen', 'codec-speakers', 'tts-kathleen', 'tts-kathleen-rest', 'tts-zeroshot', 'tts-zeroshot-rest']));
  });

  it.each(['ci-codec', 'codec-kathleen', 'codec-speakers', 'tts-kathleen', 'tts-kathleen-rest', 'tts-zeroshot', 'tts-zeroshot-rest'])('%s parses, is held out and its recordings exist', (name) => {
    const set = loadEvalSet(name);
    const recordings = set.kind === 'codec' ? set.items : set.prompts;
    for (const r of recordings) {
      expect(existsSync(recordingPath(r)), recordingPath(r)).toBe(true);
      if (r.source === 'kathleen') expect(kathleenIsHeldout(r.id), r.id).toBe(true);
      else expect(heldoutSpeakers.has(r.speaker), r.speaker).toBe(true);
    }
    if (set.kind === 'tts') {
      const promptIds = new Set(set.prompts.map((p) => p.id));
      for (const item of set.items) expect(promptIds.has(item.prompt), item.prompt).toBe(true);
    }
    expect(new Set(set.items.map((i) => i.id)).size).toBe(set.items.length);
  });

  it('sizes: 30 Kathleen sentences, 20 speakers x 2, a CI subset of codec-kathleen', () => {
    const kathleen = loadEvalSet('codec-kathleen');
    const ci = loadEvalSet('ci-codec');
    const speakers = loadEvalSet('codec-speakers');
    expect(kathleen.items).toHaveLength(30);
    expect(new Set(speakers.items.map((i) => i.speaker)).size).toBe(20);
    expect(speakers.items).toHaveLength(40);
    expect(ci.items.length).toBeGreaterThanOrEqual(3);
    expect(ci.items.length).toBeLessThanOrEqual(5);
    const kathleenIds = new Set(kathleen.items.map((i) => i.id));
    for (const item of ci.items) expect(kathleenIds.has(item.id)).toBe(true);
  });

  it('tts-kathleen-rest: the held-out Kathleen sentences tts-kathleen leaves out, each once, none its prompt\'s', () => {
    const sentence = (id: string): string => /^arctic_[ab]\d+/.exec(id)![0];
    const tuned = loadEvalSet('tts-kathleen');
    const rest = loadEvalSet('tts-kathleen-rest');
    if (tuned.kind !== 'tts' || rest.kind !== 'tts') throw new Error('not tts sets');
    expect(rest.prompts).toEqual(tuned.prompts);
    const taken = new Set([...tuned.items, ...tuned.prompts].map((r) => sentence(r.id)));
    const sentences = rest.items.map((i) => sentence(i.id));
    expect(new Set(sentences).size).toBe(sentences.length);
    for (const s of sentences) expect(taken.has(s), s).toBe(false);
    for (const item of rest.items) {
      expect(item.truth?.id).toBe(item.id);
      expect(kathleenIsHeldout(item.id), item.id).toBe(true);
      expect(existsSync(recordingPath(item.truth!)), item.id).toBe(true);
    }
    // Together the two sets hold every held-out Kathleen sentence but the prompt's.
    const heldout = readFileSync('training/eval/heldout_sentences.jsonl', 'utf8').split('\n').filter((l) => l.includes('"kathleen"'));
    const all = new Set(heldout.map((l) => sentence((JSON.parse(l) as { id: string }).id.replace(/^kathleen-/, ''))));
    expect(all.size - 1).toBe(tuned.items.length + rest.items.length);
  });

  it('tts-zeroshot-rest: tts-zeroshot\'s speakers and references, other prompts, and other texts for each speaker', () => {
    const tuned = loadEvalSet('tts-zeroshot');
    const rest = loadEvalSet('tts-zeroshot-rest');
    if (tuned.kind !== 'tts' || rest.kind !== 'tts') throw new Error('not tts sets');
    const tunedPrompts = new Set(tuned.items.map((i) => i.prompt));
    const bySpeaker = new Map(tuned.items.map((i) => [i.speaker, i]));
    expect(rest.items).toHaveLength(tuned.items.length);
    for (const item of rest.items) {
      const before = bySpeaker.get(item.speaker)!;
      expect(before, item.speaker).toBeDefined();
      expect(item.reference).toBe(before.reference);
      expect(tunedPrompts.has(item.prompt), item.prompt).toBe(false);
      expect(item.prompt).not.toBe(item.reference);
      expect(item.truth!.id).not.toBe(before.truth!.id);
      expect(item.truth!.source).toBe('kathleen');
      expect(kathleenIsHeldout(item.truth!.id), item.truth!.id).toBe(true);
    }
  });

  it('hard-sentences.txt holds 100 distinct sentences, among them one-word and 40-word ones', () => {
    const lines = readFileSync('training/eval/hard-sentences.txt', 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(100);
    expect(new Set(lines).size).toBe(100);
    const words = lines.map((l) => l.split(/\s+/).length);
    expect(words.filter((n) => n === 1).length).toBeGreaterThanOrEqual(10);
    expect(words.filter((n) => n >= 40).length).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['nope', /unknown evaluation set "nope".*sets: .*ci-codec/],
    ['test/fixtures/tiny-model/model.json', /field "kind"/],
  ])('rejects %s clearly', (name, message) => {
    expect(() => loadEvalSet(name)).toThrow(message);
  });
});

describe('option parsing', () => {
  it.each([
    ['1,2,4,8', [1, 2, 4, 8]],
    ['8,1,8', [1, 8]],
  ])('codebooks %s', (value, expected) => expect(parseCodebookList(value, 8)).toEqual(expected));
  it.each(['0', '9', '1,x', ''])('rejects codebooks "%s"', (value) => expect(() => parseCodebookList(value, 8)).toThrow(/--codebooks must be/));
  it.each([
    ['opus6,opus12,codec2', ['opus6', 'opus12', 'codec2']],
    ['none', []],
  ])('baselines %s', (value, expected) => expect(parseBaselines(value)).toEqual(expected));
  it('rejects an unknown baseline, listing the valid ones', () => expect(() => parseBaselines('opus6,mp3')).toThrow(/unknown baseline "mp3".*opus12/));
});

function row(name: string, kind: CodecEvalRow['kind'], codebooks: number | null, wer: number, stoi: number, mel: number): CodecEvalRow {
  return { name, kind, kbps: codebooks && codebooks / 2, codebooks, rtf: 0.01, wer, cer: wer / 2, stoi, melDistance: mel, melDistanceNarrow: mel, similarity: null, utterances: [] };
}
const result = (neural: CodecEvalRow): CodecEvalResult => ({
  kind: 'codec', model: { id: 'm', dir: '.' }, set: { name: 'ci-codec', description: '', utterances: 4, seconds: 7, intelligibility: true },
  date: '2026-11-25T00:00:00Z', machine: { cpuModel: 'x', cpus: 2, loadAverage: [0, 0, 0], totalMemoryGiB: 1, platform: '', node: '' }, threads: 2,
  speakerEncoder: { available: false, reason: 'none' }, realRealSimilarity: null, rows: [row('original', 'original', null, 0.2, 1, 0), neural],
});

describe('regression thresholds from the model card', () => {
  const card = { codebooks: 8, wer_ratio: 1.0, stoi: 0.9, log_mel_l1: 0.3 };
  it.each([
    ['at the card', row('m 8 cb', 'neural', 8, 0.2, 0.9, 0.3), []],
    ['within the margins', row('m 8 cb', 'neural', 8, 0.25, 0.88, 0.32), []],
    ['worse WER', row('m 8 cb', 'neural', 8, 0.3, 0.9, 0.3), [/WER ratio 1.50/]],
    ['worse STOI and mel', row('m 8 cb', 'neural', 8, 0.2, 0.85, 0.4), [/STOI 0.850/, /log-mel L1 0.400/]],
    ['no 8-codebook row', row('m 4 cb', 'neural', 4, 0.2, 0.9, 0.3), [/no neural row with 8 codebooks/]],
  ])('%s', (_, neural, expected) => {
    const failures = codecRegressions(result(neural), card);
    expect(failures).toHaveLength(expected.length);
    expected.forEach((re, i) => expect(failures[i]).toMatch(re));
  });

  it('reads quality.codec.<set> from model.json, null when absent, and names a bad field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parla-eval-card-'));
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ quality: null }));
    expect(readExpectedCodecQuality(dir, 'ci-codec')).toBeNull();
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ quality: { codec: { 'ci-codec': card } } }));
    expect(readExpectedCodecQuality(dir, 'ci-codec')).toEqual(card);
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ quality: { codec: { 'ci-codec': { codebooks: 'eight' } } } }));
    expect(() => readExpectedCodecQuality(dir, 'ci-codec')).toThrow(/quality.codec.ci-codec.codebooks/);
  });

  it('table has one line per row and the documented columns', () => {
    const lines = codecEvalTable(result(row('m 8 cb', 'neural', 8, 0.3, 0.9, 0.3))).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(`| ${CODEC_TABLE_COLUMNS.join(' | ')} |`);
    expect(lines[3]).toBe('| m 8 cb | 4 | 30.0% | 1.50 | 15.0% | 1.50 | 0.900 | 0.300 | 0.300 | - | 0.010 |');
  });
});

describe('set files carry ids, not corpus text', () => {
  it('fills recordings\' and TTS items\' text from the corpora\'s metadata by id', () => {
    const kathleen = loadEvalSet('codec-kathleen');
    expect(kathleen.items.every((i) => i.text.length > 0)).toBe(true);
    expect(kathleen.items.find((i) => i.id === 'arctic_a0004_1592748478')?.text).toBe("Lord, but I'm glad to see you again, Phil.");
    const zeroShot = loadEvalSet('tts-zeroshot');
    if (zeroShot.kind !== 'tts') throw new Error('tts-zeroshot is a tts set');
    expect(zeroShot.prompts.every((p) => p.text === p.text.toLowerCase())).toBe(true); // speechocean762, lower-cased like the corpus
    expect(zeroShot.items.every((i) => i.text.length > 0)).toBe(true);
  });

  it('no committed set or held-out list holds a transcript', () => {
    for (const file of readdirSync('training/eval').filter((f) => /\.(json|jsonl)$/.test(f))) {
      expect(readFileSync(`training/eval/${file}`, 'utf8'), file).not.toMatch(/"text"|"normalized"/);
    }
  });

  it('an item with neither text nor a truth recording is refused, naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parla-set-'));
    writeFileSync(path.join(dir, 'x.json'), JSON.stringify({ name: 'x', kind: 'tts', description: 'd', intelligibility: true, prompts: [{ id: 'arctic_a0004_1592748478', source: 'kathleen', speaker: 'kathleen' }], items: [{ id: 'lonely', speaker: 'kathleen', prompt: 'arctic_a0004_1592748478' }] }));
    expect(() => loadEvalSet('x', dir)).toThrow(/lonely has neither text nor a truth recording/);
  });
});
