/** AR decoder session and NAR on onnxruntime-node with the tiny fixture: PyTorch parity and KV-cache equivalences. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { arDims, narDims, validateManifest } from '../src/engine/manifest.js';
import { ParlaError } from '../src/errors.js';
import { ArModel } from '../src/lm/ar-model.js';
import { ArSession, type ArPrompt } from '../src/lm/ar-session.js';
import { GroupLogits } from '../src/lm/logits.js';
import { NarModel } from '../src/lm/nar-model.js';
import { maxAbsDiff } from './max-diff.js';

const FIXTURE = resolve(import.meta.dirname, 'fixtures', 'tiny-model');
const manifest = validateManifest(JSON.parse(readFileSync(join(FIXTURE, 'model.json'), 'utf8')));
const parity = JSON.parse(readFileSync(join(FIXTURE, 'lm_parity.json'), 'utf8'));
/** PyTorch vs onnxruntime (values stored rounded to 5 decimals). */
const PARITY_TOL: number = parity.tolerance_abs;
/** onnxruntime vs itself along different call patterns (prefill/step/verify): float reassociation only. */
const CACHE_TOL = 1e-5;

let ar: ArModel;
let draft: ArModel;
let nar: NarModel;
beforeAll(async () => {
  ar = await ArModel.load(join(FIXTURE, manifest.ar.file), arDims(manifest, 'ar'), { intraOpThreads: 1 });
  draft = await ArModel.load(join(FIXTURE, manifest.draft!.file), arDims(manifest, 'draft'), { intraOpThreads: 1 });
  nar = await NarModel.load(join(FIXTURE, manifest.nar!.file), narDims(manifest), { intraOpThreads: 1 });
});

const TEXT = [1, 40, 41, 3, 50, 51, 52, 2];
/** Deterministic pseudo-random groups of G = 2 codes. */
const groups = (n: number, seed = 0): number[][] => Array.from({ length: n }, (_, i) => [(seed * 97 + i * 131 + 7) % 1024, (seed * 13 + i * 17 + 500) % 1024]);

/** Positions [from, to) of row 0 as one flat array. */
function rowSlice(l: GroupLogits, from: number, to: number): Float32Array {
  const block = l.groupSize * l.vocabSize;
  return l.data.slice(from * block, to * block);
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

describe('PyTorch parity (lm_parity.json)', () => {
  it.each(['ar', 'draft'] as const)('%s: one full pass from an empty cache matches PyTorch', async (which) => {
    const c = parity[which];
    const nText = c.inputs.is_audio[0].filter((x: boolean) => !x).length;
    const prompt: ArPrompt = { text: c.inputs.text_ids[0].slice(0, nText), groups: c.inputs.audio_codes[0].slice(nText) };
    const logits = await ArSession.start(which === 'ar' ? ar : draft).prefill([prompt]);
    expect([logits.batch, logits.positions, logits.groupSize, logits.vocabSize]).toEqual(c.logits.shape);
    const diff = maxAbsDiff(logits.data, c.logits.data);
    expect(diff).toBeLessThan(PARITY_TOL);
  });

  it('nar: stage logits match PyTorch', async () => {
    const c = parity.nar;
    const grid = (rows: number[][]) => ({ codebooks: rows.length, frames: rows[0].length, data: Int32Array.from(rows.flat()) });
    const logits = await nar.stageLogits(c.inputs.text_ids[0], grid(c.inputs.prompt_codes[0]), grid(c.inputs.target_codes[0]), c.inputs.stage[0]);
    expect(maxAbsDiff(logits, c.logits.data)).toBeLessThan(PARITY_TOL);
  });
});

describe('KV cache', () => {
  it('prefill then single steps == one full pass', async () => {
    const g = groups(6);
    const full = await ArSession.start(ar).prefill([{ text: TEXT, groups: g }]);
    const s = ArSession.start(ar);
    const parts = [rowSlice(await s.prefill([{ text: TEXT, groups: g.slice(0, 2) }]), 0, TEXT.length + 2)];
    for (const group of g.slice(2)) parts.push(rowSlice(await s.step([group]), 0, 1));
    expect(s.length).toBe(TEXT.length + 6);
    expect(maxAbsDiff(concat(parts), full.data)).toBeLessThan(CACHE_TOL);
  });

  it('verify(k groups) == k single steps', async () => {
    const g = groups(5, 1);
    const a = ArSession.start(ar);
    await a.prefill([{ text: TEXT, groups: [] }]);
    const b = a.clone();
    const verified = await a.verify([g]);
    expect(verified.positions).toBe(5);
    const stepped: Float32Array[] = [];
    for (const group of g) stepped.push(rowSlice(await b.step([group]), 0, 1));
    expect(maxAbsDiff(verified.data, concat(stepped))).toBeLessThan(CACHE_TOL);
    expect(a.length).toBe(b.length);
  });

  it('truncate rolls back rejected drafts: re-stepping equals a fresh session', async () => {
    const accepted = groups(2, 2);
    const rejected = groups(3, 3);
    const next = groups(1, 4)[0];
    const s = ArSession.start(ar);
    await s.prefill([{ text: TEXT, groups: [] }]);
    const before = s.length;
    await s.verify([[...accepted, ...rejected]]);
    s.truncate(before + accepted.length);
    const after = await s.step([next]);

    const fresh = ArSession.start(ar);
    await fresh.prefill([{ text: TEXT, groups: accepted }]);
    const expected = await fresh.step([next]);
    expect(s.length).toBe(fresh.length);
    expect(maxAbsDiff(after.data, expected.data)).toBeLessThan(CACHE_TOL);
    // and the rejected group really mattered: without truncation the logits differ
    const wrong = ArSession.start(ar);
    await wrong.prefill([{ text: TEXT, groups: [...accepted, ...rejected] }]);
    expect(maxAbsDiff((await wrong.step([next])).data, expected.data)).toBeGreaterThan(1e-3);
  });

  it('a clone is independent of the session it came from', async () => {
    const s = ArSession.start(ar);
    await s.prefill([{ text: TEXT, groups: groups(1) }]);
    const c = s.clone();
    const fromClone = await c.step([[5, 6]]);
    await s.step([[900, 901]]);
    await s.step([[902, 903]]);
    s.truncate(3);
    const again = await c.clone().verify([[[7, 8]]]);
    const ref = ArSession.start(ar);
    await ref.prefill([{ text: TEXT, groups: [...groups(1), [5, 6]] }]);
    expect(maxAbsDiff(again.data, (await ref.step([[7, 8]])).data)).toBeLessThan(CACHE_TOL);
    expect(fromClone.positions).toBe(1);
  });

  it('a ragged batch (left-padded) gives every row the logits it gets alone', async () => {
    const rows: ArPrompt[] = [
      { text: TEXT, groups: groups(4, 5) },
      { text: [1, 60, 2], groups: groups(1, 6) },
    ];
    const s = ArSession.start(ar, 2);
    const batched = await s.prefill(rows);
    const next = [groups(1, 7)[0], groups(1, 8)[0]];
    const stepped = await s.step(next);
    for (let b = 0; b < 2; b++) {
      const alone = ArSession.start(ar);
      const pre = await alone.prefill([rows[b]]);
      const n = pre.positions;
      const last = batched.positions - 1;
      expect(maxAbsDiff(batched.at(b, last, 0), pre.at(0, n - 1, 0))).toBeLessThan(CACHE_TOL);
      expect(maxAbsDiff(batched.at(b, last, 1), pre.at(0, n - 1, 1))).toBeLessThan(CACHE_TOL);
      expect(batched.position(last).at(b, 0, 1)).toEqual(batched.at(b, last, 1));
      const one = await alone.step([next[b]]);
      expect(maxAbsDiff(stepped.at(b, 0, 0), one.at(0, 0, 0))).toBeLessThan(CACHE_TOL);
      expect(s.rowLength(b)).toBe(alone.length);
    }
  });

  it('rows with one prompt (best-of-N candidates) are prefilled once: every row gets the lone logits and cache, then steps on its own', async () => {
    const prompt: ArPrompt = { text: TEXT, groups: groups(3, 9) };
    const s = ArSession.start(ar, 3);
    // Equal by value, not the same object: candidates build their prompts separately.
    const shared = await s.prefill([prompt, { text: [...TEXT], groups: groups(3, 9) }, { ...prompt }]);
    const alone = ArSession.start(ar);
    const pre = await alone.prefill([prompt]);
    expect([shared.batch, shared.positions]).toEqual([3, pre.positions]);
    expect(s.length).toBe(alone.length);
    const next = [groups(1, 1)[0], groups(1, 2)[0], groups(1, 3)[0]];
    const stepped = await s.step(next);
    for (let b = 0; b < 3; b++) {
      // Bitwise: the rows were computed by one single-row call.
      expect(shared.at(b, pre.positions - 1, 1)).toEqual(pre.at(0, pre.positions - 1, 1));
      expect(s.rowLength(b)).toBe(alone.length + 1);
      const lone = alone.clone();
      const one = await lone.step([next[b]]);
      expect(maxAbsDiff(stepped.at(b, 0, 0), one.at(0, 0, 0))).toBeLessThan(CACHE_TOL);
    }
  });

  it('continuous batching: a running row and a newly prefilled one merged step as they would alone; a row kept alone goes on as before', async () => {
    const feed = groups(6, 11);
    /** A prompt's logits (head 1) after each of the steps fed `feed`, decoded alone. */
    const lone = async (prompt: ArPrompt): Promise<Float32Array[]> => {
      const s = ArSession.start(ar);
      await s.prefill([prompt]);
      const out: Float32Array[] = [];
      for (const g of feed) out.push((await s.step([g])).at(0, 0, 1).slice());
      return out;
    };
    const longer: ArPrompt = { text: TEXT, groups: groups(6, 3) };
    const shorter: ArPrompt = { text: [1, 60, 2], groups: groups(1, 4) };
    // Either row may be the longer: the running batch's cache is padded, or the newcomer's.
    for (const [x, y] of [[longer, shorter], [shorter, longer]]) {
      const [aloneX, aloneY] = [await lone(x), await lone(y)];
      // x runs three steps, then y (prefilled on its own) joins it.
      const running = ArSession.start(ar);
      await running.prefill([x]);
      for (const g of feed.slice(0, 3)) await running.step([g]);
      const joining = ArSession.start(ar);
      await joining.prefill([y]);
      const merged = ArSession.merge([running, joining]);
      expect([merged.batch, merged.rowLength(0), merged.rowLength(1)]).toEqual([2, running.length, joining.length]);
      for (let i = 0; i < 2; i++) {
        const l = await merged.step([feed[3 + i], feed[i]]);
        expect(maxAbsDiff(l.at(0, 0, 1), aloneX[3 + i])).toBeLessThan(CACHE_TOL);
        expect(maxAbsDiff(l.at(1, 0, 1), aloneY[i])).toBeLessThan(CACHE_TOL);
      }
      // x finishes: y goes on alone, the padding no row needs dropped.
      const kept = merged.keepRows([1]);
      expect([kept.batch, kept.length]).toEqual([1, merged.rowLength(1)]);
      expect(maxAbsDiff((await kept.step([feed[2]])).at(0, 0, 1), aloneY[2])).toBeLessThan(CACHE_TOL);
    }
  });

  it('rows that differ anywhere (a group code) are not treated as one prompt', async () => {
    const a: ArPrompt = { text: TEXT, groups: groups(3, 9) };
    const b: ArPrompt = { text: TEXT, groups: [...groups(2, 9), [1, 2]] };
    const s = ArSession.start(ar, 2);
    const both = await s.prefill([a, b]);
    const alone = await ArSession.start(ar).prefill([b]);
    expect(maxAbsDiff(both.at(1, both.positions - 1, 0), alone.at(0, alone.positions - 1, 0))).toBeLessThan(CACHE_TOL);
    expect(maxAbsDiff(both.at(0, both.positions - 1, 0), alone.at(0, alone.positions - 1, 0))).toBeGreaterThan(1e-3);
  });
});

describe('bad input is refused with a named parameter', () => {
  const refused = async (fn: (s: ArSession) => Promise<unknown> | unknown, param: string) => {
    const s = ArSession.start(ar);
    await s.prefill([{ text: TEXT, groups: [] }]);
    const err = await (async () => fn(s))().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ParlaError);
    expect((err as ParlaError).param).toBe(param);
  };
  it.each<[string, (s: ArSession) => Promise<unknown> | unknown, string]>([
    ['group with 3 codes', (s) => s.step([[1, 2, 3]]), 'group'],
    ['code above end of speech', (s) => s.step([[1025, 0]]), 'audio_code'],
    ['negative code', (s) => s.step([[-1, 0]]), 'audio_code'],
    ['fractional code', (s) => s.step([[1.5, 0]]), 'audio_code'],
    ['two rows for a batch of one', (s) => s.step([[1, 2], [3, 4]]), 'groups'],
    ['prefill twice', (s) => s.prefill([{ text: TEXT, groups: [] }]), 'prefill'],
    ['empty draft', (s) => s.verify([[]]), 'drafts'],
    ['truncate beyond the cache', (s) => s.truncate(s.length + 1), 'length'],
    ['negative truncate', (s) => s.truncate(-1), 'length'],
  ])('%s', async (_what, fn, param) => refused(fn, param));

  it('text id outside the vocabulary', async () => {
    await expect(ArSession.start(ar).prefill([{ text: [1, 128, 2], groups: [] }])).rejects.toMatchObject({ param: 'text_id' });
  });
  it('batch of zero', () => {
    expect(() => ArSession.start(ar, 0)).toThrow(ParlaError);
  });
  it('a failed call leaves the cache unchanged', async () => {
    const s = ArSession.start(ar);
    await s.prefill([{ text: TEXT, groups: [] }]);
    await expect(s.step([[1, 2000]])).rejects.toThrow(ParlaError);
    expect(s.length).toBe(TEXT.length);
  });
});

describe('NAR', () => {
  it('fills codebooks 1..7 greedily, keeping codebook 0', async () => {
    const c0 = Int32Array.from([5, 900, 17, 3]);
    const prompt = { codebooks: 8, frames: 3, data: Int32Array.from({ length: 24 }, (_, i) => (i * 37) % 1024) };
    const codes = await nar.fill(TEXT, prompt, c0);
    expect([codes.codebooks, codes.frames]).toEqual([8, 4]);
    expect(Array.from(codes.data.subarray(0, 4))).toEqual(Array.from(c0));
    expect(codes.data.every((x) => x >= 0 && x < 1024)).toBe(true);
    // greedy is deterministic, and an empty prompt is accepted
    expect(Array.from((await nar.fill(TEXT, prompt, c0)).data)).toEqual(Array.from(codes.data));
    await expect(nar.fill(TEXT, { codebooks: 8, frames: 0, data: new Int32Array(0) }, c0)).resolves.toMatchObject({ frames: 4 });
  });
  it('with stages [1, 2] shipped, fills and returns only codebooks 0..2, equal to the full fill', async () => {
    const c0 = Int32Array.from([5, 900, 17, 3]);
    const prompt = { codebooks: 8, frames: 3, data: Int32Array.from({ length: 24 }, (_, i) => (i * 37) % 1024) };
    const few = await NarModel.load(join(FIXTURE, manifest.nar!.file), { ...narDims(manifest), stages: 2 }, { intraOpThreads: 1 });
    expect([nar.outputCodebooks, few.outputCodebooks]).toEqual([8, 3]);
    const part = await few.fill(TEXT, prompt, c0);
    expect([part.codebooks, part.frames]).toEqual([3, 4]);
    // stage j sees only codebooks < j, so the first stages do not depend on how many follow
    expect(Array.from(part.data)).toEqual(Array.from((await nar.fill(TEXT, prompt, c0)).data.subarray(0, 12)));
  });
  it.each([0, 8, 1.5])('refuses stage %s', async (stage) => {
    const grid = { codebooks: 8, frames: 2, data: new Int32Array(16) };
    await expect(nar.stageLogits(TEXT, grid, grid, stage)).rejects.toMatchObject({ param: 'stage' });
  });
  it('refuses codes with the wrong codebook count', async () => {
    const grid = { codebooks: 8, frames: 2, data: new Int32Array(16) };
    await expect(nar.stageLogits(TEXT, { codebooks: 4, frames: 2, data: new Int32Array(8) }, grid, 1)).rejects.toMatchObject({ param: 'prompt' });
  });
});

describe('KvCache', () => {
  it('keeps every appended position across growth, rolls back for free and clones independently', async () => {
    const { KvCache } = await import('../src/lm/kv-cache.js');
    const cache = new KvCache(2, 3, 2, 4); // 2 layers, batch 3, 2 heads, Dh 4: 24 floats per position
    const stride = 24;
    const block = (start: number, s: number): Float32Array => Float32Array.from({ length: s * stride }, (_, i) => start + i);
    let n = 0;
    for (const s of [5, 70, 1, 100]) {
      cache.append([block(n * stride, s), block(-n * stride - 1, s)], [block(1e6 + n * stride, s), block(2e6, s)], s);
      n += s;
    }
    expect(cache.length).toBe(176);
    const { key, value } = cache.past(0);
    expect(key.dims).toEqual([176, 3, 2, 4]);
    expect(Array.from((key.data as Float32Array).subarray(0, 5 * stride))).toEqual(Array.from(block(0, 5)));
    expect((key.data as Float32Array)[175 * stride]).toBe(175 * stride);
    expect((value.data as Float32Array)[5 * stride]).toBe(1e6 + 5 * stride);
    const copy = cache.clone();
    cache.truncate(10);
    expect(cache.past(1).key.dims[0]).toBe(10);
    cache.append([block(-7, 1), block(-7, 1)], [block(-7, 1), block(-7, 1)], 1);
    expect((cache.past(0).key.data as Float32Array)[10 * stride]).toBe(-7);
    expect(copy.length).toBe(176);
    expect((copy.past(0).key.data as Float32Array)[10 * stride]).toBe(10 * stride);
  });
});
