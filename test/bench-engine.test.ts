/** `parla bench engine` smoke test: the whole benchmark on the tiny fixture with tiny counts writes every required field. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEngineBench, type EngineBenchResult } from '../src/bench/engine-bench.js';
import { ENGINE_TABLE_END, ENGINE_TABLE_START, engineBenchTable, updateEngineReadme, writeEngineBenchResult } from '../src/bench/engine-record.js';
import { referenceCheckpoint } from '../src/bench/ar-step-timing.js';
import { g1Twin } from '../src/bench/g1-twin.js';
import { sayDefaultVoice, TTFA_PARAGRAPHS } from '../src/bench/engine-setup.js';
import { chirp, syllabify } from '../src/audio/signals.js';
import { createVoice, defaultVoiceId, FileVoiceLibrary, loadModel } from '../src/engine/index.js';
import { registerBenchEngine } from '../src/cli/bench-engine.js';
import type { LoadedModel } from '../src/engine/model.js';
import { loadModelManifest } from '../src/engine/manifest.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { FIXTURE, parlaError } from './engine-helpers.js';

const REQUIRED = ['rtf', 'ttfa_ms', 'ttfa_fresh_ms', 'ttfa_natural_ms', 'stall_natural_ms', 'speculative_speedup', 'acceptance_rate', 'grouped_speedup', 'batch4_speedup', 'rss_mb', 'rss_growth_mb', 'pytorch_ratio', 'machine', 'date', 'model', 'notes', 'loadavg'];

let dir: string;
let result: EngineBenchResult;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'parla-bench-engine-'));
  result = await runEngineBench({ modelDir: FIXTURE, g1ModelDir: null, seconds: 1, runs: 1, sentences: 2, concurrency: 2, threads: 1, torch: true, torchSteps: 3 });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runEngineBench on the tiny fixture', () => {
  it('writes latest.json and a dated file with every required field', () => {
    const file = writeEngineBenchResult(result, dir);
    expect(path.basename(file)).toMatch(/^engine-\d{4}-\d\d-\d\dT\d{4}Z-tiny-random\.json$/);
    expect(readdirSync(dir).sort()).toEqual([path.basename(file), 'latest.json'].sort());
    const latest = JSON.parse(readFileSync(path.join(dir, 'latest.json'), 'utf8')) as Record<string, unknown>;
    for (const key of REQUIRED) expect(latest, key).toHaveProperty(key);
    expect(latest).toEqual(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('measures what it claims: finite ratios, a perfect self-drafter, the fixture flagged as random weights', () => {
    for (const key of ['rtf', 'rtf_recommended', 'rtf_recommended_prose', 'ttfa_ms', 'ttfa_fresh_ms', 'ttfa_natural_ms', 'ttfa_recommended_ms', 'speculative_speedup', 'batch4_speedup', 'rss_mb', 'self_draft_speedup'] as const) {
      expect(result[key], key).toBeGreaterThan(0);
    }
    expect(result.stall_natural_ms).toBeGreaterThanOrEqual(0);
    expect(result.settings.recommended).toEqual({ temperature: 1, candidates: 1, spliceWords: 0, retryAbove: 0 }); // the fixture recommends nothing
    // Each first-audio run used a paragraph of its own, and its first chunk is the start of that paragraph.
    const runs = [...result.details.ttfa.fresh, ...result.details.ttfa.natural];
    expect(new Set(runs.map((r) => r.text)).size).toBe(runs.length);
    for (const r of runs) expect(r.text.startsWith(r.firstChunk) && r.firstChunk.length > 0).toBe(true);
    expect(result.details.ttfa.natural[0].chunks).toBeGreaterThan(1);
    // The recommended-settings run re-reads a natural-length paragraph and stops at its first audio.
    expect(result.details.ttfa.recommended!.map((r) => r.text)).toEqual(result.details.ttfa.natural.map((r) => r.text));
    expect(result.details.ttfa.recommended![0].chunks).toBe(1);
    // Say's default voice: the bundled voices belong to the shipped codec, so the fixture gets the chirp.
    expect(result.settings.voice).toBe('chirp');
    expect(result.details.prose![0].chunks).toBeGreaterThanOrEqual(TTFA_PARAGRAPHS.length);
    expect(result.prose_retried_share).toBe(0); // one candidate: nothing to retry
    expect(Number.isFinite(result.rss_growth_mb)).toBe(true);
    expect(result.acceptance_rate).toBeGreaterThanOrEqual(0);
    expect(result.acceptance_rate).toBeLessThanOrEqual(1);
    // Greedy with the AR drafting for itself: every draft must be accepted, or verification is broken.
    expect(result.self_draft_acceptance_rate).toBe(1);
    // Plain and speculative greedy decoding produce the same codes, hence the same amount of audio.
    expect(result.details.ar.speculative[0].groups).toBe(result.details.ar.plain[0].groups);
    expect(result.details.batch.many[0].requests).toBe(2);
    // The server's engine: a pool of worker threads, both sides of the ratio measured through it too.
    expect(result.details.batch.pool).toMatchObject({ workers: Math.min(2, availableParallelism()) });
    expect(result.details.batch.pool!.many[0]).toMatchObject({ requests: 2, audioSeconds: 2 * result.details.batch.pool!.one[0].audioSeconds });
    expect(result.batch4_inprocess_speedup).toBeGreaterThan(0);
    // Staggered requests: two different paragraphs, the same audio one after another and 300 ms apart (same seeds).
    const [staggered] = result.details.batch.staggered!;
    expect(staggered.many).toMatchObject({ requests: 2, audioSeconds: staggered.one.audioSeconds });
    expect(result.staggered_speedup).toBeGreaterThan(0);
    expect(result.settings.staggerMs).toBe(300);
    expect(result.grouped_speedup).toBeNull(); // no G = 1 twin given
    expect(result.pytorch_ratio).toBeNull(); // the fixture ships no ar.pt: the reason is recorded instead
    expect(result.details.pytorch.torch).toMatchObject({ error: expect.stringContaining('ar.pt not found') });
    expect(result.model.randomWeights).toBe(true);
    expect(result.notes.join(' ')).toMatch(/random weights/i);
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.loadavg.start).toHaveLength(3);
  });

  it('rewrites only the table between the markers of the README', () => {
    const readme = path.join(dir, 'README.md');
    writeFileSync(readme, `# before\n${ENGINE_TABLE_START}\nold table\n${ENGINE_TABLE_END}\nafter\n`);
    updateEngineReadme(readme, result);
    const text = readFileSync(readme, 'utf8');
    expect(text).toContain(engineBenchTable(result));
    expect(text).not.toContain('old table');
    expect(text.startsWith('# before\n')).toBe(true);
    expect(text.endsWith(`${ENGINE_TABLE_END}\nafter\n`)).toBe(true);
  });
});

describe('the PyTorch reference checkpoint', () => {
  const manifestWith = (training: Record<string, unknown>) => ({ dir: FIXTURE, manifest: { training } as unknown as LoadedModel['manifest'] });

  it('a shipped model points at its committed checkpoint through training.checkpoints.ar', () => {
    const model = { dir: path.join(PACKAGE_ROOT, 'models', 'default'), manifest: loadModelManifest(path.join(PACKAGE_ROOT, 'models', 'default')).manifest };
    expect(referenceCheckpoint(model)).toBe(path.join(PACKAGE_ROOT, 'training', 'checkpoints', 'lm-ar-cfg.pt'));
  });

  it('a recorded path that does not exist, or none at all, is reported, not guessed', () => {
    expect(referenceCheckpoint(manifestWith({ checkpoints: { ar: 'training/checkpoints/gone.pt' } }))).toEqual({ error: expect.stringContaining('gone.pt not found') });
    expect(referenceCheckpoint(manifestWith({}))).toEqual({ error: expect.stringContaining('no training.checkpoints.ar') });
  });
});

describe('the G=1 twin of a trained model', () => {
  it('has the trained AR configuration with group size 1, the same codec, and is made once', () => {
    const twin = g1Twin(path.join(PACKAGE_ROOT, 'models', 'default'), dir);
    expect(typeof twin).toBe('string');
    const shipped = loadModelManifest(path.join(PACKAGE_ROOT, 'models', 'default')).manifest;
    const made = loadModelManifest(twin as string).manifest;
    expect(made.group_size).toBe(1);
    expect(made.ar.dims).toEqual(shipped.ar.dims); // group size is model-wide, above
    expect(made.codec.id).toBe(shipped.codec.id);
    expect(made.nar).toBeNull();
    expect(g1Twin(path.join(PACKAGE_ROOT, 'models', 'default'), dir)).toBe(twin); // found, not made again
  }, 120_000);

  it('a model without a recorded checkpoint gets the reason instead', () => {
    expect(g1Twin(FIXTURE, dir)).toEqual({ error: expect.stringContaining('no training.checkpoints.ar') });
  });
});

describe('the bench voice', () => {
  it("the shipped model is benched in say's default voice, real speech it accepts (the chirp's made-up transcript it refuses)", async () => {
    const shipped = await loadModel(path.join(PACKAGE_ROOT, 'models', 'default'), { threads: 1 });
    const { id, voice } = await sayDefaultVoice(shipped);
    expect(id).toBe(defaultVoiceId(await new FileVoiceLibrary(shipped, { dir: path.join(PACKAGE_ROOT, 'voices') }).list()));
    expect(voice.codes.frames).toBeGreaterThan(3 * shipped.frameRate);
    const chirpVoice = createVoice(shipped, syllabify(chirp(150, 3000, 3, shipped.sampleRate, 0.3), shipped.sampleRate), { name: 'Chirp', transcript: 'a short test prompt' });
    await expect(chirpVoice).rejects.toMatchObject({ param: 'transcript' });
  }, 60_000);
});

describe('bad input', () => {
  it('a README without the markers is refused, naming the file', async () => {
    const readme = path.join(dir, 'no-markers.md');
    writeFileSync(readme, '# nothing here\n');
    const err = await parlaError(() => updateEngineReadme(readme, result));
    expect(err.message).toContain('no-markers.md');
  });

  it.each([
    ['--runs', '0'],
    ['--sentences', '-5'],
    ['--seconds', 'ten'],
    ['--concurrency', '2.5'],
  ])('%s %s is refused before anything runs', async (flag, value) => {
    const program = new Command('parla').exitOverride();
    registerBenchEngine(program.command('bench'));
    const err = await parlaError(() => program.parseAsync(['node', 'parla', 'bench', 'engine', '-m', FIXTURE, '--no-record', flag, value]));
    expect(err.param).toBe(flag.slice(2));
  });
});
