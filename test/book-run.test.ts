/** The book synthesis loop on the real fixture engine: chunk plan, derived seeds, the quality gate catching injected bad chunks, retries, failure list. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/decode.js';
import { planChapters } from '../src/book/book-plan.js';
import { DEFAULT_PAUSES } from '../src/book/chapter-assembly.js';
import { chunkSeed, GREEDY_RETRY_TEMPERATURE, synthesizeChunk, type ChunkEngine } from '../src/book/chunk-synth.js';
import { BookJob } from '../src/book/journal.js';
import { runBook, type BookRunOptions } from '../src/book/job-runner.js';
import { createProgress, SpeedMeter } from '../src/book/progress.js';
import { defaultGateChecks, gateChunk, GATE_CHECKS, parseGateChecks, type GateCheck } from '../src/book/quality-gate.js';
import type { Chapter } from '../src/book/types.js';
import { Synthesizer, type LoadedModel, type SynthesisOptions, type SynthesisResult, type Voice } from '../src/engine/index.js';
import { isParlaError } from '../src/errors.js';
import { countPhonemes } from '../src/eval/robustness.js';
import { sharedDataDir } from '../src/eval/shared-data.js';
import { fixtureVoice, loadFixture } from './engine-helpers.js';

const RATE = 16_000;
const CHAPTERS: Chapter[] = [
  { index: 1, title: 'One', paragraphs: ['Sit.', 'Stay.'] },
  { index: 2, title: 'Two', paragraphs: ['Run!'] },
];

let dir: string;
let model: LoadedModel;
let voice: Voice;
let input: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parla-book-run-'));
  input = join(dir, 'book.md');
  writeFileSync(input, '# One\n\nSit.\n\nStay.\n\n# Two\n\nRun!\n');
  model = await loadFixture();
  voice = await fixtureVoice(model);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real engine output, replaced for chosen chunks and attempts: what a model going wrong would hand the gate. */
class InjectingEngine implements ChunkEngine {
  readonly calls = new Map<string, number>();
  readonly seeds = new Map<string, number[]>();
  constructor(private readonly engine: Synthesizer, private readonly inject: Record<string, (real: Float32Array, attempt: number) => Float32Array | undefined>) {}
  async generate(text: string, options: SynthesisOptions): Promise<SynthesisResult> {
    const attempt = this.calls.get(text) ?? 0;
    this.calls.set(text, attempt + 1);
    this.seeds.set(text, [...(this.seeds.get(text) ?? []), options.seed!]);
    const real = await this.engine.generate(text, options);
    const audio = this.inject[text]?.(real.audio, attempt) ?? real.audio;
    return { ...real, audio };
  }
}

const silent = (real: Float32Array): Float32Array => new Float32Array(real.length);
const clipped = (real: Float32Array): Float32Array => real.map((x) => Math.max(-1, Math.min(1, x * 50)));

function options(jobDir: string, engines: ChunkEngine[], checks: readonly GateCheck[], retries: number): BookRunOptions {
  return {
    inputPath: input, chapters: CHAPTERS, engines, synthesis: { voice }, seed: 99, retries, checks, pauses: DEFAULT_PAUSES, loudness: false,
    jobDir, output: { kind: 'm4b', path: join(jobDir, '..', `${jobDir.split('/').pop()}.m4b`) }, metadata: { title: 'T' }, identity: { test: 1 },
    progress: () => ({ chapter() {}, chunk() {}, log() {}, stop() {} }),
  };
}

describe('book plan', () => {
  it('puts the title first, keeps sentences whole under the budget, and marks the pause after each chunk', () => {
    const long = 'The first sentence is here. The second one follows it closely. A third sentence ends the paragraph.';
    const [ch] = planChapters([{ index: 7, title: 'Seven', paragraphs: [long, 'Short.'] }], 60);
    expect(ch.chunks.map((c) => [c.id, c.text, c.pauseAfter])).toEqual([
      ['c0007-p00000-k000', 'Seven', 'paragraph'],
      ['c0007-p00001-k000', 'The first sentence is here.', 'sentence'],
      ['c0007-p00001-k001', 'The second one follows it closely.', 'sentence'],
      ['c0007-p00001-k002', 'A third sentence ends the paragraph.', 'paragraph'],
      ['c0007-p00002-k000', 'Short.', 'end'],
    ]);
    expect(planChapters([{ index: 1, title: 'T', paragraphs: [long] }], 150)[0].chunks[1].sentences).toHaveLength(3);
  });

  it('refuses a tiny budget and a chapter with nothing to say', () => {
    expect(() => planChapters(CHAPTERS, 5)).toThrow(/chunk budget must be an integer >= 20/);
    expect(() => planChapters([{ index: 4, title: '...', paragraphs: ['!!'] }])).toThrow(/chapter 4 "..." has nothing to read/);
  });

  it('retries a greedy chunk that fails the gate by sampling (greedy audio is the same for every seed)', async () => {
    const greedyModel: LoadedModel = { ...model, samplingDefaults: { temperature: 0 } };
    const used: number[] = [];
    const engine = new InjectingEngine(new Synthesizer(greedyModel), { 'Sit.': silent });
    const recording: ChunkEngine = {
      generate: async (text, o) => {
        const r = await engine.generate(text, o);
        used.push(r.stats.temperature);
        return r;
      },
    };
    const done = await synthesizeChunk(recording, { id: 'c1', text: 'Sit.', baseSeed: 1, retries: 2, checks: GATE_CHECKS, options: { voice }, engineChunkPhonemes: 150 });
    expect(used).toEqual([0, GREEDY_RETRY_TEMPERATURE, GREEDY_RETRY_TEMPERATURE]);
    expect(done.attempts.every((a) => a.failures.includes('silent'))).toBe(true);
    // a request's own temperature is kept on retries
    used.length = 0;
    await synthesizeChunk(recording, { id: 'c2', text: 'Sit.', baseSeed: 1, retries: 1, checks: GATE_CHECKS, options: { voice, temperature: 0.7 }, engineChunkPhonemes: 150 });
    expect(used).toEqual([0.7, 0.7]);
    // a model recommending sampling: its own take, then one greedy take, then samples again
    used.length = 0;
    const sampledModel: LoadedModel = { ...model, samplingDefaults: { temperature: 0.3 } };
    const sampled = new InjectingEngine(new Synthesizer(sampledModel), { 'Sit.': silent });
    await synthesizeChunk({ generate: async (text, o) => { const r = await sampled.generate(text, o); used.push(r.stats.temperature); return r; } }, { id: 'c3', text: 'Sit.', baseSeed: 1, retries: 3, checks: GATE_CHECKS, options: { voice }, engineChunkPhonemes: 150 });
    expect(used).toEqual([0.3, 0, GREEDY_RETRY_TEMPERATURE, GREEDY_RETRY_TEMPERATURE]);
  });

  it('derives seeds from base seed, chunk id and attempt only', () => {
    expect(chunkSeed(1, 'c0001-p00000-k000', 0)).toBe(chunkSeed(1, 'c0001-p00000-k000', 0));
    const seeds = new Set([chunkSeed(1, 'a', 0), chunkSeed(1, 'a', 1), chunkSeed(1, 'b', 0), chunkSeed(2, 'a', 0)]);
    expect(seeds.size).toBe(4);
    for (const s of seeds) expect(s).toBeGreaterThanOrEqual(0);
  });
});

describe('quality gate', () => {
  // "Not at this particular case, Tom, apologized Whittemore." read by Kathleen (3.9 s), and its espeak-ng phonemes.
  const clip = join(sharedDataDir(), 'kathleen', 'audio', 'arctic_a0002_1592748530.opus');
  const phonemes = countPhonemes('nˌɑːt æt ðɪs pɚtˈɪkjʊlɚ kˈeɪs tˈɑːm ɐpˈɑːlədʒˌaɪzd wˈɪɾɪmˌoːɹ');
  let speech: Float32Array;
  beforeAll(async () => {
    speech = await decodeAudio(clip, { sampleRate: RATE });
  });
  const tile = (pcm: Float32Array, times: number): Float32Array => {
    const out = new Float32Array(pcm.length * times);
    for (let k = 0; k < times; k++) out.set(pcm, k * pcm.length);
    return out;
  };
  it.each([
    ['real speech', () => speech, [...GATE_CHECKS], []],
    ['silence', () => new Float32Array(speech.length), [...GATE_CHECKS], ['silent']],
    ['one second of speech looped four times', () => tile(speech.subarray(8000, 24000), 4), [...GATE_CHECKS], ['looped']],
    ['clipped speech', () => speech.map((x) => Math.max(-1, Math.min(1, x * 30))), [...GATE_CHECKS], ['clipped']],
    ['a runaway (the sentence three times)', () => tile(speech, 3), [...GATE_CHECKS], ['runaway', 'looped']],
    ['half a second for a whole sentence', () => speech.subarray(16000, 24000), [...GATE_CHECKS], ['too_short']],
    ['silence with the silence check off', () => new Float32Array(speech.length), ['duration', 'clipping'], []],
    ['a loop with only the duration check on', () => tile(speech.subarray(8000, 24000), 4), ['duration'], []],
    ['empty audio', () => new Float32Array(0), ['silence'], ['empty']],
  ] as [string, () => Float32Array, GateCheck[], string[]][])('%s', (_name, pcm, checks, failures) => {
    const report = gateChunk(pcm(), RATE, phonemes, checks);
    expect(report.failures).toEqual(failures);
    expect(report.ok).toBe(failures.length === 0);
  });

  it('parses --gate', () => {
    expect(parseGateChecks('all')).toEqual([...GATE_CHECKS]);
    expect(parseGateChecks('off')).toEqual([]);
    expect(parseGateChecks('loops, silence')).toEqual(['loops', 'silence']);
    expect(() => parseGateChecks('loops,speed')).toThrow(/unknown check "speed"/);
  });

  it('leaves the loop check out by default for a phoneme-pointer model only (it cannot say a phrase twice)', () => {
    expect(defaultGateChecks(false)).toEqual([...GATE_CHECKS]);
    expect(defaultGateChecks(true)).toEqual(['duration', 'silence', 'clipping']);
  });
});

describe('runBook with the quality gate', () => {
  it('retries an injected silent chunk with the next derived seed, and lists a chunk clipped on every attempt with its text', async () => {
    const jobDir = join(dir, 'inject');
    const engine = new InjectingEngine(new Synthesizer(model, { batching: false }), {
      'Sit.': (real, attempt) => (attempt === 0 ? silent(real) : undefined),
      'Run!': (real) => clipped(real),
    });
    const summary = await runBook(options(jobDir, [engine], ['silence', 'clipping'], 2));
    expect(Object.fromEntries(engine.calls)).toEqual({ One: 1, 'Sit.': 2, 'Stay.': 1, Two: 1, 'Run!': 3 });
    expect(summary.chunks).toEqual({ total: 5, synthesized: 5, resumed: 0, retried: 2 });
    expect(summary.failed).toEqual([{ id: 'c0002-p00001-k000', chapter: 2, text: 'Run!', failures: ['clipped'], attempts: 3 }]);

    const job = await BookJob.open(jobDir, input, { test: 1, seed: 99, chunkPhonemes: 150 });
    try {
      const sit = job.entry('c0001-p00001-k000')!;
      expect(sit.meta).toMatchObject({ text: 'Sit.', attempts: 2, seed: chunkSeed(99, 'c0001-p00001-k000', 1), gate: { ok: true, failures: [] } });
      expect((await job.readChunk('c0001-p00001-k000')).pcm.some((x) => x !== 0)).toBe(true); // the silent take was not kept
    } finally {
      job.close();
    }
    // Chapter audio = lead-in + chunks + pauses, sample exact.
    const chunkSamples = ['c0001-p00000-k000', 'c0001-p00001-k000', 'c0001-p00002-k000'].map((id) => JSON.parse(readFileSync(join(jobDir, 'journal.jsonl'), 'utf8').split('\n').find((l) => l.includes(id))!).samples as number);
    const expected = 1.2 * RATE + chunkSamples.reduce((a, b) => a + b, 0) + 3 * 0.7 * RATE;
    expect(summary.chapters[0].durationSec * RATE).toBeCloseTo(expected, 6);
    expect(existsSync(join(jobDir, 'assembly'))).toBe(false); // joined chapters are intermediates, the chunks stay
  });

  it('with every check on, the fixture model (noise) is caught on every chunk: best take kept, all listed, distinct seeds tried', async () => {
    const jobDir = join(dir, 'noise');
    const engine = new InjectingEngine(new Synthesizer(model, { batching: false }), {});
    const summary = await runBook({ ...options(jobDir, [engine], GATE_CHECKS, 1), chapters: [CHAPTERS[1]] });
    expect(summary.failed.map((f) => [f.text, f.attempts])).toEqual([['Two', 2], ['Run!', 2]]);
    expect(engine.seeds.get('Run!')).toEqual([0, 1].map((a) => chunkSeed(99, 'c0002-p00001-k000', a)));
    for (const f of summary.failed) expect(f.failures.length).toBeGreaterThan(0);
    for (const f of summary.failed) expect(f.failures.every((x) => ['runaway', 'looped'].includes(x))).toBe(true);
  });

  it('refuses an engine-less run and an input that changed since the job started', async () => {
    const jobDir = join(dir, 'noise');
    await expect(runBook({ ...options(jobDir, [], GATE_CHECKS, 0) })).rejects.toThrow(/at least one engine/);
    writeFileSync(input, '# One\n\nSit down.\n');
    const err = await runBook({ ...options(jobDir, [new Synthesizer(model)], GATE_CHECKS, 0), chapters: [CHAPTERS[1]] }).catch((e: unknown) => e);
    expect(isParlaError(err) && err.message).toMatch(/belongs to another job: the input changed/);
  });
});

describe('progress', () => {
  /** A stream that keeps what is written; `isTTY` picks the live bars or the log lines. */
  const sink = (isTTY: boolean): PassThrough & { text: () => string } => {
    const parts: string[] = [];
    const s = Object.assign(new PassThrough(), { isTTY, columns: 120, text: (): string => parts.join('') });
    s.on('data', (d: Buffer) => parts.push(d.toString()));
    return s;
  };

  it.each([
    [false, /parla: chapter 3 "Three": 100 chars \(40 already done\)\nparla: {3}70\/100 chars, book 35\.0%, [\d.]+ chars\/s, RTF [\d.]+, ETA \d\d:\d\d\n/],
    [true, /book .*\| [\d.]+ chars\/s, RTF [\d.]+, ETA \d\d:\d\d/],
  ])('isTTY=%s writes chars/s, RTF and ETA', async (isTTY, expected) => {
    const out = sink(isTTY);
    const meter = new SpeedMeter();
    const progress = createProgress(200, meter, out as unknown as NodeJS.WriteStream);
    progress.chapter(3, 'Three', 100, 40);
    meter.add(30, 3, 1);
    progress.chunk(30, false);
    progress.stop();
    await new Promise((r) => setImmediate(r));
    expect(out.text()).toMatch(expected);
  });
});
