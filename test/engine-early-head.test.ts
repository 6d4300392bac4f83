/**
 * A stream's first audio before its first chunk is complete (src/engine/early-head.ts): when the watch over the
 * candidates is ready, how the first word group is chosen from them, and stream() with the tiny pointer fixture and
 * its audio reader: the head leaves while the AR is still at work, the chunk's audio is the one-shot decode of codes
 * that start with the head, and a caller who stops after the head stops the work.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { concatFrames, type Codes } from '../src/codec/codes.js';
import type { ArResult } from '../src/engine/ar-decode.js';
import { chooseHead, HEAD_MARGIN_FRAMES, HeadWatch } from '../src/engine/early-head.js';
import { createVoice, loadModel, Synthesizer, type LoadedModel, type Voice } from '../src/engine/index.js';
import { BOS_ID, EOS_ID, SEP_ID, WORD_BOUNDARY_ID } from '../src/text/symbols.js';
import { fixtureCopy, parlaError, POINTER_FIXTURE, promptPcm } from './engine-helpers.js';

const DIMS = { vocabSize: 30, blankId: 0, firstPhonemeId: 20 };
// BOS, prompt transcript (21), SEP, "ab cd ef" as phonemes 20 21 | 22 23 | 24 25, EOS: words at 3-4, 6-7, 9-10.
const TEXT = [BOS_ID, 21, SEP_ID, 20, 21, WORD_BOUNDARY_ID, 22, 23, WORD_BOUNDARY_ID, 24, 25, EOS_ID];

/** A candidate of `frames` frames whose pointer sat at `positions` (one per frame). */
function result(positions: number[]): ArResult {
  return { codes: Int32Array.from(positions, (_, f) => f), arSteps: 1, proposed: 0, accepted: 0, endOfSpeech: false, phonemes: Int32Array.from(positions, (p) => TEXT[p]), positions: Int32Array.from(positions) };
}

function progress(positions: number[], next: number) {
  return { frames: positions.length, position: next, partial: () => result(positions) };
}

describe('HeadWatch', () => {
  it('is ready once every candidate is past the first word group by the margin, and gives them cut there', async () => {
    const watch = HeadWatch.of(TEXT, 1, DIMS.firstPhonemeId, 2, 2)!;
    let ready: boolean | undefined;
    void watch.ready.then((r) => (ready = r));
    const a = [3, 3, 4, 4];
    watch.update(0, progress(a, 6)); // a's pointer moved on to the second word: a passed at frame 4
    watch.update(0, progress([...a, 6, 6, 6], 6));
    watch.update(1, progress([3, 3, 3], 4)); // b is still in the first word
    await Promise.resolve();
    expect(ready).toBeUndefined();
    watch.update(1, progress([3, 3, 3, 4], 6));
    watch.update(1, progress([3, 3, 3, 4, 6], 6));
    await Promise.resolve();
    expect(ready).toBeUndefined(); // one frame past: the margin is two
    watch.update(1, progress([3, 3, 3, 4, 6, 6], 7));
    await Promise.resolve();
    expect(ready).toBe(true);
    // Each cut two frames past where it left the first group.
    expect(watch.partials().map((p) => Array.from(p.positions!))).toEqual([[3, 3, 4, 4, 6, 6], [3, 3, 3, 4, 6, 6]]);
  });

  it('a finished candidate counts as past; all finished before any was past: not ready', async () => {
    const watch = HeadWatch.of(TEXT, 1, DIMS.firstPhonemeId, 2, 2)!;
    const finished = result([3, 4, 6, 7, 9, 10, 11]);
    watch.finish(0, finished);
    watch.update(1, progress([3, 4], 6));
    watch.update(1, progress([3, 4, 6, 6], 7));
    expect(await watch.ready).toBe(true);
    expect(watch.partials()[0]).toBe(finished);

    const late = HeadWatch.of(TEXT, 1, DIMS.firstPhonemeId, 2, 2)!;
    late.finish(0, finished);
    late.finish(1, finished);
    expect(await late.ready).toBe(false);
  });

  it('none when the first group is more than half the text: one group, or two words of three', () => {
    expect(HeadWatch.of(TEXT, 1, DIMS.firstPhonemeId, 4)).not.toBeNull();
    expect(HeadWatch.of(TEXT, 2, DIMS.firstPhonemeId, 4)).toBeNull();
    expect(HeadWatch.of(TEXT, 3, DIMS.firstPhonemeId, 4)).toBeNull();
    expect(HEAD_MARGIN_FRAMES).toBeGreaterThan(0);
  });
});

describe('chooseHead', () => {
  /** Log-probabilities [frames, C]: each frame puts 0.9 on its class. */
  const heard = (classes: number[]) => {
    const out = new Float32Array(classes.length * DIMS.vocabSize).fill(Math.log(0.1 / (DIMS.vocabSize - 1)));
    classes.forEach((c, f) => (out[f * DIMS.vocabSize + c] = Math.log(0.9)));
    return { data: out, frames: classes.length };
  };
  const a = result([3, 3, 4, 4, 6, 6]);
  const b = result([3, 4, 4, 6, 6, 7]);

  it("takes the first group's frames from the candidate the reader hears say it best", async () => {
    // The reader hears a say "ab" and b mumble (25s); what follows the first word does not count.
    const views = new Map([[a, heard([20, 20, 21, 21, 25, 25])], [b, heard([25, 25, 25, 22, 22, 23])]]);
    const head = await chooseHead([a, b], async (c) => views.get(c)!, TEXT, 1, DIMS);
    expect(head).toEqual({ candidate: 0, codes: Int32Array.of(0, 1, 2, 3), phonemes: Int32Array.of(20, 20, 21, 21) });
    const swapped = await chooseHead([b, a], async (c) => views.get(c)!, TEXT, 1, DIMS);
    expect(swapped!.candidate).toBe(1);
  });

  it('none when a candidate cannot be heard', async () => {
    expect(await chooseHead([a, b], async (c) => (c === a ? heard([20, 20, 21, 21, 0, 0]) : null), TEXT, 1, DIMS)).toBeNull();
  });
});

describe('stream() with an early head (tiny pointer fixture, audio reader)', () => {
  const dirs: string[] = [];
  let model: LoadedModel;
  let voice: Voice;
  const audioParity = JSON.parse(readFileSync(join(POINTER_FIXTURE, 'audio_reader_parity.json'), 'utf8'));
  beforeAll(async () => {
    // No NAR: it fills a chunk's frames together, so a model with one waits for the whole chunk.
    model = await loadModel(fixtureCopy(POINTER_FIXTURE, dirs, (m) => ((m.reader = audioParity.section), (m.nar = null))), { threads: 1 });
    voice = await createVoice(model, promptPcm(), { name: 'Chirp', transcript: 'a test prompt' });
  });
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const text = 'One two three four five six seven eight.';
  const options = { candidates: 3, spliceWords: 1, temperature: 1, firstChunkPhonemes: 150 };

  /** Streams `text`, recording the AR calls made before the first audio and every code the stream decoded. */
  async function streamed(seed: number) {
    const run = vi.spyOn(model.ar, 'run');
    const makeDecoder = model.codec.streamingDecoder.bind(model.codec);
    const pushed: Codes[][] = [];
    const spy = vi.spyOn(model.codec, 'streamingDecoder').mockImplementation((o) => {
      const decoder = makeDecoder(o);
      const codes: Codes[] = [];
      pushed.push(codes);
      for (const name of ['push', 'pushAll'] as const) {
        const f = decoder[name].bind(decoder);
        decoder[name] = (c: Codes) => (codes.push(c), f(c));
      }
      return decoder;
    });
    const pieces: Float32Array[] = [];
    let callsAtFirstAudio = -1;
    for await (const piece of new Synthesizer(model).stream(text, { voice, seed, ...options })) {
      if (callsAtFirstAudio < 0 && piece.audio.length > 0) callsAtFirstAudio = run.mock.calls.length;
      pieces.push(piece.audio);
    }
    const calls = run.mock.calls.length;
    spy.mockRestore();
    run.mockRestore();
    return { audio: Float32Array.from(pieces.flatMap((p) => Array.from(p))), callsAtFirstAudio, calls, pushed };
  }

  it('plays the first word group while the AR is still at work; the audio is the one-shot decode of codes starting with it', async () => {
    const s = await streamed(3);
    expect(s.callsAtFirstAudio).toBeGreaterThan(1);
    expect(s.callsAtFirstAudio).toBeLessThan(s.calls);
    // One chunk, decoded by one streaming decoder: first the head, then the rest of the spliced frames.
    expect(s.pushed).toHaveLength(1);
    const codes = concatFrames(s.pushed[0]);
    expect(s.pushed[0][0].frames).toBeLessThan(codes.frames);
    const whole = await model.codec.decode(codes, { voice: voice.codes });
    expect(s.audio.length).toBe(whole.length);
    let maxDiff = 0;
    for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(s.audio[i] - whole[i]));
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('with a NAR the whole chunk comes first', async () => {
    const withNar = await loadModel(fixtureCopy(POINTER_FIXTURE, dirs, (m) => (m.reader = audioParity.section)), { threads: 1 });
    const run = vi.spyOn(withNar.ar, 'run');
    let callsAtFirstAudio = -1;
    for await (const piece of new Synthesizer(withNar).stream(text, { voice, seed: 3, ...options })) if (callsAtFirstAudio < 0 && piece.audio.length > 0) callsAtFirstAudio = run.mock.calls.length;
    expect(callsAtFirstAudio).toBe(run.mock.calls.length);
    run.mockRestore();
  });

  it('generate() waits for the whole chunk: its first group may differ, the rest of the work is the same', async () => {
    const run = vi.spyOn(model.ar, 'run');
    const out = await new Synthesizer(model).generate(text, { voice, seed: 3, ...options });
    const calls = run.mock.calls.length;
    run.mockRestore();
    expect(calls).toBe((await streamed(3)).calls);
    expect(out.stats.candidates).toBe(3);
  });

  it('a caller who stops after the first audio stops the AR; a cancelled request says so', async () => {
    const run = vi.spyOn(model.ar, 'run');
    for await (const piece of new Synthesizer(model).stream(text, { voice, seed: 3, ...options })) if (piece.audio.length > 0) break;
    const atStop = run.mock.calls.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(run.mock.calls.length).toBeLessThanOrEqual(atStop + 1);
    run.mockRestore();

    const controller = new AbortController();
    const err = await parlaError(async () => {
      for await (const piece of new Synthesizer(model).stream(text, { voice, seed: 3, ...options, signal: controller.signal })) if (piece.audio.length > 0) controller.abort();
    });
    expect(err.code).toBe('cancelled');
  });
});
