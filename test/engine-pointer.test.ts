/**
 * Phoneme-pointer AR models (docs/model-format.md, "Phoneme pointer") on the tiny pointer fixture: PyTorch parity of
 * the extra output, the pointer's moves, and decoding that stops once the pointer has read the whole text.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ArBatcher } from '../src/engine/ar-batcher.js';
import { generateCodebook0, type ArJob } from '../src/engine/ar-decode.js';
import { createVoice, loadModel, Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { fillCodebooks } from '../src/engine/model.js';
import { arDims, validateManifest } from '../src/engine/manifest.js';
import { END_TAIL_SECONDS, MAX_BOUNDARY_SECONDS, MAX_TOKEN_SECONDS, PhonemePointer } from '../src/engine/phoneme-pointer.js';
import { chunkInputs } from '../src/engine/prompt.js';
import { ArModel } from '../src/lm/ar-model.js';
import { ArSession } from '../src/lm/ar-session.js';
import { resolveSamplingParams, Rng } from '../src/lm/sampling/index.js';
import { textToPhonemeIds } from '../src/text/phonemize.js';
import { WORD_BOUNDARY_ID } from '../src/text/symbols.js';
import { parlaError, promptPcm } from './engine-helpers.js';
import { maxAbsDiff } from './max-diff.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'tiny-pointer-model');
const manifestJson = JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8'));
const parity = JSON.parse(readFileSync(join(FIXTURE, 'lm_parity.json'), 'utf8'));

let model: LoadedModel;
let voice: Voice;
beforeAll(async () => {
  model = await loadModel(FIXTURE, { threads: 1 });
  voice = await createVoice(model, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
});

async function job(text: string, params: object, seed = 3): Promise<ArJob> {
  const inputs = chunkInputs(model, voice, (await textToPhonemeIds(text)).ids);
  return { prompt: inputs.ar, maxGroups: inputs.maxGroups, params: resolveSamplingParams(params), seed, speculative: false };
}

describe('pointer AR graph', () => {
  it('logits and advance logits match PyTorch, with the pointer and its context fed at audio positions', async () => {
    const manifest = validateManifest(manifestJson);
    const ar = await ArModel.load(join(FIXTURE, manifest.ar.file), arDims(manifest, 'ar'), { intraOpThreads: 1 });
    const c = parity.ar;
    const nText = c.inputs.is_audio[0].filter((x: boolean) => !x).length;
    const ids: number[] = c.inputs.text_ids[0];
    const codes: number[][] = c.inputs.audio_codes[0];
    const context: [number, number, number][] = c.inputs.pointer_context[0];
    const feed = (i: number) => ({ token: ids[i], context: context[i] });
    // Prefill text + first prompt group (pointer 0 = unknown), then step the rest with their pointers.
    const s = ArSession.start(ar);
    const first = await s.prefill([{ text: ids.slice(0, nText), groups: codes.slice(nText, nText + 1), pointer: ids[nText] ? feed(nText) : undefined }]);
    const second = await s.step([codes[nText + 1]], [feed(nText + 1)]);
    const third = await s.step([codes[nText + 2]], [feed(nText + 2)]);
    const logits = [...first.data, ...second.data, ...third.data];
    expect(maxAbsDiff(logits, c.logits.data)).toBeLessThan(parity.tolerance_abs);
    const advance = [...first.advance!, ...second.advance!, ...third.advance!];
    expect(maxAbsDiff(advance, c.advance_logits.data)).toBeLessThan(parity.tolerance_abs);
    expect(first.advanceAt(0, nText)!.length).toBe(manifest.ar.dims.pointer_classes);
    // The context matters: without it (zeros) the same steps give other logits.
    const blind = ArSession.start(ar);
    await blind.prefill([{ text: ids.slice(0, nText), groups: codes.slice(nText, nText + 1) }]);
    const blindSecond = await blind.step([codes[nText + 1]], [{ token: ids[nText + 1] }]);
    expect(maxAbsDiff(blindSecond.data, second.data)).toBeGreaterThan(1e-3);
    // Out-of-range context ids are refused, naming what is wrong.
    const bad = await parlaError(() => ArSession.start(ar).prefill([{ text: ids.slice(0, nText), groups: codes.slice(nText, nText + 1), pointer: { token: 20, context: [20, 0, 99] } }]));
    expect(bad.message).toMatch(/pointer groups spent 99 outside 0\.\.4/);
  });

  it('a pointer model with a drafter, or without the advance output, is rejected naming the field', () => {
    const withDraft = { ...manifestJson, draft: manifestJson.ar };
    expect(() => validateManifest(withDraft)).toThrow(/draft.*pointer/);
    const noAdvance = { ...manifestJson, ar: { ...manifestJson.ar, outputs: manifestJson.ar.outputs.filter((o: { name: string }) => o.name !== 'advance_logits') } };
    expect(() => validateManifest(noAdvance)).toThrow(/advance_logits/);
    const noContextInput = { ...manifestJson, ar: { ...manifestJson.ar, inputs: manifestJson.ar.inputs.filter((o: { name: string }) => o.name !== 'pointer_context') } };
    expect(() => validateManifest(noContextInput)).toThrow(/pointer_context/);
    const { pointer_classes: _, ...noPointerDims } = manifestJson.ar.dims;
    const contextWithoutPointer = { ...manifestJson, ar: { ...manifestJson.ar, dims: noPointerDims } };
    expect(() => validateManifest(contextWithoutPointer)).toThrow(/ar\.dims\.pointer_context.*needs a phoneme pointer/);
  });
});

describe('PhonemePointer', () => {
  const TEXT = [1, 40, 41, 3, 50, 51, 52, 2]; // BOS, prompt transcript, SEP, target, EOS

  it('starts at the first target token (after SEP, or after BOS without a transcript)', () => {
    expect(new PhonemePointer(TEXT, { greedy: true, rng: new Rng(0), tailGroups: 5 }).token).toBe(50);
    expect(new PhonemePointer([1, 60, 61, 2], { greedy: true, rng: new Rng(0), tailGroups: 5 }).token).toBe(60);
  });

  it('greedy: moves once the summed move probabilities reach 1, so P(stay) = 0.5 moves one token every two groups', () => {
    const p = new PhonemePointer(TEXT, { greedy: true, rng: new Rng(0), tailGroups: 5 });
    const half = [Math.log(0.5), Math.log(0.5), -Infinity]; // P(0) = P(1) = 0.5: expectation 0.5
    const seen = [];
    for (let i = 0; i < 6; i++) {
      p.advance(half);
      seen.push(p.token);
    }
    expect(seen).toEqual([50, 51, 51, 52, 52, 2]);
  });

  it('greedy: a move goes by the most likely non-zero advance, stepping over tokens the model skips', () => {
    const p = new PhonemePointer(TEXT, { greedy: true, rng: new Rng(0), tailGroups: 5 });
    const skip = [Math.log(0.5), Math.log(0.1), Math.log(0.4)]; // moving is a skip of 2 more often than a step of 1
    const seen = [];
    for (let i = 0; i < 4; i++) {
      p.advance(skip);
      seen.push(p.token);
    }
    expect(seen).toEqual([50, 52, 52, 2]);
  });

  it('sampling: moves by drawn advances, reproducibly per seed, and never past EOS', () => {
    const long = [1, ...Array.from({ length: 30 }, (_, i) => 20 + i), 2];
    const walk = (seed: number) => {
      const p = new PhonemePointer(long, { greedy: false, rng: new Rng(seed), tailGroups: 100 });
      return Array.from({ length: 40 }, () => (p.advance([0, 0, 0]), p.position));
    };
    expect(walk(1)).toEqual(walk(1));
    expect(walk(1)).not.toEqual(walk(2));
    const positions = walk(3);
    expect(positions.at(-1)).toBe(long.length - 1); // 40 draws of mean 1 reach the end, and stay there
    expect(Math.max(...positions)).toBe(long.length - 1);
  });

  it('feeds the neighbouring tokens and the groups spent on the token, capped, as training does', () => {
    const p = new PhonemePointer([1, 60, 61, 2], { greedy: true, rng: new Rng(0), tailGroups: 5, maxSpent: 2 });
    expect(p.feed).toEqual({ token: 60, context: [1, 61, 1] });
    const stay = [0, -Infinity];
    const jump = [-Infinity, 0];
    p.advance(stay);
    expect(p.feed).toEqual({ token: 60, context: [1, 61, 2] });
    p.advance(stay);
    expect(p.feed.context).toEqual([1, 61, 2]); // capped at 2
    p.advance(jump);
    expect(p.feed).toEqual({ token: 61, context: [60, 2, 1] });
    p.advance(jump);
    expect(p.feed).toEqual({ token: 2, context: [61, 0, 1] }); // at EOS: nothing after it
    expect(new PhonemePointer([1, 60, 2], { greedy: true, rng: new Rng(0), tailGroups: 5 }).feed).toEqual({ token: 60 }); // a model without context
  });

  it('moves on by one once it has stayed maxGroupsOnToken groups on a token, however sure the model is of staying', () => {
    const p = new PhonemePointer(TEXT, { greedy: true, rng: new Rng(0), tailGroups: 5, maxGroupsOnToken: 3 });
    const stuck = [0, -Infinity, -Infinity]; // P(stay) = 1
    const seen = [];
    for (let i = 0; i < 7; i++) {
      p.advance(stuck);
      seen.push(p.token);
    }
    expect(seen).toEqual([50, 50, 51, 51, 51, 52, 52]);
    const sampled = new PhonemePointer(TEXT, { greedy: false, rng: new Rng(1), tailGroups: 5, maxGroupsOnToken: 2 });
    sampled.advance(stuck);
    sampled.advance(stuck);
    expect(sampled.token).toBe(51);
  });

  it('leaves a word boundary sooner than a sound: after maxGroupsOnBoundary groups (a pause belongs to punctuation)', () => {
    const text = [1, 50, WORD_BOUNDARY_ID, 51, 2];
    const p = new PhonemePointer(text, { greedy: true, rng: new Rng(0), tailGroups: 5, maxGroupsOnToken: 4, maxGroupsOnBoundary: 2 });
    const stuck = [0, -Infinity, -Infinity];
    const seen = [];
    for (let i = 0; i < 10; i++) {
      p.advance(stuck);
      seen.push(p.token);
    }
    // 4 groups on the sound 50 (the first fed before any advance), 2 on the boundary, 4 on 51, then EOS
    expect(seen).toEqual([50, 50, 50, WORD_BOUNDARY_ID, WORD_BOUNDARY_ID, 51, 51, 51, 51, 2]);
    // absent, a boundary is held as long as any token
    const plain = new PhonemePointer([1, WORD_BOUNDARY_ID, 51, 2], { greedy: true, rng: new Rng(0), tailGroups: 5, maxGroupsOnToken: 3 });
    for (let i = 0; i < 2; i++) plain.advance(stuck);
    expect(plain.token).toBe(WORD_BOUNDARY_ID);
    plain.advance(stuck);
    expect(plain.token).toBe(51);
    expect(MAX_BOUNDARY_SECONDS).toBeLessThan(MAX_TOKEN_SECONDS);
  });

  it('the speech is over once more than tailGroups groups follow the pointer reaching EOS', () => {
    const p = new PhonemePointer([1, 60, 2], { greedy: true, rng: new Rng(0), tailGroups: 2 });
    const jump = [-Infinity, 0]; // always advance 1
    expect(p.atEnd).toBe(false);
    p.advance(jump); // 60 -> EOS
    expect(p.atEnd).toBe(true);
    expect(p.tailExceeded).toBe(false);
    p.advance(jump);
    p.advance(jump);
    expect(p.tailExceeded).toBe(false);
    p.advance(jump);
    expect(p.tailExceeded).toBe(true);
  });
});

describe('decoding a pointer model', () => {
  it('stops once the text is read, though the random weights never draw end of speech', async () => {
    const text = 'A short sentence to read.';
    const j = await job(text, { temperature: 0 });
    const r = await generateCodebook0(model, j);
    expect(r.endOfSpeech).toBe(true);
    const targetTokens = j.prompt.text.length - Array.from(j.prompt.text).indexOf(3) - 1;
    const tail = Math.ceil((END_TAIL_SECONDS * model.frameRate) / model.groupSize);
    // The fixture's advance head favours one token per group: the text is read in about as many groups as tokens.
    const groups = r.codes.length / model.groupSize;
    expect(groups).toBeLessThanOrEqual(targetTokens * 2 + tail + 1);
    expect(groups).toBeLessThan(j.maxGroups);
    // greedy is deterministic
    expect(Array.from((await generateCodebook0(model, j)).codes)).toEqual(Array.from(r.codes));
  });

  it('sampled codes move the pointer greedily by default, and by draws with pointer: sample', async () => {
    const text = 'A somewhat longer sentence to read aloud.';
    const original = PhonemePointer.prototype.advance;
    // Records every advance the decoder makes: the logits it was given and where the pointer went.
    const run = async (params: object): Promise<{ logits: number[][]; positions: number[]; text: ArrayLike<number> }> => {
      const logits: number[][] = [];
      const positions: number[] = [];
      PhonemePointer.prototype.advance = function (this: PhonemePointer, l: ArrayLike<number>) {
        logits.push(Array.from(l));
        original.call(this, l);
        positions.push(this.position);
      };
      try {
        const j = await job(text, params, 1);
        await generateCodebook0(model, j);
        return { logits, positions, text: j.prompt.text };
      } finally {
        PhonemePointer.prototype.advance = original;
      }
    };
    const replayGreedily = (r: { logits: number[][]; text: ArrayLike<number> }): number[] => {
      const p = new PhonemePointer(r.text, { greedy: true, rng: new Rng(0), tailGroups: 1000 });
      return r.logits.map((l) => (p.advance(l), p.position));
    };
    const greedy = await run({ temperature: 1 });
    const sampled = await run({ temperature: 1, pointer: 'sample' });
    expect(greedy.positions.length).toBeGreaterThan(3);
    expect(replayGreedily(greedy)).toEqual(greedy.positions);
    expect(replayGreedily(sampled)).not.toEqual(sampled.positions);
    expect(() => resolveSamplingParams({ pointer: 'walk' as never })).toThrow(/pointer: must be "greedy" or "sample", got "walk"/);
  });

  it('speculative requests decode plainly (a pointer model has no drafter) and batched rows equal their lone decoding', async () => {
    const jobs = await Promise.all(['Hi there.', 'A somewhat longer sentence than that.'].map((t, i) => job(t, { temperature: 1, topP: 0.9 }, i)));
    const alone: number[][] = [];
    for (const j of jobs) alone.push(Array.from((await generateCodebook0(model, { ...j, speculative: true })).codes));
    const batcher = new ArBatcher(model);
    const batched = await Promise.all(jobs.map((j) => batcher.submit(j)));
    expect(batcher.batchSizes).toEqual([2]);
    batched.forEach((r, i) => expect(Array.from(r.codes)).toEqual(alone[i]));
    // The phoneme of each frame comes out of both paths alike.
    const lone = await Promise.all(jobs.map((j) => generateCodebook0(model, j)));
    batched.forEach((r, i) => expect(Array.from(r.phonemes!)).toEqual(Array.from(lone[i].phonemes!)));
  });

  it('candidates of one prompt (prefilled once, advance logits copied to every row) equal their lone decoding', async () => {
    const base = await job('A somewhat longer sentence than that.', { temperature: 1, topP: 0.9 }, 0);
    const jobs = [0, 1, 2].map((k) => ({ ...base, seed: base.seed + k * 1_000_003 }));
    const batcher = new ArBatcher(model);
    const batched = await Promise.all(jobs.map((j) => batcher.submit(j)));
    expect(batcher.batchSizes).toEqual([3]);
    for (const [i, j] of jobs.entries()) {
      const lone = await generateCodebook0(model, j);
      expect(Array.from(batched[i].codes)).toEqual(Array.from(lone.codes));
      expect(Array.from(batched[i].phonemes!)).toEqual(Array.from(lone.phonemes!));
    }
    expect(new Set(batched.map((r) => Array.from(r.codes).join())).size).toBeGreaterThan(1);
  });

  it("each frame's phoneme is the pointer's token while its group was drawn, and the decoder hears it", async () => {
    const j = await job('A short sentence to read.', { temperature: 0 });
    const tokens: number[] = [];
    const original = PhonemePointer.prototype.advance;
    PhonemePointer.prototype.advance = function (this: PhonemePointer, l: ArrayLike<number>) {
      tokens.push(this.token); // the group just drawn was drawn with the pointer here
      original.call(this, l);
    };
    let r;
    try {
      r = await generateCodebook0(model, j);
    } finally {
      PhonemePointer.prototype.advance = original;
    }
    const g = model.groupSize;
    expect(r.phonemes!.length).toBe(r.codes.length);
    const perGroup = Array.from({ length: r.codes.length / g }, (_, k) => r.phonemes![k * g]);
    expect(perGroup.slice(0, tokens.length)).toEqual(tokens);
    const targetText = Array.from(j.prompt.text).slice(Array.from(j.prompt.text).indexOf(3) + 1);
    expect(r.phonemes!.every((id) => targetText.includes(id))).toBe(true);
    // The fixture's codec decoder has a phoneme input (model.json codec.decoder.phonemes): the ids change the audio.
    expect(model.codec.spec.decoderPhonemes).toBe('phonemes');
    const withIds = await fillCodebooks(model, j.prompt.text, voice.codes, r.codes, r.phonemes);
    const without = await fillCodebooks(model, j.prompt.text, voice.codes, r.codes);
    expect(Array.from(withIds.data)).toEqual(Array.from(without.data));
    const [a, b] = [await model.codec.decode(withIds), await model.codec.decode(without)];
    expect(a.length).toBe(b.length);
    expect(a.some((x, i) => Math.abs(x - b[i]) > 1e-4)).toBe(true);
  });

  it('the voice prompt reaches a decoder with a voice input, in generate and in stream alike', async () => {
    expect(model.codec.hasVoiceInput).toBe(true);
    const seen: (number | undefined)[] = [];
    const original = model.codec.decode.bind(model.codec);
    const spy = vi.spyOn(model.codec, 'decode').mockImplementation((codes, options) => {
      seen.push(options?.voice?.frames);
      return original(codes, options);
    });
    try {
      const synth = new Synthesizer(model);
      const text = 'A short sentence to read.';
      const one = await synth.generate(text, { voice, temperature: 0, seed: 1 });
      const pieces: Float32Array[] = [];
      for await (const c of synth.stream(text, { voice, temperature: 0, seed: 1 })) pieces.push(c.audio);
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.every((f) => f === voice.codes.frames)).toBe(true);
      const streamed = Float32Array.from(pieces.flatMap((p) => Array.from(p)));
      expect(streamed.length).toBe(one.audio.length);
    } finally {
      spy.mockRestore();
    }
  });

  it('a model without a NAR (nar: null) decodes codebook 0 alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parla-c0-'));
    try {
      cpSync(FIXTURE, dir, { recursive: true });
      rmSync(join(dir, 'nar.onnx'));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifestJson, nar: null }));
      const c0Only = await loadModel(dir, { threads: 1 });
      expect(c0Only.nar).toBeNull();
      const c0Voice = await createVoice(c0Only, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
      const decode = vi.spyOn(c0Only.codec, 'decode');
      const out = await new Synthesizer(c0Only).generate('Hello there.', { voice: c0Voice, seed: 1 });
      expect(out.audio.length).toBeGreaterThan(0);
      expect(decode.mock.calls.map(([codes]) => codes.codebooks)).toEqual([1]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the Synthesizer speaks through it end to end', async () => {
    const synth = new Synthesizer(model);
    const out = await synth.generate('Two sentences here. And a second one.', { voice, seed: 1 });
    expect(out.audio.length).toBeGreaterThan(0);
    expect(out.audio.every(Number.isFinite)).toBe(true);
    expect((await parlaError(() => synth.generate('   ', { voice }))).code).toBe('empty_input');
    for (const notText of [123, null, undefined, ['a']]) {
      const err = await parlaError(() => synth.generate(notText as unknown as string, { voice }));
      expect([err.code, err.param, err.message]).toEqual(['invalid_input', 'text', expect.stringMatching(/^text must be a string, got (number|null|undefined|object)$/)]);
    }
  });
});
