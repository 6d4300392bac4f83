/** model.json loading: the tiny fixture loads; each broken field or missing file is refused with an error naming it. */
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParlaError } from '../src/errors.js';
import { arDims, codecIdOf, loadModelManifest, narDims, validateManifest } from '../src/engine/manifest.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'tiny-model');
const pristine = (): Record<string, any> => JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8'));
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function copyFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parla-manifest-'));
  tmpDirs.push(dir);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

function errorOf(fn: () => unknown): ParlaError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ParlaError) return err;
    throw err;
  }
  throw new Error('expected a ParlaError, nothing was thrown');
}

describe('loadModelManifest on the tiny fixture', () => {
  it('loads and resolves every graph file', () => {
    const { manifest, files } = loadModelManifest(FIXTURE);
    expect(manifest.group_size).toBe(2);
    expect(manifest.audio).toEqual({ sample_rate: 16000, hop_length: 320, num_codebooks: 8, codebook_size: 1024 });
    expect(files.ar).toBe(join(FIXTURE, 'ar.onnx'));
    expect(files.draft).toBe(join(FIXTURE, 'draft.onnx'));
    expect(files.codecDecoder).toBe(join(FIXTURE, 'codec_decoder.onnx'));
    expect(arDims(manifest, 'ar')).toMatchObject({ groupSize: 2, vocabSize: 1025, nLayers: 2, nHeads: 2, headDim: 8 });
    expect(narDims(manifest)).toEqual({ numCodebooks: 8, codebookSize: 1024, textVocabSize: 128, padCode: 1024, stages: 7 });
  });
});

/** [what is broken, mutation of model.json, field the error must name] */
const brokenFields: [string, (m: Record<string, any>) => void, string][] = [
  ['wrong format tag', (m) => (m.format = 'onnx-model'), 'format'],
  ['newer format version', (m) => (m.format_version = 2), 'format_version'],
  ['group size 3', (m) => (m.group_size = 3), 'group_size'],
  ['missing codebook size', (m) => delete m.audio.codebook_size, 'audio.codebook_size'],
  ['string sample rate', (m) => (m.audio.sample_rate = '16000'), 'audio.sample_rate'],
  ['phoneme vocabulary smaller than the runtime table', (m) => (m.phonemes.vocab_size = 50), 'phonemes.vocab_size'],
  ['special id outside the vocabulary', (m) => (m.phonemes.bos_id = 500), 'phonemes.bos_id'],
  ['duplicate special ids', (m) => (m.phonemes.sep_id = 0), 'phonemes'],
  ['symbol table disagreeing with the runtime', (m) => (m.phonemes.symbols = ['<pad>', '<bos>', '<eos>', '<sep>', 'x']), 'phonemes.symbols[4]'],
  ['end-of-speech id', (m) => (m.tokens.audio_eos = 1023), 'tokens.audio_eos'],
  ['NAR padding code', (m) => (m.tokens.nar_pad_code = 0), 'tokens.nar_pad_code'],
  ['AR vocabulary without end of speech', (m) => (m.ar.dims.vocab_size = 1024), 'ar.dims.vocab_size'],
  ['heads x head_dim != d_model', (m) => (m.ar.dims.n_heads = 3), 'ar.dims'],
  ['AR input dtype', (m) => (m.ar.inputs[1].dtype = 'float32'), 'ar.inputs[1].dtype'],
  ['unknown dtype', (m) => (m.ar.inputs[0].dtype = 'int8'), 'ar.inputs[0].dtype'],
  ['AR input missing', (m) => m.ar.inputs.pop(), 'ar.inputs'],
  ['AR extra input', (m) => m.ar.inputs.push({ name: 'speaker', dtype: 'int64', shape: ['B'] }), 'ar.inputs'],
  ['past keys with the wrong head count', (m) => (m.ar.inputs[4].shape[2] = 3), 'ar.inputs[4].shape'],
  ['past keys in the old [B, H, P, Dh] layout', (m) => (m.ar.inputs[4].shape = ['B', m.ar.dims.n_heads, 'P', m.ar.dims.head_dim]), 'ar.inputs[4].shape'],
  ['present keys holding the whole cache [B, H, T, Dh]', (m) => (m.ar.outputs[1].shape = ['B', m.ar.dims.n_heads, 'T', m.ar.dims.head_dim]), 'ar.outputs[1].shape'],
  ['audio group width != group_size', (m) => (m.ar.inputs[1].shape[2] = 4), 'ar.inputs[1].shape'],
  ['drafter logits for another group size', (m) => (m.draft.outputs[0].shape[2] = 1), 'draft.outputs[0].shape'],
  ['NAR prompt with 4 codebooks', (m) => (m.nar.inputs[1].shape[1] = 4), 'nar.inputs[1].shape'],
  ['NAR stages not a prefix', (m) => (m.nar.stages = [1, 3]), 'nar.stages'],
  ['NAR stages beyond Q-1', (m) => (m.nar.stages = [1, 2, 3, 4, 5, 6, 7, 8]), 'nar.stages'],
  ['no NAR stage', (m) => (m.nar.stages = []), 'nar.stages'],
  ['graph outside the model folder', (m) => (m.ar.file = '../ar.onnx'), 'ar.file'],
  ['absolute graph path', (m) => (m.nar.file = '/tmp/nar.onnx'), 'nar.file'],
  ['codec decoder section missing', (m) => delete m.codec.decoder, 'codec.decoder'],
  ['codec input name empty', (m) => (m.codec.encoder.input = ''), 'codec.encoder.input'],
  ['codec id empty', (m) => (m.codec.id = ''), 'codec.id'],
  ['codec id not a string', (m) => (m.codec.id = 6648), 'codec.id'],
  ['quality missing (must be null or an object)', (m) => delete m.quality, 'quality'],
  ['longest prompt under 1 s', (m) => (m.prompt_max_seconds = 0.5), 'prompt_max_seconds'],
  ['longest prompt as text', (m) => (m.prompt_max_seconds = '6'), 'prompt_max_seconds'],
];

describe('validateManifest refuses broken fields, naming them', () => {
  it.each(brokenFields)('%s', (_what, mutate, field) => {
    const m = pristine();
    mutate(m);
    const err = errorOf(() => validateManifest(m, 'x/model.json'));
    expect(err.code).toBe('model_invalid');
    expect(err.param).toBe(field);
    expect(err.message).toContain(`field "${field}"`);
    expect(err.message).toContain('x/model.json');
  });

  it('accepts the pristine manifest, a model without drafter, and a NAR that fills only the first stages', () => {
    expect(() => validateManifest(pristine())).not.toThrow();
    const few = pristine();
    few.nar.stages = [1, 2];
    expect(narDims(validateManifest(few)).stages).toBe(2);
    const m = pristine();
    m.draft = null;
    expect(validateManifest(m).draft).toBeNull();
    expect(() => arDims(validateManifest(m), 'draft')).toThrow(/no drafter/);
  });

  it('codec.id names the codec; without it the model id does', () => {
    expect(codecIdOf(validateManifest(pristine()))).toBe('tiny-random');
    const m = pristine();
    m.codec.id = 'tiny-codec-1';
    const parsed = validateManifest(m);
    expect([parsed.id, parsed.codec.id, codecIdOf(parsed)]).toEqual(['tiny-random', 'tiny-codec-1', 'tiny-codec-1']);
  });
});

describe('loadModelManifest refuses missing or unreadable files', () => {
  it.each([
    ['ar.onnx', 'ar.file'],
    ['nar.onnx', 'nar.file'],
    ['draft.onnx', 'draft.file'],
    ['codec_encoder.onnx', 'codec.encoder.file'],
    ['codec_decoder.onnx', 'codec.decoder.file'],
  ])('missing %s names %s', (file, field) => {
    const dir = copyFixture();
    unlinkSync(join(dir, file));
    const err = errorOf(() => loadModelManifest(dir));
    expect(err.code).toBe('model_missing');
    expect(err.param).toBe(field);
    expect(err.message).toContain(file);
  });

  it('no model.json', () => {
    const dir = copyFixture();
    unlinkSync(join(dir, 'model.json'));
    const err = errorOf(() => loadModelManifest(dir));
    expect(err.code).toBe('model_missing');
    expect(err.message).toContain(dir);
  });

  it('model.json that is not JSON', () => {
    const dir = copyFixture();
    writeFileSync(join(dir, 'model.json'), '{"format": "parla-model",');
    const err = errorOf(() => loadModelManifest(dir));
    expect(err.code).toBe('model_invalid');
    expect(err.message).toMatch(/model\.json is not valid JSON/);
  });

  it('a broken field in a file on disk names the file and the field', () => {
    const dir = copyFixture();
    const m = pristine();
    m.group_size = 8;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(m));
    const err = errorOf(() => loadModelManifest(dir));
    expect(err.param).toBe('group_size');
    expect(err.message).toContain(join(dir, 'model.json'));
  });
});

describe('a codec-only model folder', () => {
  it('is refused for synthesis with a message saying what it can do', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'parla-codec-only-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'parla-model', format_version: 1, id: 'c', audio: {}, codec: {} }));
    expect(() => loadModelManifest(dir)).toThrow(/codec-only model .* "parla codec", "parla eval codec" and "parla voices" work with it/);
  });
});
