/** `parla serve`'s default: synthesis in a pool of worker threads, so the HTTP thread stays free; the workers end with the server. */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/index.js';
import { SynthesizerPool } from '../src/engine/synthesizer-pool.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { postJson, promptWav, tempDir, testConfig, uploadVoice } from './server-harness.js';

const voices = tempDir('worker');
let server: RunningServer;
beforeAll(async () => {
  // No `model` given: the app loads config.modelDir itself, as `parla serve` does.
  server = await startServer({ config: testConfig(voices.dir), logger: pino({ level: 'silent' }) });
  await server.ready;
});
afterAll(async () => {
  await server.close();
  voices.remove();
});

describe('server with synthesis workers', () => {
  it('synthesizes through a SynthesizerPool of config.workers and answers /health while a request is running', async () => {
    expect(server.context.engine?.synth).toBeInstanceOf(SynthesizerPool);
    expect((server.context.engine?.synth as SynthesizerPool).size).toBe(server.context.config.workers);
    const created = await uploadVoice(server.url, 'Worker voice', promptWav());
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const speech = postJson(`${server.url}/v1/audio/speech`, { model: 'parla', input: 'One sentence. And another one after it.', voice: id, response_format: 'wav', seed: 1 });
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    const res = await speech;
    expect(res.status).toBe(200);
    expect((await decodeAudio(Buffer.from(await res.arrayBuffer()))).length).toBeGreaterThan(16000);
  });

  it('closing the server terminates the workers', async () => {
    const synth = server.context.engine!.synth as SynthesizerPool;
    await server.close();
    await expect(synth.generate('Hi.', { voice: undefined as never })).rejects.toThrow(/closed/);
  });
});
