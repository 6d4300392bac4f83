/**
 * The HTTP API on the shipped default model (not the fixture), as `parla serve` runs it: synthesis in a worker,
 * bundled voices, OpenAI voice names. The speech must be recognisable speech, a voice made from an upload must
 * synthesize, and SSE must stream.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio, encodeWav, rms } from '../src/audio/index.js';
import { transcribe } from '../src/eval/asr.js';
import { scoringWords } from '../src/eval/wer.js';
import { defaultModelDir } from '../src/paths.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { postJson, tempDir, testConfig, uploadVoice } from './server-harness.js';

const SENTENCE = 'It was the same way with our revolvers and rifles.';
const voices = tempDir('default-model');
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ config: testConfig(voices.dir, { modelDir: defaultModelDir() }), logger: pino({ level: 'silent' }) });
  await server.ready;
}, 60_000);
afterAll(async () => {
  await server.close();
  voices.remove();
});

async function speak(body: Record<string, unknown>): Promise<Float32Array> {
  // A fixed seed: the model samples (model.json sampling), so an unseeded request would differ from run to run.
  const res = await postJson(`${server.url}/v1/audio/speech`, { model: 'parla', input: SENTENCE, response_format: 'wav', seed: 1, ...body });
  expect(res.status, await res.clone().text().catch(() => '')).toBe(200);
  return decodeAudio(Buffer.from(await res.arrayBuffer()));
}

/** Its words that pocketsphinx does not hear in a chirp or noise ("oh was"): function words prove nothing. */
const CONTENT_WORDS = ['same', 'way', 'with', 'our', 'revolvers', 'rifles'];

/** Content words of the sentence that pocketsphinx heard (the model's held-out WER is ~70%: a few, but not none). */
async function wordsHeard(pcm: Float32Array): Promise<number> {
  const heard = new Set(scoringWords(await transcribe(pcm)));
  return CONTENT_WORDS.filter((w) => heard.has(w)).length;
}

describe('the HTTP API on the shipped model', () => {
  it('an OpenAI voice name speaks the sentence: natural length, speech level, words recognised', async () => {
    const pcm = await speak({ voice: 'ash' });
    const seconds = pcm.length / 16000;
    expect(seconds).toBeGreaterThan(1.5);
    expect(seconds).toBeLessThan(6);
    expect(rms(pcm)).toBeGreaterThan(0.01);
    expect(await wordsHeard(pcm)).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('a voice made from an uploaded recording synthesizes speech', async () => {
    const clip = await speak({ voice: 'echo', input: 'Good morning, this is a short recording of my voice for the test.' });
    const created = await uploadVoice(server.url, 'Uploaded', encodeWav(clip, 16000), { transcript: 'Good morning, this is a short recording of my voice for the test.' });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const pcm = await speak({ voice: id });
    expect(pcm.length / 16000).toBeGreaterThan(1.5);
    expect(await wordsHeard(pcm)).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it('streams SSE deltas before the done event', async () => {
    const res = await postJson(`${server.url}/v1/audio/speech`, { model: 'parla', input: SENTENCE, voice: 'nova', response_format: 'pcm', stream_format: 'sse' });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as { type: string; audio?: string });
    expect(events.at(-1)!.type).toBe('speech.audio.done');
    const deltas = events.filter((e) => e.type === 'speech.audio.delta');
    expect(deltas.length).toBeGreaterThan(1);
    const bytes = deltas.reduce((n, e) => n + Buffer.from(e.audio!, 'base64').length, 0);
    expect(bytes / 2 / 24000).toBeGreaterThan(1.5); // pcm is 24 kHz 16-bit, as OpenAI's
  }, 60_000);
});
