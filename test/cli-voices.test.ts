/** `parla voices` on the tiny fixture (and the shipped default model): add from an audio file, list, remove, bundled voices, bad inputs. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeAudio } from '../src/audio/index.js';
import { runCli } from './cli-harness.js';
import { FIXTURE, promptPcm } from './engine-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'parla-voices-cli-'));
const library = join(dir, 'library');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const voices = (...args: string[]) => runCli('voices', ...args, '-m', FIXTURE, '--dir', library);

describe('parla voices', () => {
  it('adds a voice from an mp3, lists it, removes it', async () => {
    const clip = join(dir, 'ada.mp3');
    writeFileSync(clip, await encodeAudio(promptPcm(), 16000, 'mp3'));
    const added = await voices('add', 'Ada Lovelace', clip, '--transcript', 'A test prompt.');
    expect(added.code).toBe(0);
    const id = /as ([a-z0-9-]+)/.exec(added.out)![1];
    expect(added.out).toContain(`to speak with it: PARLA_VOICES_DIR=${library} parla say "..." --voice ${id}`);
    const listed = JSON.parse((await voices('list', '--json')).out) as { voices: { id: string; name: string; hasTranscript: boolean; origin: string }[] };
    expect(listed.voices.filter((v) => v.origin === 'user')).toEqual([expect.objectContaining({ id, name: 'Ada Lovelace', hasTranscript: true })]);
    expect((await voices('list')).out).toContain(id);
    expect((await voices('remove', id)).code).toBe(0);
    expect((await voices('list')).out).not.toContain(id);
  });

  it('lists the bundled voices (read-only) next to those of another --dir', async () => {
    const r = await voices('list', '--json');
    expect(r.code, r.err).toBe(0);
    const bundled = (JSON.parse(r.out) as { voices: { id: string; origin: string }[] }).voices.filter((v) => v.origin === 'bundled').map((v) => v.id);
    expect(bundled).toEqual(expect.arrayContaining(['slt', 'rms', 'eve']));
    const removed = await voices('remove', 'slt');
    expect(removed.code).toBe(1);
    expect(removed.err).toMatch(/"slt" is bundled with Parla and cannot be deleted/);
    expect(existsSync(resolve(import.meta.dirname, '..', 'voices', 'slt', 'voice.json'))).toBe(true);
  });

  it('--id and --bundled save a bundled voice under a fixed id, which remove refuses', async () => {
    const own = (...args: string[]) => runCli('voices', ...args, '-m', FIXTURE, '--dir', join(dir, 'bundled-library'));
    const clip = join(dir, 'narrator.wav');
    writeFileSync(clip, await encodeAudio(promptPcm(), 16000, 'wav'));
    expect((await own('add', 'Narrator', clip, '--id', 'narrator', '--bundled')).out).toContain('as narrator');
    expect((await own('add', 'Narrator Two', clip, '--id', 'narrator', '--bundled')).code).toBe(0); // same id: replaced
    const listed = JSON.parse((await own('list', '--json')).out) as { voices: { id: string; name: string; origin: string }[] };
    expect(listed.voices.filter((v) => v.id === 'narrator')).toEqual([expect.objectContaining({ id: 'narrator', name: 'Narrator Two', origin: 'bundled' })]);
    const removed = await own('remove', 'narrator');
    expect(removed.code).toBe(1);
    expect(removed.err).toMatch(/bundled with Parla and cannot be deleted/);
  });

  it("with the shipped model, a clip longer than its 6 s prompt is cut, and the command says so", async () => {
    const clip = join(dir, 'long.wav');
    writeFileSync(clip, await encodeAudio(Float32Array.from([...promptPcm(4), ...new Float32Array(6400), ...promptPcm(5)]), 16000, 'wav'));
    const r = await runCli('voices', 'add', 'Long', clip, '-m', resolve(import.meta.dirname, '..', 'models', 'default'), '--dir', join(dir, 'shipped-library'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/the prompt had 9\.[0-9] s of speech, more than the model reads well from: its first part was kept$/m);
  });

  it('the shipped default model lists the bundled voices', async () => {
    const r = await runCli('voices', 'list', '--json', '-m', resolve(import.meta.dirname, '..', 'models', 'default'), '--dir', resolve(import.meta.dirname, '..', 'voices'));
    expect(r.code, r.err).toBe(0);
    const ids = (JSON.parse(r.out) as { voices: { id: string; origin: string }[] }).voices.filter((v) => v.origin === 'bundled').map((v) => v.id);
    expect(ids).toContain('slt');
  });

  it.each([
    [['add', 'Nobody', '/nonexistent/clip.wav'], /cannot read \/nonexistent\/clip.wav/],
    [['remove', 'ghost'], /unknown voice "ghost"/],
    [['remove', '../etc'], /unknown voice/],
  ])('fails clearly: %j', async (args, message) => {
    const r = await voices(...args);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });

  it('a --dir that is a file is refused, for list as for add', async () => {
    const file = join(dir, 'not-a-folder.txt');
    writeFileSync(file, 'x');
    for (const args of [['list'], ['add', 'X', file]]) {
      const r = await runCli('voices', ...args, '-m', FIXTURE, '--dir', file);
      expect([r.code, r.err]).toEqual([1, `parla: --dir ${file} is a file; the voice library is a folder (created if missing)`]);
    }
  });

  it('refuses a clip that is too short', async () => {
    const clip = join(dir, 'short.wav');
    writeFileSync(clip, await encodeAudio(promptPcm().subarray(0, 4000), 16000, 'wav'));
    const r = await voices('add', 'Short', clip);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/voice prompt has 0.25 s of speech/);
  });
});
