/** The bundled voices in voices/: they load with the shipped codec, every OpenAI name maps to one, and the API protects them. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import pino from 'pino';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVoice, FileVoiceLibrary, loadCodecModel, loadModel, type CodecOnlyModel, type LoadedModel, type VoiceInfo } from '../src/engine/index.js';
import { ParlaError } from '../src/errors.js';
import { bundledVoicesDir, voiceLibraryDirs } from '../src/paths.js';
import { startServer } from '../src/server/index.js';
import { OPENAI_VOICES, readVoiceAliases, resolveVoiceId } from '../src/engine/voice-aliases.js';
import { expectEnvelope, json, postJson, promptWav, startTestServer, tempDir, testConfig, TINY_MODEL, uploadVoice } from './server-harness.js';

const VOICES = resolve(import.meta.dirname, '..', 'voices');
const DEFAULT_MODEL = resolve(import.meta.dirname, '..', 'models', 'default');

describe('bundled voices with the shipped codec (models/default, codec only)', () => {
  let codec: CodecOnlyModel;
  let library: FileVoiceLibrary;
  let bundled: VoiceInfo[];
  beforeAll(async () => {
    codec = await loadCodecModel(DEFAULT_MODEL, { threads: 1 });
    library = new FileVoiceLibrary(codec, { dir: VOICES });
    bundled = (await library.list()).filter((v) => v.origin === 'bundled');
  });

  it('the shipped codec has its own id, which the bundled voices are tied to', () => {
    expect(codec.codecId).toBe('codec-cpu1-step6648');
    expect(bundled.length).toBeGreaterThanOrEqual(4);
  });

  it('every bundled voice loads: all codebooks, a 3-6 s prompt, its transcript phonemized', async () => {
    for (const info of bundled) {
      const voice = await library.get(info.id);
      expect(voice.origin, info.id).toBe('bundled');
      expect(voice.codes.codebooks, info.id).toBe(codec.numCodebooks);
      expect(voice.durationSeconds, info.id).toBeGreaterThanOrEqual(3);
      expect(voice.durationSeconds, info.id).toBeLessThanOrEqual(6);
      expect(voice.codes.frames, info.id).toBe(Math.ceil((voice.durationSeconds * codec.sampleRate) / codec.hopLength));
      expect(voice.codes.data.every((c) => c >= 0 && c < codec.codebookSize), info.id).toBe(true);
      expect(voice.transcript, info.id).toMatch(/\w+ \w+/);
      expect(voice.transcriptIds!.length, info.id).toBeGreaterThan(20);
    }
  });

  it('every OpenAI voice name resolves through voices/aliases.json to a bundled voice', async () => {
    const aliases = readVoiceAliases(VOICES);
    expect(Object.keys(aliases).sort()).toEqual([...OPENAI_VOICES].sort());
    const ids = new Set(bundled.map((v) => v.id));
    for (const name of OPENAI_VOICES) {
      expect(ids.has(aliases[name]), `${name} -> ${aliases[name]}`).toBe(true);
      expect(await resolveVoiceId(name, library, {}, aliases)).toBe(aliases[name]);
      expect(await resolveVoiceId(name.toUpperCase(), library, {}, aliases)).toBe(aliases[name]);
    }
    // PARLA_VOICE_MAP still wins over the bundled mapping.
    expect(await resolveVoiceId('alloy', library, { alloy: 'rms' }, aliases)).toBe('rms');
    // Every bundled voice is reachable by some OpenAI name.
    expect(new Set(Object.values(aliases))).toEqual(ids);
  });
});

describe('readVoiceAliases refuses a broken aliases.json, naming the problem', () => {
  const dirs = tempDir('aliases');
  afterAll(() => dirs.remove());
  const write = (name: string, content: unknown): string => {
    const dir = join(dirs.dir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'aliases.json'), typeof content === 'string' ? content : JSON.stringify(content));
    return dir;
  };
  const file = (aliases: unknown) => ({ format: 'parla-voice-aliases', version: 1, aliases });

  it('no file: no aliases', () => expect(readVoiceAliases(join(dirs.dir, 'none'))).toEqual({}));

  it.each([
    ['not JSON', '{"alloy": ', /not readable JSON/],
    ['no format tag', { aliases: { alloy: 'a' } }, /must be \{"format": "parla-voice-aliases"/],
    ['aliases as a list', file(['alloy']), /must be \{"format"/],
    ['a name OpenAI does not have', file({ robot: 'a' }), /"robot" is not an OpenAI voice name/],
    ['an id with a path', file({ alloy: '../etc' }), /"alloy" must map to a voice id/],
  ])('%s', (_what, content, message) => {
    const dir = write(_what.replace(/\W+/g, '-'), content);
    let err: unknown;
    try {
      readVoiceAliases(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParlaError);
    expect((err as ParlaError).message).toMatch(message);
    expect((err as ParlaError).message).toContain(join(dir, 'aliases.json'));
  });
});

describe('the HTTP API over a voices folder with bundled voices and aliases.json', () => {
  const voices = tempDir('bundled-api');
  let model: LoadedModel;
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let base: string;
  beforeAll(async () => {
    model = await loadModel(TINY_MODEL, { threads: 1 });
    // Voices of the fixture's codec, laid out like voices/: bundled ones marked in voice.json, plus aliases.json.
    const lib = new FileVoiceLibrary(model, { dir: voices.dir });
    for (const name of ['First', 'Second']) await lib.save(await createVoice(model, promptWav(), { name, origin: 'bundled' }));
    writeFileSync(join(voices.dir, 'aliases.json'), JSON.stringify({ format: 'parla-voice-aliases', version: 1, aliases: { alloy: 'second', echo: 'first' } }));
    server = await startTestServer(voices.dir, model);
    base = server.url;
  });
  afterAll(async () => {
    await server?.close();
    voices.remove();
  });

  it('lists bundled voices as bundled and the aliases in effect', async () => {
    const list = await json(await fetch(`${base}/v1/audio/voices`));
    expect(list.voices).toMatchObject([{ id: 'first', origin: 'bundled' }, { id: 'second', origin: 'bundled' }]);
    expect(list.openai_aliases).toMatchObject({ alloy: 'second', echo: 'first' });
    // Names aliases.json leaves out still reach a bundled voice (in turn).
    expect(Object.keys(list.openai_aliases).sort()).toEqual([...OPENAI_VOICES].sort());
  });

  it('an OpenAI name speaks with the voice aliases.json gives it', async () => {
    const res = await postJson(`${base}/v1/audio/speech`, { model: 'tts-1', input: 'Hi.', voice: 'alloy', response_format: 'wav', seed: 1 });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(res.headers.get('x-parla-voice')).toBe('second');
    expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(44);
  });

  it('refuses to delete a bundled voice, in the OpenAI envelope, and keeps it', async () => {
    const error = await expectEnvelope(await fetch(`${base}/v1/audio/voices/first`, { method: 'DELETE' }), 400, 'invalid_input');
    expect(error.message).toMatch(/"first" is bundled with Parla and cannot be deleted/);
    expect(error.param).toBe('id'); // the path's id, as GET names it
    expect((await fetch(`${base}/v1/audio/voices/first`)).status).toBe(200);
  });

  it('a broken aliases.json stops the server at start, naming the file', async () => {
    const broken = tempDir('broken-aliases');
    try {
      writeFileSync(join(broken.dir, 'aliases.json'), JSON.stringify({ format: 'parla-voice-aliases', version: 1, aliases: { alloy: 'Not An Id' } }));
      await expect(startTestServer(broken.dir, model)).rejects.toThrow(/aliases\.json: "alloy" must map to a voice id/);
    } finally {
      broken.remove();
    }
  });
});

describe('bundled voices with PARLA_VOICES_DIR / --voices-dir elsewhere', () => {
  const user = tempDir('user-voices');
  afterAll(() => user.remove());

  it('the library adds the package voices/ read-only unless it is the voices folder itself', () => {
    expect(bundledVoicesDir()).toBe(VOICES);
    expect(voiceLibraryDirs(user.dir)).toEqual({ dir: user.dir, bundledDirs: [VOICES] });
    expect(voiceLibraryDirs(VOICES)).toEqual({ dir: VOICES, bundledDirs: [] });
    const link = join(user.dir, 'link-to-voices');
    symlinkSync(VOICES, link);
    expect(voiceLibraryDirs(link).bundledDirs).toEqual([]); // the same folder through a symlink
  });

  it('bundled voices load from a library over another folder, and cannot be deleted there', async () => {
    const codec = await loadCodecModel(DEFAULT_MODEL, { threads: 1 });
    const library = new FileVoiceLibrary(codec, voiceLibraryDirs(join(user.dir, 'library')));
    const listed = await library.list();
    expect(listed.filter((v) => v.origin === 'bundled').map((v) => v.id)).toEqual(expect.arrayContaining(['slt', 'slt-hts', 'eve', 'rms', 'awb', 'kal']));
    const slt = await library.get('slt');
    expect(slt.origin).toBe('bundled');
    expect(slt.codes.codebooks).toBe(codec.numCodebooks);
    await expect(library.delete('slt')).rejects.toThrow(/bundled with Parla and cannot be deleted/);
  });

  it('the HTTP API lists them and maps OpenAI names through voices/aliases.json; the folder\'s own aliases win', async () => {
    const dir = join(user.dir, 'api');
    mkdirSync(dir);
    writeFileSync(join(dir, 'aliases.json'), JSON.stringify({ format: 'parla-voice-aliases', version: 1, aliases: { echo: 'mine' } }));
    const model = await loadModel(TINY_MODEL, { threads: 1 });
    // As `parla serve --voices-dir <dir>` builds it (no bundledVoices option).
    const server = await startServer({ config: testConfig(dir), model, logger: pino({ level: 'silent' }) });
    try {
      expect((await uploadVoice(server.url, 'Mine', promptWav())).status).toBe(201);
      const list = await json(await fetch(`${server.url}/v1/audio/voices`));
      const origins = Object.fromEntries(list.voices.map((v: VoiceInfo) => [v.id, v.origin]));
      expect(origins).toMatchObject({ slt: 'bundled', 'slt-hts': 'bundled', eve: 'bundled', rms: 'bundled', awb: 'bundled', kal: 'bundled', mine: 'user' });
      expect(list.openai_aliases).toMatchObject({ alloy: 'slt', nova: 'slt', onyx: 'rms', echo: 'mine' });
      // alloy reaches slt; the fixture model has another codec, which the refusal names.
      const error = await expectEnvelope(await postJson(`${server.url}/v1/audio/speech`, { model: 'tts-1', input: 'Hi.', voice: 'alloy' }), 400, 'invalid_input');
      expect(error.message).toMatch(/voice "slt" holds codes of codec "codec-cpu1-step6648"/);
      await expectEnvelope(await fetch(`${server.url}/v1/audio/voices/slt`, { method: 'DELETE' }), 400, 'invalid_input');
      // An OpenAI name shows the voice it stands for, and is not deleted as if it were one.
      expect(await json(await fetch(`${server.url}/v1/audio/voices/alloy`))).toMatchObject({ id: 'slt', origin: 'bundled', openai_name: 'alloy' });
      expect(await json(await fetch(`${server.url}/v1/audio/voices/echo`))).toMatchObject({ id: 'mine', openai_name: 'echo' });
      const del = await expectEnvelope(await fetch(`${server.url}/v1/audio/voices/alloy`, { method: 'DELETE' }), 400, 'invalid_input');
      expect(del.message).toMatch(/"alloy" is an OpenAI voice name standing for the voice "slt"/);
      await expectEnvelope(await fetch(`${server.url}/v1/audio/voices/nobody`), 404, 'voice_not_found');
    } finally {
      await server.close();
    }
  });
});
