import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { findPocketsphinx } from '../src/eval/asr.js';

const model = 'test/fixtures/tiny-model';
const dir = mkdtempSync(join(tmpdir(), 'parla-cli-eval-'));

const run = runCli;

afterEach(() => {
  process.exitCode = 0;
});

describe('parla eval codec', () => {
  it.skipIf(!findPocketsphinx())('writes the JSON and markdown results and prints the table', { timeout: 300_000 }, async () => {
    const out = join(dir, 'results');
    const { out: stdout, code } = await run('eval', 'codec', '-m', model, '--set', 'ci-codec', '--limit', '2', '--codebooks', '1,8', '--baselines', 'opus12', '--out', out);
    expect(code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^eval-tiny-random-ci-codec-\d{4}-\d\d-\d\dT\d{4}Z\.json$/);
    expect(files[1]).toBe(files[0].replace(/json$/, 'md'));
    const result = JSON.parse(readFileSync(join(out, files[0]), 'utf8'));
    expect(result.model.id).toBe('tiny-random');
    expect(result.set).toMatchObject({ name: 'ci-codec', utterances: 2 });
    expect(result.machine.cpus).toBeGreaterThan(0);
    expect(result.rows.map((r: { name: string }) => r.name)).toEqual(['original', 'tiny-random 1 cb', 'tiny-random 8 cb', 'Opus 12 kbps']);
    expect(result.speakerEncoder.available || /no speaker encoder/.test(result.speakerEncoder.reason)).toBe(true);
    expect(stdout).toMatch(/\| tiny-random 8 cb \| 4 \| [\d.]+% \|/);
    expect(readFileSync(join(out, files[1]), 'utf8')).toContain('| Opus 12 kbps | 12 |');
  });

  it.skipIf(!findPocketsphinx())('eval tts synthesizes the set with the engine and counts robustness failures', { timeout: 300_000 }, async () => {
    const out = join(dir, 'tts');
    const { out: stdout, code } = await run('eval', 'tts', '-m', model, '--set', 'tts-zeroshot', '--limit', '1', '--hard', '2', '--out', out);
    expect(code).toBe(0);
    const file = readdirSync(out).find((f) => f.endsWith('.json'))!;
    const result = JSON.parse(readFileSync(join(out, file), 'utf8'));
    expect(result).toMatchObject({ kind: 'tts', model: { id: 'tiny-random' }, set: { name: 'tts-zeroshot', utterances: 1 }, seed: 1, ras: true });
    expect(result.truth.wer).toBeGreaterThanOrEqual(0); // Kathleen's recording of the same sentence through the same ASR
    expect(result.synthesized.wer).toBeGreaterThanOrEqual(0);
    expect(result.rtf).toBeGreaterThan(0);
    expect(result.utterances).toHaveLength(1);
    expect(result.robustness.total).toBe(2);
    const failed = Object.values(result.robustness.failures as Record<string, number>);
    expect(result.robustness.ok).toBeLessThanOrEqual(2);
    // every sentence that is not ok has at least one named failure
    expect(failed.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2 - result.robustness.ok);
    // and each is listed with its text and duration
    expect(result.robustness.failed).toHaveLength(2 - result.robustness.ok);
    for (const f of result.robustness.failed) expect(f.failures.length).toBeGreaterThan(0);
    expect(stdout).toMatch(/\| tts-zeroshot \| [\d.]+% \| [\d.]+% \|/);
  });

  it.skipIf(!findPocketsphinx())('eval tts --ras off runs the contrast with plain nucleus sampling and says so', { timeout: 300_000 }, async () => {
    const out = join(dir, 'tts-plain');
    const { out: stdout, code } = await run('eval', 'tts', '-m', model, '--set', 'ci-tts', '--limit', '1', '--hard', '1', '--ras', 'off', '--out', out);
    expect(code).toBe(0);
    const file = readdirSync(out).find((f) => f.endsWith('.json'))!;
    expect(JSON.parse(readFileSync(join(out, file), 'utf8'))).toMatchObject({ ras: false, robustness: { total: 1 } });
    expect(stdout).toContain('repetition-aware sampling off (plain nucleus)');
  });

  it.each([
    [['eval', 'codec', '-m', model, '--set', 'nope'], /unknown evaluation set "nope".*sets: .*codec-kathleen/],
    [['eval', 'codec', '-m', dir, '--set', 'ci-codec'], /no model.json in/],
    [['eval', 'codec', '-m', model, '--set', 'tts-kathleen'], /"tts-kathleen" is a tts set, not a codec set/],
    [['eval', 'codec', '-m', model, '--set', 'ci-codec', '--codebooks', '0,9'], /--codebooks must be a comma-separated list of integers in 1..8/],
    [['eval', 'codec', '-m', model, '--set', 'ci-codec', '--baselines', 'mp3'], /unknown baseline "mp3" in --baselines; valid: opus6, opus12, codec2, narrowband, none/],
    [['eval', 'codec', '-m', model, '--set', 'ci-codec', '--limit', '-1'], /--limit must be a positive integer/],
    [['eval', 'tts', '-m', model, '--set', 'codec-kathleen'], /"codec-kathleen" is a codec set, not a tts set/],
    [['eval', 'tts', '-m', model, '--hard', '-1'], /--hard must be an integer >= 0/],
    [['eval', 'tts', '-m', dir, '--hard', '0'], /model.json/],
    [['eval', 'tts', '-m', model, '--ras', 'maybe'], /--ras must be on or off, got "maybe"/],
    [['eval', 'tts', '-m', model, '--temperature', 'warm'], /--temperature must be a number, got "warm"/],
    [['eval', 'tts', '-m', model, '--ras', 'off', '--check'], /--ras off is a contrast run: leave out --check and --write-card/],
    [['eval', 'codec', '-m', model, '--set', 'ci-codec', '--check', '--limit', '1'], /--check compares with the whole set's numbers: leave out --limit/],
    [['eval', 'tts', '-m', model, '--set', 'ci-tts', '--check', '--hard', '0'], /--check compares the robustness run too: leave out --hard 0/],
    [['eval', 'tts', '-m', model, '--set', 'ci-tts', '--seed', 'abc'], /--seed must be a number, got "abc"/],
    [['eval', 'tts', '-m', model, '--set', 'ci-tts', '--seed', '-5'], /--seed must be an integer from 0 to 2147483647, got "-5"/],
    [['eval', 'codec', '-m', model, '--set', 'ci-codec', '--speaker-encoder', '/nope.onnx'], /--speaker-encoder \/nope\.onnx: no such file/],
    [['eval', 'codec', '-m', model, '--set', 'ci-codec', '--out', 'package.json/sub'], /--out package\.json\/sub: cannot write there \(ENOTDIR\)/],
  ])('fails clearly: %j', async (args, message) => {
    const { err, code } = await run(...args);
    expect(code).toBe(1);
    expect(err).toMatch(message);
  });
});
