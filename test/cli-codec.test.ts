import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAudio, encodeAudio, chirp } from '../src/audio/index.js';
import { readPcodes } from '../src/codec/pcodes.js';
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

  it('takes format names in any case, as extensions are', async () => {
    const r = await run('codec', 'decode', join(dir, 'a.pcodes'), join(dir, 'upper.out'), '-m', model, '-f', 'MP3');
    expect(r.code, r.err).toBe(0);
    expect((await decodeAudio(join(dir, 'upper.out'))).length).toBeGreaterThan(30_000);
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
    [['codec', 'decode', join(dir, 'missing.pcodes'), join(dir, 'x.wav'), '-m', model], /^parla: cannot read .*missing\.pcodes: no such file$/],
    [['codec', 'decode', dir, join(dir, 'x.wav'), '-m', model], /^parla: cannot read .*: it is a folder$/],
    [['codec', 'encode', 'test/fixtures/tiny-model/model.json', '-', '-m', model], /codec encode writes a \.pcodes file: give its path/],
    [['codec', 'encode', join(dir, 'b.wav'), join(dir, 'no-such-dir', 'x.pcodes'), '-m', model], /^parla: cannot write .*no-such-dir\/x\.pcodes: ENOENT/],
    [['codec', 'decode', join(dir, 'b2.pcodes'), join(dir, 'x.m4a'), '-m', model], /format "m4a" is not one of wav, mp3, opus, aac, flac, pcm; for AAC name the file \.aac/],
    [['codec', 'encode', join(dir, 'b.wav'), join(dir, 'x.pcodes'), '-m', model, '--threads', '0'], /--threads must be an integer from 1 to 256/],
  ])('fails clearly: %j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });
});

/**
 * A model folder over an existing codec: its own model id and codec id, the codec's ONNX files linked in (what a
 * language model exported over a shipped codec looks like to `parla codec`).
 */
function modelOver(codecDir: string, name: string, id: string, codecId: string | undefined): string {
  const source = JSON.parse(readFileSync(join(codecDir, 'model.json'), 'utf8'));
  const out = join(dir, name);
  mkdirSync(out);
  for (const graph of ['encoder', 'decoder']) symlinkSync(resolve(codecDir, source.codec[graph].file), join(out, source.codec[graph].file));
  writeFileSync(join(out, 'model.json'), JSON.stringify({ ...source, id, codec: { ...source.codec, id: codecId } }));
  return out;
}

describe('parla codec: codes belong to the codec, not to the model around it', () => {
  const lmA = modelOver(model, 'lm-a', 'tiny-lm-a', 'tiny-codec');
  const lmB = modelOver(model, 'lm-b', 'tiny-lm-b', 'tiny-codec');
  const other = modelOver(model, 'lm-other', 'tiny-lm-c', 'other-codec');

  it('encode writes the codec id; a model with another id over the same codec decodes it', async () => {
    writeFileSync(join(dir, 'c.wav'), await encodeAudio(chirp(200, 3000, 1, 16000, 0.3), 16000, 'wav'));
    expect((await run('codec', 'encode', join(dir, 'c.wav'), join(dir, 'c.pcodes'), '-m', lmA)).code).toBe(0);
    expect(readPcodes(readFileSync(join(dir, 'c.pcodes'))).header.modelId).toBe('tiny-codec');
    const r = await run('codec', 'decode', join(dir, 'c.pcodes'), join(dir, 'c-b.wav'), '-m', lmB);
    expect(r.code, r.err).toBe(0);
    expect((await decodeAudio(join(dir, 'c-b.wav'))).length).toBe(16000);
  });

  it('a model without codec.id writes and accepts its model id', async () => {
    await run('codec', 'encode', join(dir, 'c.wav'), join(dir, 'd.pcodes'), '-m', model);
    expect(readPcodes(readFileSync(join(dir, 'd.pcodes'))).header.modelId).toBe('tiny-random');
    expect((await run('codec', 'decode', join(dir, 'd.pcodes'), join(dir, 'd.wav'), '-m', model)).code).toBe(0);
  });

  it('refuses codes of another codec, naming both codecs', async () => {
    const r = await run('codec', 'decode', join(dir, 'c.pcodes'), join(dir, 'c-x.wav'), '-m', other);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/c\.pcodes holds codes of codec "tiny-codec", but .*lm-other uses codec "other-codec" \(model "tiny-lm-c"\)/);
  });

  it("decodes a bundled voice's codes with a new model id over the shipped codec", async () => {
    const shipped = resolve(import.meta.dirname, '..', 'models', 'default');
    const next = modelOver(shipped, 'next-lm', 'next-lm-step1', 'codec-cpu1-step6648');
    const r = await run('codec', 'decode', resolve(import.meta.dirname, '..', 'voices', 'slt', 'codes.pcodes'), join(dir, 'slt.wav'), '-m', next);
    expect(r.code, r.err).toBe(0);
    expect((await decodeAudio(join(dir, 'slt.wav'))).length).toBeGreaterThan(3 * 16000);
  });
});
