import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './cli-harness.js';
import { CODEC_TABLE_END, CODEC_TABLE_START } from '../src/eval/run-bench-table.js';

const model = 'test/fixtures/tiny-model';
const dir = mkdtempSync(join(tmpdir(), 'parla-cli-bench-'));

const run = runCli;

afterEach(() => {
  process.exitCode = 0;
});

describe('parla bench codec', () => {
  it('records a result with machine, date and RTF and regenerates the README table', async () => {
    const results = join(dir, 'results');
    const readme = join(dir, 'README.md');
    writeFileSync(readme, `# Bench\n\nintro\n\n${CODEC_TABLE_START}\nstale\n${CODEC_TABLE_END}\n\nafter\n`);
    for (let i = 0; i < 2; i++) {
      const { code, out } = await run('bench', 'codec', '-m', model, '--seconds', '2', '--runs', '3', '--threads', '1', '--out', results, '--readme', readme);
      expect(code).toBe(0);
      expect(out).toMatch(/\| tiny-random \| 2 \| 1 \| 3 \|/);
    }
    const files = readdirSync(results);
    expect(files.length).toBeGreaterThanOrEqual(1);
    expect(files[0]).toMatch(/^codec-\d{4}-\d\d-\d\dT\d{4}Z-tiny-random\.json$/);
    const result = JSON.parse(readFileSync(join(results, files[0]), 'utf8'));
    expect(result).toMatchObject({ kind: 'codec-bench', model: { id: 'tiny-random' }, seconds: 2, threads: 1, runs: 3, bar: { rtf: 0.03 } });
    expect(result.encodeSeconds).toHaveLength(3);
    expect(result.decodeSeconds).toHaveLength(3);
    expect(result.rtf).toBeCloseTo(result.medianTotalSeconds / 2, 10);
    expect(result.minRtf).toBeLessThanOrEqual(result.rtf);
    expect(result.rtf).toBeGreaterThan(0);
    expect(result.bar.met).toBe(result.rtf <= 0.03);
    expect(result.machine).toMatchObject({ cpus: expect.any(Number), cpuModel: expect.any(String) });
    expect(result.machine.loadAverage).toHaveLength(3);
    expect(Date.parse(result.date)).not.toBeNaN();
    expect(result.model.decoderBytes).toBeGreaterThan(0);
    const text = readFileSync(readme, 'utf8');
    expect(text).not.toContain('stale');
    expect(text).toMatch(/^# Bench\n\nintro\n/);
    expect(text).toMatch(/after\n$/);
    const rows = text.split('\n').filter((l) => l.startsWith('| 20'));
    expect(rows).toHaveLength(files.length);
  });

  it("names the row by the codec's id, not the language model's around it", async () => {
    const { code, out } = await run('bench', 'codec', '-m', 'models/default', '--seconds', '1', '--runs', '1', '--threads', '1', '--no-record');
    expect(code).toBe(0);
    expect(out).toMatch(/\| codec-cpu1-step6648 \| 1 \| 1 \| 1 \|/);
  });

  it("another --out leaves the package README's table (which lists bench/results/) as it was", async () => {
    const readme = resolve(import.meta.dirname, '..', 'bench', 'README.md');
    const before = readFileSync(readme, 'utf8');
    const results = join(dir, 'elsewhere');
    const { code, err } = await run('bench', 'codec', '-m', model, '--seconds', '1', '--runs', '1', '--threads', '1', '--out', results);
    expect(code).toBe(0);
    expect(err).toMatch(/its table was left as it was \(give --readme to write one for/);
    expect(readFileSync(readme, 'utf8')).toBe(before);
    expect(readdirSync(results)).toHaveLength(1);
  });

  it('--no-record writes nothing', async () => {
    const results = join(dir, 'none');
    const { code } = await run('bench', 'codec', '-m', model, '--seconds', '1', '--runs', '1', '--out', results, '--no-record');
    expect(code).toBe(0);
    expect(() => readdirSync(results)).toThrow();
  });

  it.each([
    [['bench', 'codec', '-m', dir], /no model.json in/],
    [['bench', 'codec', '-m', model, '--seconds', '0'], /--seconds must be a positive number/],
    [['bench', 'codec', '-m', model, '--seconds', '500', '--no-record'], /--seconds must be in \(0, 120\]/],
    [['bench', 'codec', '-m', model, '--runs', '1.5'], /--runs must be a positive integer/],
    [['bench', 'codec', '-m', model, '--seconds', '1', '--runs', '1', '--out', join(dir, 'r2'), '--readme', join(dir, 'missing.md')], /missing.md not found/],
    [['bench', 'codec', '-m', model, '--seconds', '1', '--runs', '1', '--out', join(dir, 'r2'), '--readme', 'package.json'], /package.json lacks the markers/],
    // the engine bench runs for minutes: a README it cannot write into is refused first, and nothing is recorded
    [['bench', 'engine', '-m', model, '--no-torch', '--runs', '1', '--sentences', '2', '--seconds', '1', '--out', join(dir, 'r2'), '--readme', 'package.json'], /package.json lacks the markers <!-- engine-bench:start/],
  ])('fails clearly: %j', async (args, message) => {
    const { err, code } = await run(...args);
    expect(code).toBe(1);
    expect(err).toMatch(message);
    expect(() => readdirSync(join(dir, 'r2'))).toThrow(); // nothing recorded by a failed run
  });
});
