/** Synthesizer on the tiny fixture: audio shape, seeds, greedy speculative == plain, streaming == one-shot, cancellation, bad input. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { generateCodebook0, type ArJob } from '../src/engine/ar-decode.js';
import { Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { chunkInputs } from '../src/engine/prompt.js';
import { decodeSpeculative } from '../src/engine/speculative-decode.js';
import { CHUNK_PAUSE_MS, FIRST_CHUNK_PHONEMES, FIRST_CHUNK_PHONEMES_CANDIDATES, resolveSynthesisOptions } from '../src/engine/synth-options.js';
import type { AudioChunk, SynthesisStats } from '../src/engine/types.js';
import { resolveSamplingParams } from '../src/lm/sampling/index.js';
import { textToPhonemeIds } from '../src/text/phonemize.js';
import { fixtureVoice, loadFixture, parlaError } from './engine-helpers.js';

let model: LoadedModel;
let voice: Voice;
let synth: Synthesizer;
beforeAll(async () => {
  model = await loadFixture();
  voice = await fixtureVoice(model, 'a test prompt');
  synth = new Synthesizer(model);
});

async function job(text: string, params: object, speculative: boolean, seed = 7): Promise<ArJob> {
  const { ids } = await textToPhonemeIds(text);
  const inputs = chunkInputs(model, voice, ids);
  return { prompt: inputs.ar, maxGroups: inputs.maxGroups, params: resolveSamplingParams(params), seed, speculative };
}

describe('generate', () => {
  it('returns frames x hop samples of finite audio and consistent stats', async () => {
    let seen: SynthesisStats | undefined;
    const r = await synth.generate('Hi there.', { voice, seed: 1, onStats: (s) => (seen = s) });
    expect(r.sampleRate).toBe(16000);
    expect(r.audio.length).toBeGreaterThan(0);
    expect(r.audio.length % model.hopLength).toBe(0); // one chunk: no pause, whole codec frames
    expect(r.audio.every(Number.isFinite)).toBe(true);
    expect(r.stats.audioSeconds).toBeCloseTo(r.audio.length / 16000, 6);
    expect(r.stats.arSteps).toBeGreaterThan(1);
    expect(r.stats.chunks).toBe(1);
    expect(r.stats.rtf).toBeCloseTo(r.stats.wallSeconds / r.stats.audioSeconds, 6);
    expect(seen).toEqual(r.stats);
  });

  it('same seed gives identical audio, another seed different audio', async () => {
    const a = await synth.generate('Hi there.', { voice, seed: 3, speculative: false });
    const b = await synth.generate('Hi there.', { voice, seed: 3, speculative: false });
    const c = await synth.generate('Hi there.', { voice, seed: 4, speculative: false });
    expect(Buffer.from(a.audio.buffer).equals(Buffer.from(b.audio.buffer))).toBe(true);
    expect(Buffer.from(a.audio.buffer).equals(Buffer.from(c.audio.buffer))).toBe(false);
  });

  it('codes() yields each chunk\'s codes as generate() decodes them', async () => {
    const r = await synth.generate('Hi there.', { voice, seed: 3 });
    const chunks = [];
    for await (const c of synth.codes('Hi there.', { voice, seed: 3 })) chunks.push(c);
    expect(chunks.length).toBe(1);
    expect(chunks[0].text).toBe('Hi there.');
    expect([...chunks[0].ids]).toEqual([...(await textToPhonemeIds('Hi there.')).ids]);
    expect(chunks[0].codes.codebooks).toBe(model.numCodebooks);
    expect(chunks[0].codes.frames * model.hopLength).toBe(r.audio.length);
    const again = [];
    for await (const c of synth.codes('One sentence here. Another sentence there.', { voice, seed: 3, chunkPhonemes: 25 })) again.push(c.text);
    expect(again).toEqual(['One sentence here.', 'Another sentence there.']);
  });

  it('joins several text chunks with a short pause, in order', async () => {
    const text = 'One sentence here. Another sentence there. And a third one.';
    const r = await synth.generate(text, { voice, seed: 2, chunkPhonemes: 25 });
    const pieces: AudioChunk[] = [];
    for await (const p of synth.stream(text, { voice, seed: 2, chunkPhonemes: 25 })) pieces.push(p);
    const indexes = [...new Set(pieces.map((p) => p.index))];
    expect(indexes).toEqual([0, 1, 2]);
    expect(pieces.filter((p) => p.chunkEnd).length).toBe(3);
    expect(pieces.filter((p) => p.text !== '').map((p) => p.text)).toEqual(['One sentence here.', 'Another sentence there.', 'And a third one.']);
    expect(r.audio.length).toBe(pieces.reduce((n, p) => n + p.audio.length, 0));
    expect(r.stats.chunks).toBe(3);
  });
});

describe('model inputs (docs/model-format.md, "Text tokens")', () => {
  const ph = () => model.manifest.phonemes;
  const target = Int32Array.of(40, 41, 42);
  it('with a transcript: [BOS, prompt phonemes, SEP, target, EOS]; prompt cut to whole groups', () => {
    const v = { ...voice, codes: { codebooks: 8, frames: 51, data: new Int32Array(8 * 51).fill(7) }, transcriptIds: Int32Array.of(20, 21) };
    const inputs = chunkInputs(model, v, target);
    expect(Array.from(inputs.text)).toEqual([ph().bos_id, 20, 21, ph().sep_id, 40, 41, 42, ph().eos_id]);
    expect(inputs.promptCodes.frames).toBe(50);
    expect(inputs.ar.groups.length).toBe(50 / model.groupSize);
  });

  it('without a transcript, or with a prompt cropped to fit: reference mode [BOS, target, EOS]', () => {
    const none = chunkInputs(model, { ...voice, transcriptIds: undefined }, target);
    expect(Array.from(none.text)).toEqual([ph().bos_id, 40, 41, 42, ph().eos_id]);
    const frames = 2000; // 40 s of codes: more than any model's prompt budget
    const long = { ...voice, codes: { codebooks: 8, frames, data: new Int32Array(8 * frames).fill(7) }, transcriptIds: Int32Array.of(20, 21) };
    const cropped = chunkInputs(model, long, target);
    expect(cropped.promptCodes.frames).toBeLessThan(frames);
    expect(Array.from(cropped.text)).toEqual([ph().bos_id, 40, 41, 42, ph().eos_id]);
    expect(cropped.maxGroups).toBeGreaterThan(0);
  });
});

describe('speculative decoding', () => {
  it.each(['Hi there.', 'Speculation must not change a greedy result.'])('greedy: identical codebook-0 codes with and without the drafter (%s)', async (text) => {
    const plain = await generateCodebook0(model, await job(text, { temperature: 0 }, false));
    const spec = await generateCodebook0(model, await job(text, { temperature: 0 }, true));
    expect(spec.proposed).toBeGreaterThan(0);
    expect(Array.from(spec.codes)).toEqual(Array.from(plain.codes));
    // The AR as its own drafter: every draft accepted, the other bookkeeping path (no rollback, two pending groups).
    const self = await decodeSpeculative(model, model.ar, await job(text, { temperature: 0 }, true));
    expect(self.accepted).toBe(self.proposed);
    expect(Array.from(self.codes)).toEqual(Array.from(plain.codes));
    expect(self.arSteps).toBeLessThan(plain.arSteps / 2);
  });

  it('greedy: identical audio with --speculative on and off', async () => {
    const on = await synth.generate('Hi there.', { voice, temperature: 0, speculative: true });
    const off = await synth.generate('Hi there.', { voice, temperature: 0, speculative: false });
    expect(Buffer.from(on.audio.buffer).equals(Buffer.from(off.audio.buffer))).toBe(true);
  });

  it('sampling with RAS: a drafter equal to the target is accepted almost always (the target distribution is exact)', async () => {
    const self = await decodeSpeculative(model, model.ar, await job('Hi there.', { temperature: 1, topP: 0.8, ras: true }, true));
    expect(self.accepted / self.proposed).toBeGreaterThan(0.97);
    const tiny = await generateCodebook0(model, await job('Hi there.', { temperature: 1, topP: 0.8, ras: true }, true));
    expect(tiny.accepted).toBeLessThan(tiny.proposed);
    expect(tiny.codes.length).toBeGreaterThan(0);
  });
});

describe('first chunk budget', () => {
  // One sentence of about 80 phonemes: over the default first-chunk budget of 40.
  const text = 'Hi there, this is a rather long first sentence, and it keeps on going for a while.';
  const chunkCount = async (opts: object) => {
    let n = 0;
    for await (const p of synth.stream(text, { voice, seed: 1, speculative: false, ...opts })) if (p.chunkEnd) n++;
    return n;
  };

  it('cuts a long first sentence for early audio by default, and not when told the whole budget', async () => {
    expect(await chunkCount({ chunkPhonemes: 150 })).toBeGreaterThan(1);
    expect(await chunkCount({ chunkPhonemes: 150, firstChunkPhonemes: 150 })).toBe(1);
  });

  it('defaults: 40 with one candidate; with several, 60 in stream() and the whole chunk budget in generate()', () => {
    const first = (candidates: number, streaming: boolean, chunkPhonemes?: number) =>
      resolveSynthesisOptions({ voice, candidates, temperature: 0.3, chunkPhonemes }, {}, { candidates: 1, hasReader: true }, streaming).firstChunkPhonemes;
    expect([FIRST_CHUNK_PHONEMES, FIRST_CHUNK_PHONEMES_CANDIDATES]).toEqual([40, 60]);
    expect([first(1, true), first(1, false), first(4, true), first(4, false)]).toEqual([40, 40, 60, 150]);
    // Never above the chunk budget; greedy decoding makes one candidate whatever was asked.
    expect([first(4, true, 50), first(1, true, 30)]).toEqual([50, 30]);
    expect(resolveSynthesisOptions({ voice, candidates: 4, temperature: 0 }, {}, { candidates: 1, hasReader: true }, true).firstChunkPhonemes).toBe(40);
  });

  it.each([5, 151, 1.5])('refuses firstChunkPhonemes %s', async (n) => {
    await expect(synth.generate(text, { voice, chunkPhonemes: 150, firstChunkPhonemes: n })).rejects.toMatchObject({ param: 'firstChunkPhonemes' });
  });
});

describe('first chunk and its joins', () => {
  it('a first chunk cut at a comma: stream() gives the audio of generate(), sample for sample within the codec tolerance', async () => {
    const text = 'According to the report, sales rose sharply in the third quarter.';
    const opts = { voice, seed: 4, speculative: false };
    const whole = await synth.generate(text, opts);
    const pieces: AudioChunk[] = [];
    for await (const p of synth.stream(text, opts)) pieces.push(p);
    expect(pieces.filter((p) => p.text !== '').map((p) => p.text)).toEqual(['According to the report,', 'sales rose sharply in the third quarter.']);
    const streamed = joinPieces(pieces.map((p) => p.audio));
    expect(streamed.length).toBe(whole.audio.length);
    expect(maxAbsDiff(streamed, whole.audio)).toBeLessThan(0.05 * peak(whole.audio));
  });

  it('a chunk cut between words is joined without the sentence pause; one cut at a comma keeps it', async () => {
    const samplesOf = async (text: string) => {
      const per: number[] = [];
      let total = 0;
      for await (const p of synth.stream(text, { voice, seed: 1, speculative: false })) {
        if (p.text) per.push(0);
        per[per.length - 1] += p.audio.length;
        total += p.audio.length;
      }
      return { per, total };
    };
    const pause = Math.round((CHUNK_PAUSE_MS / 1000) * model.sampleRate);
    // No punctuation within the first-chunk budget: cut between words ("... stood | on the rocks ...").
    const cut = await samplesOf('The old lighthouse stood on the rocks for more than a century and nobody ever asked why.');
    expect(cut.per.length).toBe(2);
    expect(cut.per[0] % model.hopLength).toBe(0); // whole codec frames, no pause appended
    const comma = await samplesOf('According to the report, sales rose sharply in the third quarter.');
    expect(comma.per.length).toBe(2);
    expect((comma.per[0] - pause) % model.hopLength).toBe(0);
  });
});

describe('warm-up', () => {
  it('runs every stage once per model, and a second call does nothing', async () => {
    const fresh = await loadFixture();
    const nar = vi.spyOn(fresh.nar!, 'stageLogits');
    const decode = vi.spyOn(fresh.codec, 'decode');
    const s = new Synthesizer(fresh);
    await s.warmUp();
    expect(nar).toHaveBeenCalledTimes(fresh.numCodebooks - 1);
    expect(decode).toHaveBeenCalledTimes(1);
    await Promise.all([s.warmUp(), new Synthesizer(fresh).warmUp()]);
    expect(nar).toHaveBeenCalledTimes(fresh.numCodebooks - 1);
    expect(decode).toHaveBeenCalledTimes(1);
  });
});

describe('length limit', () => {
  it('a natural rate gives shorter chunks than the default runaway guard (random weights never end speech)', async () => {
    const natural = new Synthesizer(model, { lengthLimit: { secondsPerPhoneme: 0.08, extraSeconds: 0 } });
    const text = 'Hi there.';
    const long = await synth.generate(text, { voice, seed: 1, speculative: false });
    const short = await natural.generate(text, { voice, seed: 1, speculative: false });
    expect(short.audio.length).toBeGreaterThan(0);
    expect(short.audio.length).toBeLessThan(long.audio.length / 2);
  });

  it.each([[{ secondsPerPhoneme: 0 }], [{ secondsPerPhoneme: -1 }], [{ extraSeconds: -1 }], [{ secondsPerPhoneme: Number.NaN }]])('refuses %j', (limit) => {
    expect(() => new Synthesizer(model, { lengthLimit: limit })).toThrow(expect.objectContaining({ code: 'invalid_input', param: 'lengthLimit' }));
  });
});

describe('stream', () => {
  it('yields pieces whose concatenation matches generate(), the first before the whole is done', async () => {
    const opts = { voice, seed: 5, speculative: false };
    const whole = await synth.generate('Hi there, streaming.', opts);
    const start = performance.now();
    let firstAt = 0;
    const pieces: Float32Array[] = [];
    for await (const p of synth.stream('Hi there, streaming.', opts)) {
      if (pieces.length === 0) firstAt = performance.now() - start;
      pieces.push(p.audio);
    }
    const totalMs = performance.now() - start;
    expect(pieces.length).toBeGreaterThan(2);
    expect(firstAt).toBeLessThan(totalMs);
    const streamed = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
    pieces.reduce((at, p) => (streamed.set(p, at), at + p.length), 0);
    expect(streamed.length).toBe(whole.audio.length);
    let maxDiff = 0;
    let peak = 0;
    for (let i = 0; i < streamed.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(streamed[i] - whole.audio[i]));
      peak = Math.max(peak, Math.abs(whole.audio[i]));
    }
    // Streaming decode sees 8 frames of context on each side; the rest of the receptive field is the only difference.
    expect(maxDiff).toBeLessThan(0.05 * peak);
  });
});

describe('cancellation', () => {
  it('an aborted signal stops generate before any work', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await parlaError(() => synth.generate('Hi there.', { voice, signal: controller.signal }))).code).toBe('cancelled');
  });

  it('aborting mid-stream throws cancelled at the next piece and stops generating', async () => {
    const controller = new AbortController();
    const err = await parlaError(async () => {
      for await (const _ of synth.stream('First sentence. Second sentence. Third sentence.', { voice, chunkPhonemes: 20, signal: controller.signal })) controller.abort();
    });
    expect(err.code).toBe('cancelled');
  });

  it('aborting during AR decoding stops within a step', async () => {
    const controller = new AbortController();
    const j = { ...(await job('A much longer sentence to decode for a while.', {}, false)), signal: controller.signal };
    setTimeout(() => controller.abort(), 5);
    const start = performance.now();
    expect((await parlaError(() => generateCodebook0(model, j))).code).toBe('cancelled');
    expect(performance.now() - start).toBeLessThan(2000);
  });
});

describe('bad input', () => {
  it.each([
    ['empty text', '', {}, 'empty_input', 'text'],
    ['whitespace', '  \n\t ', {}, 'empty_input', 'text'],
    ['nothing pronounceable', '... !!', {}, 'empty_input', 'text'],
    ['negative temperature', 'Hi.', { temperature: -1 }, 'invalid_input', 'temperature'],
    ['top-p of 0', 'Hi.', { topP: 0 }, 'invalid_input', 'topP'],
    ['top-p above 1', 'Hi.', { topP: 1.5 }, 'invalid_input', 'topP'],
    ['RAS window K = 0', 'Hi.', { rasWindow: 0 }, 'invalid_input', 'rasWindow'],
    ['non-integer seed', 'Hi.', { seed: 1.5 }, 'invalid_input', 'seed'],
    ['tiny chunk budget', 'Hi.', { chunkPhonemes: 0 }, 'invalid_input', 'chunkPhonemes'],
  ])('%s -> %s', async (_name, text, extra, code, param) => {
    const err = await parlaError(() => synth.generate(text, { voice, ...extra }));
    expect([err.code, err.param]).toEqual([code, param]);
  });

  it('no voice, or a voice with the wrong number of codebooks', async () => {
    expect((await parlaError(() => synth.generate('Hi.', {} as never))).param).toBe('voice');
    const bad = { ...voice, codes: { codebooks: 2, frames: 10, data: new Int32Array(20) } };
    const err = await parlaError(() => synth.generate('Hi.', { voice: bad }));
    expect([err.code, err.param]).toEqual(['invalid_input', 'voice']);
  });
});

function joinPieces(pieces: Float32Array[]): Float32Array {
  const out = new Float32Array(pieces.reduce((n, p) => n + p.length, 0));
  pieces.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function peak(a: Float32Array): number {
  return a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}
