/** `parla voices` on the tiny fixture: add from an audio file, list, remove, and the bad inputs. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const listed = JSON.parse((await voices('list', '--json')).out) as { voices: { id: string; name: string; hasTranscript: boolean }[] };
    expect(listed.voices).toEqual([expect.objectContaining({ id, name: 'Ada Lovelace', hasTranscript: true })]);
    expect((await voices('list')).out).toContain(id);
    expect((await voices('remove', id)).code).toBe(0);
    expect((await voices('list')).out).toMatch(/no voices in/);
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

  it('refuses a clip that is too short', async () => {
    const clip = join(dir, 'short.wav');
    writeFileSync(clip, await encodeAudio(promptPcm().subarray(0, 4000), 16000, 'wav'));
    const r = await voices('add', 'Short', clip);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/voice prompt has 0.25 s of speech/);
  });
});
