// Speaker encoder on onnxruntime-node: parity with PyTorch, same vs different held-out speakers, bad input.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/index.js';
import { isParlaError } from '../src/errors.js';
import { sharedDataDir, so762HeldoutUtterances } from '../src/eval/shared-data.js';
import { MIN_SPEAKER_SAMPLES, SpeakerEncoder, cosineSimilarity, defaultSpeakerEncoderPath } from '../src/eval/speaker.js';

const MODEL = process.env.PARLA_SPEAKER_ENCODER ?? defaultSpeakerEncoderPath();
const PARITY = process.env.PARLA_SPEAKER_PARITY ?? path.join(import.meta.dirname, 'fixtures', 'speaker_parity.json');

interface Parity { samples: number; seed: number; input_sum: number; input_head: number[]; tolerance: number; embedding: number[] }

/** parity_input() of training/speaker/export.py: 100 -> 2000 Hz chirp plus LCG noise, as float32. */
function parityInput(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let state = seed >>> 0;
  for (let k = 0; k < n; k++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const t = k / 16000;
    out[k] = 0.5 * Math.sin(2 * Math.PI * (100 * t + 0.5 * 1900 * t * t)) + 0.2 * (state / 2 ** 32 - 0.5);
  }
  return out;
}

/** The 20 held-out speechocean762 speakers by gender, with their utterance ids. */
function so762Heldout(): { female: string[]; male: string[]; utterances: Map<string, string[]> } {
  const rows = so762HeldoutUtterances();
  const utterances = new Map<string, string[]>();
  for (const r of rows) utterances.set(r.speaker, [...(utterances.get(r.speaker) ?? []), r.id]);
  const of = (g: string): string[] => [...new Set(rows.filter((r) => r.gender === g).map((r) => r.speaker))];
  return { female: of('f'), male: of('m'), utterances };
}

async function errorOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (err) {
    return isParlaError(err) ? err.code : `not a ParlaError: ${String(err)}`;
  }
  return 'no error';
}

describe('speaker encoder (onnxruntime-node)', () => {
  let encoder: SpeakerEncoder;
  beforeAll(async () => {
    encoder = await SpeakerEncoder.load(MODEL);
  });

  it('matches the PyTorch embedding of the parity signal', async () => {
    const fixture = JSON.parse(readFileSync(PARITY, 'utf8')) as Parity;
    const input = parityInput(fixture.samples, fixture.seed);
    // Check the generator first, so a mismatch is blamed on the right side.
    expect(Array.from(input.subarray(0, 4))).toEqual(fixture.input_head.map((v) => Math.fround(v)));
    expect(input.reduce((s, v) => s + v, 0)).toBeCloseTo(fixture.input_sum, 2);
    const emb = await encoder.embed(input);
    expect(emb.length).toBe(fixture.embedding.length);
    // Tolerance (fixture.tolerance): 1e-4 per component of a unit vector; measured about 1e-7 (same float32 graph, different kernels).
    const maxDiff = Math.max(...Array.from(emb, (v, i) => Math.abs(v - fixture.embedding[i])));
    expect(maxDiff).toBeLessThanOrEqual(fixture.tolerance);
    expect(cosineSimilarity(emb, Float32Array.from(fixture.embedding))).toBeGreaterThan(0.9999);
  });

  it('scores two utterances of one held-out speaker above utterances of two different ones', async () => {
    const { female, utterances } = so762Heldout();
    // Two speakers of the same gender: the harder, more honest case.
    const clips = await Promise.all(female.slice(0, 2).map((speaker) => Promise.all(utterances.get(speaker)!.slice(0, 3).map((id) =>
      decodeAudio(path.join(sharedDataDir(), 'speechocean762', 'audio', `${id}.opus`), { sampleRate: 16000 })))));
    const [a, b] = await Promise.all(clips.map((list) => Promise.all(list.map((pcm) => encoder.embed(pcm)))));
    for (const e of [...a, ...b]) expect(Math.hypot(...e)).toBeCloseTo(1, 4);
    const pairs = (x: Float32Array[], y: Float32Array[], same: boolean): number[] =>
      x.flatMap((u, i) => y.filter((_, j) => !same || j > i).map((v) => encoder.similarity(u, v)));
    const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
    const same = mean([...pairs(a, a, true), ...pairs(b, b, true)]);
    const different = mean(pairs(a, b, false));
    expect(same).toBeGreaterThan(different + 0.1);
  });

  it.each([
    ['too short (0.5 s minus one sample)', new Float32Array(MIN_SPEAKER_SAMPLES - 1).fill(0.1), 'audio_too_short'],
    ['empty', new Float32Array(0), 'audio_too_short'],
    ['silent', new Float32Array(16000), 'audio_silent'],
    ['NaN sample', Float32Array.from({ length: 16000 }, (_, i) => (i === 9000 ? NaN : Math.sin(i / 10))), 'invalid_input'],
    ['not a Float32Array', [0.1, 0.2] as unknown as Float32Array, 'invalid_input'],
  ])('refuses %s input with a ParlaError', async (_name, pcm, code) => {
    expect(await errorOf(() => encoder.embed(pcm))).toBe(code);
  });

  it('refuses embeddings of different lengths', () => {
    expect(() => encoder.similarity(new Float32Array(4).fill(1), new Float32Array(3).fill(1))).toThrow(/same non-zero length/);
  });
});

describe('speaker encoder loading', () => {
  it('names a missing model file', async () => {
    expect(await errorOf(() => SpeakerEncoder.load('/nonexistent/speaker_encoder.onnx'))).toBe('model_missing');
  });

  it('cosine similarity is exact on hand-made vectors', () => {
    expect(cosineSimilarity(Float32Array.of(1, 0), Float32Array.of(0, 2))).toBe(0);
    expect(cosineSimilarity(Float32Array.of(3, 4), Float32Array.of(6, 8))).toBeCloseTo(1, 12);
    expect(cosineSimilarity(Float32Array.of(1, 1), Float32Array.of(-1, -1))).toBeCloseTo(-1, 12);
  });
});
