// Equal error rate: exact values on hand-made scores, numpy-identical trial sampling, and the shipped
// speaker encoder on the 20 held-out speechocean762 speakers by the protocol of training/speaker/evaluate.py.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/index.js';
import { isParlaError } from '../src/errors.js';
import { equalErrorRate, verificationTrials } from '../src/eval/eer.js';
import { NumpyGenerator, seedSequenceState } from '../src/eval/numpy-random.js';
import { sharedDataDir, so762HeldoutUtterances } from '../src/eval/shared-data.js';
import { MIN_SPEAKER_SAMPLES, SpeakerEncoder, cosineSimilarity, defaultSpeakerEncoderPath } from '../src/eval/speaker.js';

const MODEL = defaultSpeakerEncoderPath();
/** The encoder's card, written by `python -m training.speaker.evaluate` next to the ONNX file. */
const CARD = MODEL.replace(/\.onnx$/, '.json');
/** The bar for the speaker encoder (#4). */
const MAX_EER = 0.10;
/**
 * Allowed |EER(ONNX here) - EER(card)|: 0.2 points, about 8 of the 3,800 pairs on each side.
 * ONNX on the training cache's PCM reproduces the card's EER exactly (0.08499999999999999, checked
 * when this test was written); what remains is decoding: ffmpeg's Opus decoder and resampler here
 * against libsndfile + scipy resample_poly in training, which moves embeddings by cosine >= 0.9968
 * and the EER by one pair's worth (8.53% with either the Debian or the bundled ffmpeg).
 */
const EER_TOLERANCE = 0.002;
/** Mean cosines move by about 0.001 for the same reason. */
const COSINE_TOLERANCE = 0.005;

function errorCode(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    return isParlaError(err) ? err.code : `not a ParlaError: ${String(err)}`;
  }
  return 'no error';
}

describe('equalErrorRate (training/speaker/metrics.py equal_error_rate)', () => {
  // Expected values computed by the Python function on the same lists.
  it.each([
    ['perfect separation', [0.9, 0.8], [0.1, 0.2], 0],
    ['complete inversion', [0.1, 0.2], [0.8, 0.9], 1],
    ['crossing at one threshold', [0.9, 0.7, 0.5, 0.3], [0.6, 0.4, 0.2, 0.1], 0.25],
    ['tied scores are accepted on both sides', [0.5, 0.5, 0.9], [0.5, 0.1], 0.25],
    ['equal gaps: the lower threshold wins', [3, 1], [2], 0.75],
    ['every score tied', [0.5, 0.5], [0.5, 0.5, 0.5], 0.5],
    ['rates that never meet: mean at the closest', [0.7, 0.6, 0.6, 0.2, 0.9], [0.6, 0.1, 0.3], 0.2666666666666667],
  ])('%s', (_name, same, different, eer) => {
    expect(equalErrorRate(same, different)).toBe(eer);
  });

  it('does not depend on the order of the scores', () => {
    expect(equalErrorRate([0.3, 0.9, 0.5, 0.7], [0.1, 0.6, 0.2, 0.4])).toBe(0.25);
  });

  it('refuses empty or non-finite score lists with a ParlaError', () => {
    expect(errorCode(() => equalErrorRate([], [0.1]))).toBe('invalid_input');
    expect(errorCode(() => equalErrorRate([0.1], []))).toBe('invalid_input');
    expect(errorCode(() => equalErrorRate([0.1, NaN], [0.2]))).toBe('invalid_input');
    expect(() => equalErrorRate([0.1], [Infinity])).toThrow(/different-speaker score 0 is not a finite number/);
  });
});

describe('numpy-identical random trials', () => {
  // Reference values from numpy 1.24 (/usr/bin/python3): np.random.SeedSequence / default_rng.
  it('SeedSequence and PCG64 give numpy\'s raw stream', () => {
    const u64 = (w: number[]): string[] => [0, 1, 2, 3].map((k) => ((BigInt(w[2 * k + 1]) << 32n) | BigInt(w[2 * k])).toString());
    expect(u64(seedSequenceState(0, 8))).toEqual(['15793235383387715774', '12390638538380655177', '2361836109651742017', '3188717715514472916']);
    expect(u64(seedSequenceState(12345, 8))).toEqual(['13091511679009522556', '13538552136045918767', '7269824232120749972', '4520223790601600371']);
    const g = new NumpyGenerator(7);
    expect([g.nextUint64(), g.nextUint64(), g.nextUint64()].map(String)).toEqual(['11530976094092348043', '16550673365885938325', '14308875409591826786']);
  });

  it('choice(n, size, replace=False) matches numpy on both of its algorithms', () => {
    const tail = new NumpyGenerator(0).choiceWithoutReplacement(76000, 3800); // tail shuffle (the held-out set's draw)
    expect(tail.slice(0, 8)).toEqual([23958, 20723, 19533, 63309, 41745, 9112, 14386, 22082]);
    expect(tail.reduce((s, v) => s + v, 0)).toBe(145539157);
    expect(new Set(tail).size).toBe(3800);
    expect(new NumpyGenerator(0).choiceWithoutReplacement(100, 7)).toEqual([7, 4, 26, 49, 30, 60, 79]); // Floyd + shuffle
    expect(new NumpyGenerator(3).choiceWithoutReplacement(20000, 300).slice(0, 6)).toEqual([10269, 19873, 12799, 7637, 4666, 13833]);
    expect(new NumpyGenerator(0).choiceWithoutReplacement(10, 10)).toEqual([0, 9, 1, 2, 4, 6, 3, 7, 5, 8]);
    expect(errorCode(() => new NumpyGenerator(0).choiceWithoutReplacement(3, 4))).toBe('invalid_input');
    expect(errorCode(() => new NumpyGenerator(-1))).toBe('invalid_input');
  });

  it('verificationTrials picks the pairs of metrics.trials', () => {
    // metrics.trials(["a","a","b","b","b","c"], 0)
    const t = verificationTrials(['a', 'a', 'b', 'b', 'b', 'c'], 0);
    expect(t.same).toEqual([[0, 1], [2, 3], [2, 4], [3, 4]]);
    expect(t.different).toEqual([[0, 4], [3, 5], [1, 4], [1, 3]]);
  });
});

interface HeldoutReport { eer: number; same_mean_cosine: number; different_mean_cosine: number; same_trials: number; different_trials: number; utterances: number; speakers: number }

/** Run `work` over `items` with at most `limit` in flight, keeping the order of the results. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const k = next++;
      out[k] = await work(items[k]);
    }
  }));
  return out;
}

describe('shipped speaker encoder on the held-out speechocean762 speakers', () => {
  // Decoding 400 Opus clips is the slow part: the static npm ffmpeg starts in a few ms against
  // ~100-300 ms for Debian's on this machine (both give the same EER), so prefer it unless the
  // caller chose one; 4 decodes in flight.
  const saved = process.env.PARLA_FFMPEG;
  beforeAll(() => {
    if (saved) return;
    try {
      process.env.PARLA_FFMPEG = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    } catch {
      // No bundled binary for this platform: decodeAudio resolves PATH as usual.
    }
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.PARLA_FFMPEG;
    else process.env.PARLA_FFMPEG = saved;
  });

  it('separates them at the EER on its card (whole utterances, 3,800 + 3,800 seeded pairs)', async () => {
    const card = (JSON.parse(readFileSync(CARD, 'utf8')) as { evaluation: { so762_heldout: HeldoutReport } }).evaluation.so762_heldout;
    expect(card.eer).toBeLessThanOrEqual(MAX_EER);

    const utterances = so762HeldoutUtterances();
    const audioDir = path.join(sharedDataDir(), 'speechocean762', 'audio');
    const decoded = await mapLimited(utterances, 4, async (u) => ({ ...u, pcm: await decodeAudio(path.join(audioDir, `${u.id}.opus`), { sampleRate: 16000 }) }));
    // cache.py drops clips under 0.5 s (none of these are); evaluate.py embeds each whole clip.
    const clips = decoded.filter((c) => c.pcm.length >= MIN_SPEAKER_SAMPLES);
    expect(clips.length).toBe(card.utterances);
    expect(new Set(clips.map((c) => c.speaker)).size).toBe(card.speakers);

    const encoder = await SpeakerEncoder.load(MODEL);
    const embeddings: Float32Array[] = [];
    for (const c of clips) embeddings.push(await encoder.embed(c.pcm));

    const trials = verificationTrials(clips.map((c) => c.speaker), 0);
    expect([trials.same.length, trials.different.length]).toEqual([card.same_trials, card.different_trials]);
    // Checksums of sum(400 i + j) over metrics.trials' pairs on the training cache's list: same utterance order, same numpy draw.
    const checksum = (pairs: Array<[number, number]>): number => pairs.reduce((s, [i, j]) => s + i * clips.length + j, 0);
    expect(checksum(trials.same)).toBe(298691400);
    expect(checksum(trials.different)).toBe(199867297);

    const score = (pairs: Array<[number, number]>): number[] => pairs.map(([i, j]) => cosineSimilarity(embeddings[i], embeddings[j]));
    const same = score(trials.same);
    const different = score(trials.different);
    const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
    const eer = equalErrorRate(same, different);
    expect(Math.abs(eer - card.eer), `EER ${(100 * eer).toFixed(2)}% here, ${(100 * card.eer).toFixed(2)}% on the card`).toBeLessThanOrEqual(EER_TOLERANCE);
    expect(eer).toBeLessThanOrEqual(MAX_EER);
    expect(Math.abs(mean(same) - card.same_mean_cosine)).toBeLessThanOrEqual(COSINE_TOLERANCE);
    expect(Math.abs(mean(different) - card.different_mean_cosine)).toBeLessThanOrEqual(COSINE_TOLERANCE);
  }, 180_000);
});
