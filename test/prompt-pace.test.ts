/**
 * Voice prompts with the shipped model and real recordings: a slow speaker's prompt is sped up to the model's pace
 * (by its transcript, or by the phonemes the audio reader hears when there is none), a prompt at pace is kept, a
 * prompt without transcript gets the reader's phonemes in its place, and a transcript it does not say is refused.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createVoice, FileVoiceLibrary, loadCodecModel, type CodecOnlyModel } from '../src/engine/index.js';
import { ParlaError } from '../src/errors.js';
import { AudioReader } from '../src/lm/audio-reader.js';
import { loadRecordings, loadTtsEvalSet, recordingPath } from '../src/eval/run-sets.js';
import { tempDir } from './server-harness.js';

const DEFAULT_MODEL = resolve(import.meta.dirname, '..', 'models', 'default');
type Recording = Awaited<ReturnType<typeof loadRecordings>>[number];

/** Phoneme error rate of `heard` against `truth` (Levenshtein distance / truth length). */
function errorRate(heard: ArrayLike<number>, truth: ArrayLike<number>): number {
  let row = Array.from({ length: truth.length + 1 }, (_, j) => j);
  for (let i = 1; i <= heard.length; i++) {
    const next = [i];
    for (let j = 1; j <= truth.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (heard[i - 1] === truth[j - 1] ? 0 : 1));
    row = next;
  }
  return row[truth.length] / truth.length;
}

describe('voice prompts brought to the shipped model pace (real recordings)', () => {
  let model: CodecOnlyModel;
  let kathleen: Recording;
  let slow: Recording;
  let slowFile: string;
  beforeAll(async () => {
    model = await loadCodecModel(DEFAULT_MODEL, { threads: 1 });
    [kathleen] = await loadRecordings(loadTtsEvalSet('ci-tts').prompts);
    // the slowest held-out speaker's prompt (010920024: 4.3 phoneme symbols a second)
    const slowItem = loadTtsEvalSet('tts-zeroshot').prompts.find((r) => r.id.endsWith('010920024'))!;
    [slow] = await loadRecordings([slowItem]);
    slowFile = recordingPath(slowItem);
  });

  it('the codec-only model opens the audio reader too (voices are made with it)', () => {
    expect(model.reader).toBeInstanceOf(AudioReader);
  });

  it("keeps Kathleen's prompt as recorded, with or without transcript, and hears her phonemes nearly as written", async () => {
    const told = await createVoice(model, kathleen.audio, { name: 'k', transcript: kathleen.text, sampleRate: 16000 });
    const untold = await createVoice(model, kathleen.audio, { name: 'k', sampleRate: 16000 });
    for (const v of [told, untold]) expect(v.promptTempo).toBeUndefined();
    expect(told.transcriptHeard).toBeUndefined();
    expect(untold.transcriptHeard).toBe(true);
    expect(untold.transcript).toBeUndefined();
    expect(Array.from(untold.codes.data)).toEqual(Array.from(told.codes.data));
    const written = (model.reader as AudioReader).targets(told.transcriptIds!);
    expect(errorRate(untold.transcriptIds!, written)).toBeLessThan(0.25); // 0.167 measured; the reader's held-out rate is 0.335
  });

  it("refuses a typed transcript the prompt does not say, naming the transcript; takes one missing a word", async () => {
    const err = await createVoice(model, kathleen.audio, { name: 'k', transcript: slow.text, sampleRate: 16000 }).catch((e) => e);
    expect(err).toBeInstanceOf(ParlaError);
    expect(err).toMatchObject({ code: 'invalid_input', param: 'transcript' });
    expect(err.message).toMatch(/^the transcript does not match the voice prompt: the audio scores [\d.]+ nats per phoneme against it, where a matching transcript scores under 5\. Check it, or leave it out/);
    const shorter = kathleen.text.split(' ').slice(0, -1).join(' ');
    expect((await createVoice(model, kathleen.audio, { name: 'k', transcript: shorter, sampleRate: 16000 })).transcript).toBe(shorter);
  });

  it("speeds a slow speaker's prompt up 2x, by its transcript or by what the reader hears, and saves it so", async () => {
    const told = await createVoice(model, slow.audio, { name: 's', transcript: slow.text, sampleRate: 16000 });
    const untold = await createVoice(model, slow.audio, { name: 's', sampleRate: 16000 });
    for (const v of [told, untold]) {
      expect(v.promptTempo).toBe(2);
      expect(v.durationSeconds).toBeGreaterThan(2.4);
      expect(v.durationSeconds).toBeLessThan(2.8); // 5.2 s of speech
    }
    // through the library, from the recording's file as uploaded: voice.json keeps the speed-up and the heard phonemes
    const folder = tempDir('paced');
    try {
      const library = new FileVoiceLibrary(model, { dir: folder.dir });
      const info = await library.create({ name: 'Slow', audio: readFileSync(slowFile), id: 'slow' });
      expect(info).toMatchObject({ promptTempo: 2, hasTranscript: false });
      const loaded = await library.get('slow');
      expect(loaded.transcriptHeard).toBe(true);
      expect(Array.from(loaded.transcriptIds!)).toEqual(Array.from(untold.transcriptIds!));
      expect(Array.from(loaded.codes.data)).toEqual(Array.from(untold.codes.data));
    } finally {
      folder.remove();
    }
  });

  it("cuts a long prompt (Kathleen's, three times over: 12 s) to the 6 s the model was trained on, at a pause, and hears the part kept", async () => {
    const gap = new Float32Array(4800);
    const long = Float32Array.from([...kathleen.audio, ...gap, ...kathleen.audio, ...gap, ...kathleen.audio]);
    const told = [kathleen.text, kathleen.text, kathleen.text].join(' ');
    const voice = await createVoice(model, long, { name: 'k3', transcript: told, sampleRate: 16000 });
    const once = await createVoice(model, kathleen.audio, { name: 'k', sampleRate: 16000 });
    // Paced first (the pauses make the whole slower than her pace), then cut in the first pause after 3 s: what is
    // kept is her prompt once, at that pace.
    expect(voice.promptTempo).toBeGreaterThan(1);
    expect(voice.promptCroppedFrom).toBeGreaterThan(11 / voice.promptTempo!);
    expect(voice.durationSeconds).toBeLessThanOrEqual(6);
    expect(Math.abs(voice.durationSeconds - once.durationSeconds / voice.promptTempo!)).toBeLessThan(0.3);
    expect(voice.transcript).toBeUndefined();
    expect(voice.transcriptHeard).toBe(true);
    expect(errorRate(voice.transcriptIds!, once.transcriptIds!)).toBeLessThan(0.25); // 0.17 measured: the same words, sped up 1.18x
    // A typed transcript that is not what the long prompt says is still refused (checked against all of it).
    await expect(createVoice(model, long, { name: 'k3', transcript: slow.text, sampleRate: 16000 })).rejects.toMatchObject({ param: 'transcript' });
  });
});
