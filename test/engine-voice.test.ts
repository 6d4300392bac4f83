/** Voices: creation from PCM/bytes/files, prompt checks, the on-disk library (round trip, ids, traversal, bundled). */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAudio } from '../src/audio/encode.js';
import { encodeWav } from '../src/audio/wav.js';
import { createVoice, FileVoiceLibrary, resolveVoice, slugify, type LoadedModel } from '../src/engine/index.js';
import { loadFixture, parlaError, promptPcm } from './engine-helpers.js';

let model: LoadedModel;
let root: string;
let wav: Buffer;
beforeAll(async () => {
  model = await loadFixture();
  root = mkdtempSync(join(tmpdir(), 'parla-voices-'));
  wav = encodeWav(promptPcm(), 16000);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const freshDir = (name: string): string => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};

describe('createVoice', () => {
  it('encodes all Q codebooks of the trimmed, levelled prompt and phonemizes the transcript', async () => {
    const voice = await createVoice(model, promptPcm(), { name: 'Ada Lovelace', transcript: 'Hello there.' });
    expect(voice.id).toBe('ada-lovelace');
    expect(voice.codes.codebooks).toBe(model.numCodebooks);
    expect(voice.codes.frames).toBe(Math.ceil((voice.durationSeconds * 16000) / model.hopLength));
    expect(voice.durationSeconds).toBeGreaterThan(1.8);
    expect(voice.codes.data.every((c) => c >= 0 && c < model.codebookSize)).toBe(true);
    expect(voice.transcriptIds!.length).toBeGreaterThan(5);
    expect(voice.origin).toBe('user');
  });

  it('takes encoded bytes (wav, mp3) as well as PCM at another rate', async () => {
    const fromWav = await createVoice(model, wav, { name: 'w' });
    const mp3 = await encodeAudio(promptPcm(), 16000, 'mp3');
    const fromMp3 = await createVoice(model, mp3, { name: 'm' });
    const from8k = await createVoice(model, promptPcm(2, 8000), { name: 'r', sampleRate: 8000 });
    for (const v of [fromWav, fromMp3, from8k]) expect(v.durationSeconds).toBeGreaterThan(1.8);
  });

  it.each([
    ['too short', () => promptPcm(0.5), 'audio_too_short'],
    ['too long', () => promptPcm(31), 'audio_too_long'],
    ['digital silence', () => new Float32Array(3 * 16000), 'audio_silent'],
    ['near silence (-80 dBFS hum)', () => promptPcm(3).map((x) => x * 3e-4), 'audio_silent'],
    ['not audio', () => Buffer.from('this is a text file, not a recording of anyone'), 'not_audio'],
    ['empty bytes', () => Buffer.alloc(0), 'empty_input'],
  ])('%s -> %s', async (_name, input, code) => {
    expect((await parlaError(() => createVoice(model, input(), { name: 'bad' }))).code).toBe(code);
  });

  it('refuses an empty name', async () => {
    expect((await parlaError(() => createVoice(model, promptPcm(), { name: '  ' }))).param).toBe('name');
  });

  it.each([
    ['Ada Lovelace', 'ada-lovelace'],
    ['  Zoë (take 2)! ', 'zoe-take-2'],
    ['../../etc/passwd', 'etc-passwd'],
    ['日本語', 'voice'],
  ])('slugify(%j) = %j', (name, id) => expect(slugify(name)).toBe(id));
});

describe('FileVoiceLibrary', () => {
  it('create -> get round trip keeps codes and transcript identical, without re-encoding', async () => {
    const lib = new FileVoiceLibrary(model, { dir: freshDir('roundtrip') });
    const info = await lib.create({ name: 'Round Trip', audio: wav, transcript: 'What the prompt says.' });
    expect(info).toMatchObject({ id: 'round-trip', name: 'Round Trip', hasTranscript: true, origin: 'user' });
    const direct = await createVoice(model, wav, { name: 'Round Trip', transcript: 'What the prompt says.' });
    const loaded = await lib.get('round-trip');
    expect(Array.from(loaded.codes.data)).toEqual(Array.from(direct.codes.data));
    expect([loaded.codes.codebooks, loaded.codes.frames]).toEqual([direct.codes.codebooks, direct.codes.frames]);
    expect(Array.from(loaded.transcriptIds!)).toEqual(Array.from(direct.transcriptIds!));
    expect(loaded.transcript).toBe('What the prompt says.');
    // A second voice with the same name gets its own id.
    expect((await lib.create({ name: 'Round Trip', audio: wav })).id).toBe('round-trip-2');
    expect((await lib.list()).map((v) => v.id)).toEqual(['round-trip', 'round-trip-2']);
    await lib.delete('round-trip-2');
    expect((await lib.list()).map((v) => v.id)).toEqual(['round-trip']);
  });

  it('unknown id -> voice_not_found listing the valid ids', async () => {
    const lib = new FileVoiceLibrary(model, { dir: freshDir('unknown') });
    await lib.create({ name: 'alpha', audio: wav });
    const err = await parlaError(() => lib.get('beta'));
    expect(err.code).toBe('voice_not_found');
    expect(err.message).toContain('alpha');
  });

  it.each(['../outside', '..', 'a/../../outside', '/etc/passwd', '', 'UPPER', 'x'.repeat(65)])('id %j cannot reach outside the library', async (id) => {
    const dir = freshDir('traversal');
    const lib = new FileVoiceLibrary(model, { dir });
    // A valid voice just outside the library must stay unreachable.
    const outside = new FileVoiceLibrary(model, { dir: root });
    await outside.save({ ...(await createVoice(model, promptPcm(), { name: 'outside' })), id: 'outside' });
    expect((await parlaError(() => lib.get(id))).code).toBe('voice_not_found');
    expect((await parlaError(() => lib.delete(id))).code).toBe('voice_not_found');
  });

  it('bundled voices are listed as bundled and cannot be deleted; a voice of another model is refused', async () => {
    const bundled = freshDir('bundled');
    await new FileVoiceLibrary(model, { dir: bundled }).create({ name: 'narrator', audio: wav });
    const lib = new FileVoiceLibrary(model, { dir: freshDir('user'), bundledDirs: [bundled] });
    expect(await lib.list()).toMatchObject([{ id: 'narrator', origin: 'bundled' }]);
    expect((await lib.get('narrator')).origin).toBe('bundled');
    expect((await parlaError(() => lib.delete('narrator'))).param).toBe('voice');

    const other = freshDir('other-model');
    cpSync(join(bundled, 'narrator'), join(other, 'narrator'), { recursive: true });
    const file = join(other, 'narrator', 'voice.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace(`"modelId": "${model.id}"`, '"modelId": "another-model"'));
    const err = await parlaError(() => new FileVoiceLibrary(model, { dir: other }).get('narrator'));
    expect(err.message).toContain('another-model');
  });

  it('resolveVoice: an audio file path is a voice; --prompt-text replaces a saved transcript', async () => {
    const dir = freshDir('resolve');
    const path = join(dir, 'My Prompt.wav');
    writeFileSync(path, wav);
    const lib = new FileVoiceLibrary(model, { dir });
    const fromFile = await resolveVoice(model, lib, path, { promptText: 'Hello.' });
    expect([fromFile.id, fromFile.transcript]).toEqual(['my-prompt', 'Hello.']);
    await lib.create({ name: 'saved', audio: wav, transcript: 'Original words.' });
    expect((await resolveVoice(model, lib, 'saved', { promptText: 'New words.' })).transcript).toBe('New words.');
    expect((await parlaError(() => resolveVoice(model, lib, 'missing.wav'))).code).toBe('voice_not_found');
  });
});
