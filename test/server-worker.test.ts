/** `parla serve`'s default: synthesis in a worker thread, so the HTTP thread stays free; the worker ends with the server. */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../src/audio/index.js';
import { WorkerSynthesizer } from '../src/engine/worker-synthesizer.js';
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

describe('server with a synthesis worker', () => {
  it('synthesizes through a WorkerSynthesizer and answers /health while a request is running', async () => {
    expect(server.context.engine?.synth).toBeInstanceOf(WorkerSynthesizer);
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

  it('closing the server terminates the worker', async () => {
    const synth = server.context.engine!.synth as WorkerSynthesizer;
    await server.close();
    await expect(synth.generate('Hi.', { voice: undefined as never })).rejects.toThrow(/worker has stopped/);
  });
});
