/** A model's recommended sampling settings (model.json `sampling`): requests that leave a setting out get them. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { validateManifest } from '../src/engine/manifest.js';
import { FIXTURE, fixtureVoice } from './engine-helpers.js';

const manifest = JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'parla-sampling-'));
let model: LoadedModel;
let voice: Voice;

beforeAll(async () => {
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, sampling: { temperature: 0 } }));
  model = await loadModel(dir, { threads: 1 });
  voice = await fixtureVoice(model);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model sampling defaults', () => {
  it('are loaded in the engine\'s names', () => {
    expect(model.samplingDefaults).toEqual({ temperature: 0 });
  });

  it('apply where a request leaves the setting out: greedy, so the seed no longer matters', async () => {
    const synth = new Synthesizer(model);
    const a = await synth.generate('Hi there.', { voice, seed: 1, speculative: false });
    const b = await synth.generate('Hi there.', { voice, seed: 2, speculative: false });
    expect(Array.from(b.audio)).toEqual(Array.from(a.audio));
    // the request's own temperature wins: sampling again, so seeds differ
    const c = await synth.generate('Hi there.', { voice, seed: 1, speculative: false, temperature: 1 });
    const d = await synth.generate('Hi there.', { voice, seed: 2, speculative: false, temperature: 1 });
    expect(Array.from(d.audio)).not.toEqual(Array.from(c.audio));
  });

  it('bad settings are refused naming the field', () => {
    expect(() => validateManifest({ ...manifest, sampling: { top_p: 2 } })).toThrow(/field "sampling\.top_p".*\(0, 1\]/);
    expect(() => validateManifest({ ...manifest, sampling: { temperature: -1 } })).toThrow(/field "sampling\.temperature"/);
    expect(() => validateManifest({ ...manifest, sampling: { temprature: 0 } })).toThrow(/field "sampling"/);
    expect(() => validateManifest({ ...manifest, sampling: null })).not.toThrow();
  });
});
