/** Voices: creation from PCM/bytes/files, prompt checks, the on-disk library (round trip, ids, traversal, bundled, codec ids). */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/decode.js';
import { encodeAudio } from '../src/audio/encode.js';
import { loudnessSpreadDb } from '../src/audio/loudness.js';
import { chirp, sineTone, whiteNoise } from '../src/audio/signals.js';
import { trimSilence } from '../src/audio/silence.js';
import { sharedDataDir } from '../src/eval/shared-data.js';
import { encodeWav } from '../src/audio/wav.js';
import { createVoice, FileVoiceLibrary, MIN_PROMPT_SPREAD_DB, loadCodecModel, resolveVoice, slugify, type CodecOnlyModel, type LoadedModel } from '../src/engine/index.js';
import { promptTempo } from '../src/engine/prompt-pace.js';
import { FIXTURE, loadFixture, parlaError, promptPcm } from './engine-helpers.js';

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
    expect(voice.promptTempo).toBeUndefined(); // the fixture asks for no pace (model.json prompt_pace: next test)
    expect(voice.id).toBe('ada-lovelace');
    expect(voice.codes.codebooks).toBe(model.numCodebooks);
    expect(voice.codes.frames).toBe(Math.ceil((voice.durationSeconds * 16000) / model.hopLength));
    expect(voice.durationSeconds).toBeGreaterThan(1.8);
    expect(voice.codes.data.every((c) => c >= 0 && c < model.codebookSize)).toBe(true);
    expect(voice.transcriptIds!.length).toBeGreaterThan(5);
    expect(voice.origin).toBe('user');
  });

  it("speeds a slow prompt up to the model's prompt_pace (transcript symbols per second), at most max_speedup and never below 1 s", async () => {
    const paced = { ...model, promptPace: { symbolsPerSecond: 18, heardPerSecond: 12.6, maxSpeedup: 2 } };
    const slow = await createVoice(paced, promptPcm(3), { name: 's', transcript: 'Hello there.' });
    expect(slow.transcriptIds!.length / 3).toBeLessThan(18 / 2);
    expect(slow.promptTempo).toBe(2);
    expect(slow.durationSeconds).toBeCloseTo(1.5, 1);
    expect(slow.codes.frames).toBe(Math.ceil((slow.durationSeconds * 16000) / model.hopLength));
    // 1.2 s: halving would leave 0.6 s of voice, so it stops at 1 s
    expect((await createVoice(paced, promptPcm(1.2), { name: 'c', transcript: 'Hi.' })).durationSeconds).toBeCloseTo(1, 1);
    // no transcript and no audio reader (the fixture's reads codes): nothing to measure the pace by, kept as recorded
    const untold = await createVoice(paced, promptPcm(3), { name: 'u' });
    expect(untold.promptTempo).toBeUndefined();
    expect(untold.durationSeconds).toBeGreaterThan(2.8);
  });

  it("cuts a prompt longer than the model's prompt_max_seconds at its pause, and drops a transcript that spoke for all of it", async () => {
    const limited = { ...model, promptMaxSeconds: 6 };
    // 4 s of chirp, 0.4 s of silence, 5 s more: 9.4 s of speech, cut in the pause.
    const long = Float32Array.from([...promptPcm(4), ...new Float32Array(6400), ...promptPcm(5)]);
    const cut = await createVoice(limited, long, { name: 'l', transcript: 'Hello there, and hello again.' });
    expect(cut.promptCroppedFrom).toBeCloseTo(9.4, 1);
    expect(cut.durationSeconds).toBeGreaterThan(3.9);
    expect(cut.durationSeconds).toBeLessThan(4.2);
    // The fixture's reader reads codes, so nothing hears the part kept: no transcript ids (reference mode without one).
    expect(cut.transcript).toBeUndefined();
    expect(cut.transcriptIds).toBeUndefined();
    // Within the limit: whole, transcript kept; the model without a limit keeps the long one whole.
    const short = await createVoice(limited, promptPcm(5.5), { name: 's', transcript: 'Hello there.' });
    expect(short.promptCroppedFrom).toBeUndefined();
    expect(short.transcriptIds!.length).toBeGreaterThan(5);
    expect((await createVoice(model, long, { name: 'w' })).durationSeconds).toBeGreaterThan(9.3);
    // A library round trip keeps the record of the cut.
    const library = new FileVoiceLibrary(limited, { dir: freshDir('cropped') });
    await library.save(cut);
    expect((await library.get('l')).promptCroppedFrom).toBeCloseTo(9.4, 1);
    expect((await library.list()).find((v) => v.id === 'l')?.promptCroppedFrom).toBeCloseTo(9.4, 1);
  });

  it.each([
    [18, 1, 1], // at pace
    [35, 2, 1], // within 5% of it
    [30, 2, 1.2],
    [9, 1.5, 1.5], // 2x would leave 0.75 s: stops at 1 s
    [10, 4, 2], // capped
    [60, 2, 1], // faster than the pace: not slowed down
    [0, 2, 1], // nothing heard: no pace to go by
  ])('promptTempo(%d symbols, %d s) at 18 a second, at most 2x = %d', (symbols, seconds, tempo) => expect(promptTempo(symbols, seconds, 1, 18, 2)).toBe(tempo));

  it('promptTempo takes another pace, cap and shortest length', () => {
    expect(promptTempo(16, 2, 1, 12.6, 2)).toBe(1.58);
    expect(promptTempo(16, 2, 1.6, 12.6, 2)).toBe(1.25);
    expect(promptTempo(10, 4, 1, 18, 1.5)).toBe(1.5);
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

  describe('a prompt must sound like speech (its loudness rises and falls)', () => {
    const sr = 16000;
    /** 50 and 150 Hz mains hum. */
    const hum = (): Float32Array => sineTone(50, 4, sr, 0.2).map((x, i) => x + 0.1 * Math.sin((2 * Math.PI * 150 * i) / sr));
    const steady: [string, () => Float32Array][] = [
      ['a 440 Hz sine', () => sineTone(440, 4, sr, 0.3)],
      ['a chirp', () => chirp(150, 3000, 4, sr, 0.3)],
      ['white noise', () => whiteNoise(4, sr, 0.3, 5)],
      ['mains hum', hum],
    ];
    it.each(steady)('%s is refused, saying why', async (_name, input) => {
      const err = await parlaError(() => createVoice(model, input(), { name: 'steady' }));
      expect(err).toMatchObject({ code: 'invalid_input', param: 'audio' });
      expect(err.message).toMatch(/does not sound like speech: its loudness hardly changes \([0-9.]+ dB/);
    });

    it("Kathleen's recording passes, alone and under white noise 5 dB below it; the steady signals stay under the bar", async () => {
      const speech = trimSilence(await decodeAudio(join(sharedDataDir(), 'kathleen', 'audio', 'arctic_a0002_1592748530.opus'), { sampleRate: sr }), sr);
      expect(loudnessSpreadDb(speech, sr)).toBeGreaterThan(15);
      const power = speech.reduce((sum, x) => sum + x * x, 0) / speech.length;
      const noise = whiteNoise(speech.length / sr, sr, Math.sqrt((3 * power) / 10 ** 0.5), 9); // uniform: power = a^2 / 3
      const noisy = speech.map((x, i) => x + noise[i]);
      expect(loudnessSpreadDb(noisy, sr)).toBeGreaterThan(MIN_PROMPT_SPREAD_DB);
      expect((await createVoice(model, noisy, { name: 'noisy' })).durationSeconds).toBeGreaterThan(3);
      for (const [, input] of steady) expect(loudnessSpreadDb(input(), sr)).toBeLessThan(MIN_PROMPT_SPREAD_DB - 1);
    });
  });

  it('refuses an empty name', async () => {
    expect((await parlaError(() => createVoice(model, promptPcm(), { name: '  ' }))).param).toBe('name');
    // A JavaScript caller's number (or missing name) is the same error, not a TypeError.
    expect((await parlaError(() => createVoice(model, promptPcm(), { name: 7 as unknown as string }))).param).toBe('name');
    expect((await parlaError(() => createVoice(model, promptPcm(), {} as { name: string }))).param).toBe('name');
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
    expect(loaded.promptTempo).toBeUndefined(); // the fixture asks for no pace (the library keeps one: prompt-pace.test.ts)
    expect(info.promptTempo).toBeUndefined();
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

  it('bundled voices are listed as bundled and cannot be deleted', async () => {
    const bundled = freshDir('bundled');
    await new FileVoiceLibrary(model, { dir: bundled }).create({ name: 'narrator', audio: wav, origin: 'bundled' });
    // a user voice saved in the bundled folder (the package's voices/ as someone's default library) is not offered
    await new FileVoiceLibrary(model, { dir: bundled }).create({ name: 'Mine', audio: wav, id: 'mine' });
    const lib = new FileVoiceLibrary(model, { dir: freshDir('user'), bundledDirs: [bundled] });
    expect(await lib.list()).toMatchObject([{ id: 'narrator', origin: 'bundled' }]);
    expect(await lib.list()).toHaveLength(1);
    expect((await parlaError(() => lib.get('mine'))).code).toBe('voice_not_found');
    expect((await parlaError(() => lib.delete('mine'))).code).toBe('voice_not_found');
    expect((await lib.get('narrator')).origin).toBe('bundled');
    const err = await parlaError(() => lib.delete('narrator'));
    expect([err.code, err.param]).toEqual(['invalid_input', 'voice']);
    expect(err.message).toMatch(/bundled with Parla and cannot be deleted/);
    // A voice.json marked bundled in the user folder itself (the repo's voices/) is just as protected.
    const own = freshDir('own-bundled');
    await new FileVoiceLibrary(model, { dir: own }).create({ name: 'Shipped', audio: wav, id: 'shipped', origin: 'bundled' });
    const ownLib = new FileVoiceLibrary(model, { dir: own });
    expect(await ownLib.list()).toMatchObject([{ id: 'shipped', name: 'Shipped', origin: 'bundled' }]);
    expect((await parlaError(() => ownLib.delete('shipped'))).message).toMatch(/bundled/);
    // nor can a user voice take its id there (it would replace the shipped one, which could then be deleted)
    const taken = await parlaError(() => ownLib.create({ name: 'Fake', audio: wav, id: 'shipped' }));
    expect([taken.code, taken.param]).toEqual(['invalid_input', 'id']);
    expect(taken.message).toBe('voice "shipped" is bundled with Parla and cannot be replaced; save yours under another id');
    expect((await ownLib.get('shipped')).name).toBe('Shipped');
    // in another folder a user voice may shadow a bundled id: the bundled one stays where it is
    expect((await lib.create({ name: 'My narrator', audio: wav, id: 'narrator' })).origin).toBe('user');
    expect((await new FileVoiceLibrary(model, { dir: bundled }).get('narrator')).origin).toBe('bundled');
  });

  it('uploads of one name at once get distinct ids, none overwritten, no temp folder left', async () => {
    const dir = freshDir('race');
    const lib = new FileVoiceLibrary(model, { dir });
    const made = await Promise.all(Array.from({ length: 4 }, () => lib.create({ name: 'Race', audio: wav })));
    expect(made.map((v) => v.id).sort()).toEqual(['race', 'race-2', 'race-3', 'race-4']);
    expect(readdirSync(dir).sort()).toEqual(['race', 'race-2', 'race-3', 'race-4']);
    // the same explicit id at once: written one after the other, the folder whole
    await Promise.all(Array.from({ length: 3 }, (_, i) => lib.create({ name: `Take ${i}`, audio: wav, id: 'fixed' })));
    expect((await lib.get('fixed')).codes.frames).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });

  it('a damaged voice: missing codes are named on use; an unreadable voice.json can still be removed', async () => {
    const dir = freshDir('damaged');
    const lib = new FileVoiceLibrary(model, { dir });
    await lib.create({ name: 'No codes', audio: wav });
    rmSync(join(dir, 'no-codes', 'codes.pcodes'));
    const err = await parlaError(() => lib.get('no-codes'));
    expect([err.code, err.message]).toEqual(['invalid_input', 'voice "no-codes" is damaged: its codes.pcodes is missing; create it again from its audio']);
    await lib.create({ name: 'Broken', audio: wav });
    writeFileSync(join(dir, 'broken', 'voice.json'), '{ not json');
    expect((await lib.list()).map((v) => v.id)).toEqual(['no-codes']);
    await lib.delete('broken');
    expect(readdirSync(dir)).toEqual(['no-codes']);
  });

  it('create with an explicit id replaces the voice saved under it', async () => {
    const lib = new FileVoiceLibrary(model, { dir: freshDir('explicit-id') });
    await lib.create({ name: 'First', audio: wav, id: 'fixed' });
    expect(await lib.create({ name: 'Second', audio: wav, id: 'fixed', transcript: 'Hello.' })).toMatchObject({ id: 'fixed', name: 'Second', hasTranscript: true });
    expect((await lib.list()).map((v) => [v.id, v.name])).toEqual([['fixed', 'Second']]);
    expect((await parlaError(() => lib.create({ name: 'Bad', audio: wav, id: '../up' }))).param).toBe('id');
  });

  describe('voices are tied to the codec, not to the model id', () => {
    /** A model folder reusing the fixture's codec graphs with its own model id and codec section. */
    const codecModel = async (name: string, modelId: string, codecId?: string): Promise<CodecOnlyModel> => {
      const dir = freshDir(name);
      for (const f of ['codec_encoder.onnx', 'codec_decoder.onnx']) cpSync(join(FIXTURE, f), join(dir, f));
      const manifest = JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8'));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, id: modelId, codec: { ...manifest.codec, ...(codecId ? { id: codecId } : {}) } }));
      return loadCodecModel(dir, { threads: 1 });
    };
    let dir: string;
    beforeAll(async () => {
      dir = freshDir('codec-tied');
      await new FileVoiceLibrary(model, { dir }).create({ name: 'Narrator', audio: wav, transcript: 'Hello there.' });
    });

    it('writes codecId (and the model id it was made with) to voice.json', () => {
      const file = JSON.parse(readFileSync(join(dir, 'narrator', 'voice.json'), 'utf8'));
      expect([model.codecId, file.codecId, file.modelId]).toEqual(['tiny-random', 'tiny-random', 'tiny-random']);
    });

    it('same codec, different model id -> accepted', async () => {
      const next = await codecModel('next-lm', 'tiny-lm-v2', 'tiny-random');
      expect([next.id, next.codecId]).toEqual(['tiny-lm-v2', 'tiny-random']);
      const voice = await new FileVoiceLibrary(next, { dir }).get('narrator');
      expect(voice.transcript).toBe('Hello there.');
    });

    it('different codec -> refused, naming both codecs and what to do', async () => {
      const other = await codecModel('other-codec', 'tiny-lm-v3', 'tiny-codec-v2');
      const err = await parlaError(() => new FileVoiceLibrary(other, { dir }).get('narrator'));
      expect([err.code, err.param]).toEqual(['invalid_input', 'voice']);
      expect(err.message).toContain('codec "tiny-random"');
      expect(err.message).toContain('codec "tiny-codec-v2"');
      expect(err.message).toMatch(/create the voice again from its audio/);
      // Without codec.id a model's codec is its model id: a renamed model is another codec.
      const renamed = await codecModel('renamed', 'renamed-model');
      expect((await parlaError(() => new FileVoiceLibrary(renamed, { dir }).get('narrator'))).message).toContain('codec "renamed-model"');
    });

    it('an older voice.json with only modelId is compared against the codec id', async () => {
      const old = freshDir('old-format');
      cpSync(join(dir, 'narrator'), join(old, 'narrator'), { recursive: true });
      const file = join(old, 'narrator', 'voice.json');
      const { codecId: _dropped, ...legacy } = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify(legacy));
      expect((await new FileVoiceLibrary(await codecModel('legacy-next', 'tiny-lm-v4', 'tiny-random'), { dir: old }).get('narrator')).id).toBe('narrator');
      writeFileSync(file, JSON.stringify({ ...legacy, modelId: 'another-model' }));
      const err = await parlaError(() => new FileVoiceLibrary(model, { dir: old }).get('narrator'));
      expect(err.message).toContain('another-model');
      writeFileSync(file, JSON.stringify({ ...legacy, modelId: undefined }));
      expect((await parlaError(() => new FileVoiceLibrary(model, { dir: old }).get('narrator'))).message).toMatch(/needs .*codecId/);
    });
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
    // What cannot be an id was meant as a file: its problem is named, not "unknown voice"
    const missing = await parlaError(() => resolveVoice(model, lib, 'missing.wav'));
    expect([missing.code, missing.message]).toEqual(['file_not_found', "voice audio file not found: missing.wav (and it cannot be a saved voice's id)"]);
    expect((await parlaError(() => resolveVoice(model, lib, './clips/a'))).code).toBe('file_not_found');
    expect((await parlaError(() => resolveVoice(model, lib, dir))).message).toBe(`voice ${dir} is a folder, not an audio file`);
    expect((await parlaError(() => resolveVoice(model, lib, 'nobody'))).code).toBe('voice_not_found');
  });
});
