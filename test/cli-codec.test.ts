import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudio, encodeAudio, chirp } from '../src/audio/index.js';
import { runCli } from './cli-harness.js';

const model = 'test/fixtures/tiny-model';
const dir = mkdtempSync(join(tmpdir(), 'parla-cli-codec-'));
const run = runCli;


describe('parla codec', () => {
  it('encodes an mp3 to .pcodes and decodes it back to a wav of the same length', async () => {
    const input = join(dir, 'in.mp3');
    writeFileSync(input, await encodeAudio(chirp(200, 3000, 2, 16000, 0.3), 16000, 'mp3'));
    const source = await decodeAudio(input);
    expect((await run('codec', 'encode', input, join(dir, 'a.pcodes'), '-m', model)).code).toBe(0);
    const size = readFileSync(join(dir, 'a.pcodes')).length;
    // 8 codebooks x 10 bits x 50 frames/s = 4 kbps -> about 1,000 bytes for 2 s, plus header.
    expect(size).toBeGreaterThan(900);
    expect(size).toBeLessThan(1400);
    await run('codec', 'decode', join(dir, 'a.pcodes'), join(dir, 'a.wav'), '-m', model);
    expect((await decodeAudio(join(dir, 'a.wav'))).length).toBe(source.length);
  });

  it('writes fewer codebooks at a lower bitrate', async () => {
    writeFileSync(join(dir, 'b.wav'), await encodeAudio(chirp(200, 3000, 1, 16000, 0.3), 16000, 'wav'));
    await run('codec', 'encode', join(dir, 'b.wav'), join(dir, 'b2.pcodes'), '-m', model, '--codebooks', '2');
    await run('codec', 'encode', join(dir, 'b.wav'), join(dir, 'b8.pcodes'), '-m', model);
    const small = readFileSync(join(dir, 'b2.pcodes')).length;
    const big = readFileSync(join(dir, 'b8.pcodes')).length;
    expect(big - small).toBeGreaterThan(300);
  });

  it.each([
    [['codec', 'decode', 'test/fixtures/tiny-model/model.json', join(dir, 'x.wav'), '-m', model], /not a valid .pcodes file/],
    [['codec', 'encode', join(dir, 'missing.wav'), join(dir, 'x.pcodes'), '-m', model], /missing.wav/],
    [['codec', 'encode', 'test/fixtures/tiny-model/model.json', join(dir, 'x.pcodes'), '-m', model, '--codebooks', '9'], /--codebooks must be an integer in 1..8/],
    [['codec', 'encode', 'x.wav', 'y.pcodes', '-m', dir], /no model.json/],
  ])('fails clearly: %j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });
});
