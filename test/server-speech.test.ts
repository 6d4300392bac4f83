/** POST /v1/audio/speech on a real port over the tiny model: every format decoded back, SSE, streaming, speed, cancellation, queue limits, shutdown, the openai client. */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, s16leToFloat } from '../src/audio/index.js';
import { createVoice } from '../src/engine/voice.js';
import { FileVoiceLibrary } from '../src/engine/voice-library.js';
import { loadModel, type LoadedModel } from '../src/engine/model.js';
import type { RunningServer } from '../src/server/index.js';
import { expectEnvelope, json, postJson, promptWav, startTestServer, tempDir, TINY_MODEL, uploadVoice } from './server-harness.js';

const voices = tempDir('speech-voices');
const SR = 16000;
let model: LoadedModel;
let server: RunningServer;
let base: string;
/** Duration (s) of the reference WAV for `short` with seed 11. */
let reference = 0;
let referenceWav: Buffer;
const short = { model: 'tts-1', input: 'Hi there.', voice: 'ada', seed: 11 };
const long = 'This is the first sentence. Here comes a second one. And a third sentence follows. The fourth ends it.';

async function speak(body: object): Promise<Response> {
  const res = await postJson(`${base}/v1/audio/speech`, body);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return res;
}

const seconds = (pcm: Float32Array, rate = SR): number => pcm.length / rate;
const rms = (pcm: Float32Array): number => Math.sqrt(pcm.reduce((s, x) => s + x * x, 0) / pcm.length);

beforeAll(async () => {
  model = await loadModel(TINY_MODEL);
  // A bundled voice (what OpenAI names map to), written by the engine's own library code.
  const bundled = await createVoice(model, promptWav(), { name: 'Bundled One', origin: 'bundled' });
  await new FileVoiceLibrary(model, { dir: voices.dir }).save(bundled);
  server = await startTestServer(voices.dir, model);
  base = server.url;
  expect((await uploadVoice(base, 'Ada', promptWav())).status).toBe(201);
});

afterAll(async () => {
  await server?.close();
  voices.remove();
});

describe('formats', () => {
  it('wav: a streamable header (0xFFFFFFFF sizes) and audio that decodes', async () => {
    const res = await speak({ ...short, response_format: 'wav' });
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect(res.headers.get('x-parla-seed')).toBe('11');
    expect(res.headers.get('x-parla-voice')).toBe('ada');
    const bytes = Buffer.from(await res.arrayBuffer());
    referenceWav = bytes;
    expect(bytes.toString('ascii', 0, 4)).toBe('RIFF');
    expect(bytes.readUInt32LE(4)).toBe(0xffffffff);
    const pcm = await decodeAudio(bytes, { sampleRate: SR });
    reference = seconds(pcm);
    expect(reference).toBeGreaterThan(0.5);
    expect(rms(pcm)).toBeGreaterThan(1e-4);
  });

  it.each([
    ['mp3', 'audio/mpeg', 0.15],
    ['opus', 'audio/ogg; codecs=opus', 0.1],
    ['aac', 'audio/aac', 0.15],
    ['flac', 'audio/flac', 0.02],
  ])('%s decodes back to the same length', async (format, type, tolerance) => {
    const res = await speak({ ...short, response_format: format });
    expect(res.headers.get('content-type')).toBe(type);
    const pcm = await decodeAudio(Buffer.from(await res.arrayBuffer()), { sampleRate: SR });
    expect(Math.abs(seconds(pcm) - reference)).toBeLessThan(tolerance);
    expect(rms(pcm)).toBeGreaterThan(1e-4);
  });

  it('pcm: raw s16le at 24 kHz like OpenAI', async () => {
    const res = await speak({ ...short, response_format: 'pcm' });
    expect(res.headers.get('x-parla-sample-rate')).toBe('24000');
    const bytes = Buffer.from(await res.arrayBuffer());
    const pcm = s16leToFloat(bytes);
    expect(Math.abs(seconds(pcm, 24000) - reference)).toBeLessThan(0.01);
    expect(rms(pcm)).toBeGreaterThan(1e-4);
  });
});

describe('options', () => {
  it.each([[2, 0.5]])('speed %f changes the duration by %f', async (speed, ratio) => {
    const pcm = await decodeAudio(Buffer.from(await (await speak({ ...short, response_format: 'wav', speed })).arrayBuffer()), { sampleRate: SR });
    expect(seconds(pcm) / reference).toBeGreaterThan(ratio * 0.9);
    expect(seconds(pcm) / reference).toBeLessThan(ratio * 1.1);
  });

  it('an OpenAI name maps to the bundled voice; Parla sampling fields are accepted', async () => {
    const res = await speak({ ...short, voice: 'alloy', response_format: 'wav', temperature: 0.7, top_p: 0.9, ras: false, ras_window: 5, speculative: false, normalize: false, instructions: 'Speak calmly.' });
    expect(res.headers.get('x-parla-voice')).toBe('bundled-one');
    expect(seconds(await decodeAudio(Buffer.from(await res.arrayBuffer()), { sampleRate: SR }))).toBeGreaterThan(0.3);
    const list = await json(await fetch(`${base}/v1/audio/voices`));
    expect(list.openai_aliases.alloy).toBe('bundled-one');
  });

  it('the same seed gives the same audio (voice given as {id} this time)', async () => {
    const res = await speak({ ...short, voice: { id: 'ada' }, response_format: 'wav' });
    expect(res.headers.get('x-parla-voice')).toBe('ada');
    const again = Buffer.from(await res.arrayBuffer());
    expect(again.equals(referenceWav)).toBe(true);
  });
});

describe('streaming', () => {
  it('SSE: speech.audio.delta events (base64) then speech.audio.done', async () => {
    const res = await speak({ ...short, response_format: 'mp3', stream_format: 'sse' });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean).map((block) => {
      expect(block.startsWith('data: ')).toBe(true);
      return JSON.parse(block.slice(6));
    });
    const deltas = events.filter((e) => e.type === 'speech.audio.delta');
    expect(deltas.length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ type: 'speech.audio.done', usage: { input_tokens: short.input.length } });
    expect(events.at(-1).usage.output_tokens).toBeGreaterThan(0);
    const audio = Buffer.concat(deltas.map((e) => Buffer.from(e.audio, 'base64')));
    const pcm = await decodeAudio(audio, { sampleRate: SR });
    expect(Math.abs(seconds(pcm) - reference)).toBeLessThan(0.15);
  });

  it('sends the first bytes long before the synthesis ends', async () => {
    const started = performance.now();
    // Two text chunks at least (the engine chunks by about 150 phonemes): audio of the first leaves before the second is generated.
    const res = await speak({ ...short, input: `${long} ${long}`, response_format: 'wav' });
    const reader = res.body!.getReader();
    const arrivals: number[] = [];
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(performance.now() - started);
      bytes += value.length;
    }
    const [first, last] = [arrivals[0], arrivals.at(-1)!];
    console.log(`streaming: first bytes after ${first.toFixed(0)} ms, last after ${last.toFixed(0)} ms, ${arrivals.length} reads, ${((bytes - 44) / 2 / SR).toFixed(2)} s of audio`);
    expect(arrivals.length).toBeGreaterThan(3);
    expect(first).toBeLessThan(last * 0.7);
  });

  it('stops generating when the client disconnects', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const res = await fetch(`${base}/v1/audio/speech`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...short, input: `${long} ${long} ${long}`, response_format: 'mp3' }), signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await expect.poll(() => server.context.queue.running, { timeout: 5000, interval: 50 }).toBe(0);
    const stoppedAfter = performance.now() - started;
    expect(server.context.inflight.size).toBe(0);
    // Three times the long text takes well over 10 s on this model; a cancelled one ends within a step or two.
    expect(stoppedAfter).toBeLessThan(6000);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});

describe('limits and lifecycle', () => {
  it('a full queue answers 429 with Retry-After, and the others finish', async () => {
    const busy = await startTestServer(voices.dir, model, { concurrency: 1, maxQueue: 1 });
    try {
      const body = { ...short, voice: 'bundled-one', response_format: 'wav' };
      const responses = await Promise.all([0, 1, 2].map(() => postJson(`${busy.url}/v1/audio/speech`, body)));
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 429]);
      const refused = responses.find((r) => r.status === 429)!;
      expect(refused.headers.get('retry-after')).toBe('5');
      const error = await expectEnvelope(refused, 429, 'busy');
      expect(error.type).toBe('rate_limit_error');
      for (const r of responses.filter((x) => x.status === 200)) expect((await r.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      const metrics = await (await fetch(`${busy.url}/metrics`)).text();
      expect(metrics).toMatch(/parla_http_requests_total\{method="POST",route="\/v1\/audio\/speech",status="429"\} 1/);
      expect(metrics).toMatch(/parla_synthesis_real_time_factor_count 2/);
      expect((await fetch(`${busy.url}/health`)).status).toBe(200);
    } finally {
      await busy.close();
    }
  });

  it('graceful shutdown lets the in-flight synthesis finish, then refuses connections', async () => {
    const closing = await startTestServer(voices.dir, model);
    const pending = postJson(`${closing.url}/v1/audio/speech`, { ...short, response_format: 'wav' });
    await expect.poll(() => closing.context.queue.running, { interval: 20 }).toBe(1);
    const closed = closing.close();
    const res = await pending;
    expect(res.status).toBe(200);
    const pcm = await decodeAudio(Buffer.from(await res.arrayBuffer()), { sampleRate: SR });
    expect(Math.abs(seconds(pcm) - reference)).toBeLessThan(0.01);
    await closed;
    await expect(fetch(`${closing.url}/health`)).rejects.toThrow();
  });

  it('an OpenAI client gets audio back', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'not-needed', maxRetries: 0 });
    // No response_format: mp3 is the default, as with OpenAI.
    const speech = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello from the OpenAI client.' });
    expect(speech.headers.get('content-type')).toBe('audio/mpeg');
    const pcm = await decodeAudio(Buffer.from(await speech.arrayBuffer()), { sampleRate: SR });
    expect(seconds(pcm)).toBeGreaterThan(0.5);
    // Its errors surface as the SDK's typed errors with our message.
    await expect(client.audio.speech.create({ model: 'tts-1', voice: 'nobody', input: 'x' })).rejects.toMatchObject({ status: 404, code: 'voice_not_found' });
  });

  it('is healthy at the end', async () => {
    const health = await json(await fetch(`${base}/health`));
    expect(health).toMatchObject({ status: 'ok', queue: { running: 0, waiting: 0 } });
  });
});
