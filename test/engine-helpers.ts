/** Shared setup for the engine tests: the tiny random-weight fixture model (loaded once per file) and a prompt voice. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chirp, syllabify } from '../src/audio/signals.js';
import { createVoice, loadModel, type LoadedModel, type Voice } from '../src/engine/index.js';
import { ParlaError } from '../src/errors.js';

/** PARLA_TEST_MODEL points the tests at another model folder (e.g. a freshly exported tiny model). */
export const FIXTURE = process.env.PARLA_TEST_MODEL ?? resolve(import.meta.dirname, 'fixtures', 'tiny-model');

export async function loadFixture(): Promise<LoadedModel> {
  return loadModel(FIXTURE, { threads: 1 });
}

/** A 2 s chirp in syllable-like bursts as prompt audio: not speech, but real audio through the real codec, and loud and soft by turns as voice prompts must be. */
export function promptPcm(seconds = 2, sampleRate = 16000): Float32Array {
  return syllabify(chirp(150, 3000, seconds, sampleRate, 0.3), sampleRate);
}

export async function fixtureVoice(model: LoadedModel, transcript?: string): Promise<Voice> {
  return createVoice(model, promptPcm(), { name: 'Test Chirp', transcript });
}

/** Runs fn and returns the ParlaError it throws (fails the test if it throws nothing or something else). */
export async function parlaError(fn: () => unknown): Promise<ParlaError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ParlaError) return err;
    throw err;
  }
  throw new Error('expected a ParlaError, nothing was thrown');
}

/** The tiny pointer fixture (phoneme-pointer AR, code reader, and an audio reader the tests can swap in). */
export const POINTER_FIXTURE = resolve(import.meta.dirname, 'fixtures', 'tiny-pointer-model');

/**
 * A temporary copy of a fixture folder whose model.json is patched (and one file removed); its path is pushed to
 * `dirs` for the caller to remove.
 */
export function fixtureCopy(fixture: string, dirs: string[], patch: (m: Record<string, any>) => void, remove?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'parla-fixture-'));
  dirs.push(dir);
  cpSync(fixture, dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(fixture, 'model.json'), 'utf8'));
  patch(m);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(m));
  if (remove) rmSync(join(dir, remove));
  return dir;
}
