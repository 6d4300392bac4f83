/** Shared setup for the HTTP tests: a real server on a free port over the tiny fixture model, and small request helpers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { expect } from 'vitest';
import { chirp, encodeWav, syllabify, whiteNoise } from '../src/audio/index.js';
import type { LoadedModel } from '../src/engine/model.js';
import { loadServerConfig, startServer, type RunningServer, type ServerConfig } from '../src/server/index.js';

/** The tiny random-weight fixture (PARLA_TEST_MODEL points elsewhere, e.g. to try a freshly exported one). */
export const TINY_MODEL = process.env.PARLA_TEST_MODEL ?? resolve(import.meta.dirname, 'fixtures', 'tiny-model');

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `parla-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Config as `parla serve` would build it, on port 0 (a free port), with overrides; ignores the developer's own .env. */
export function testConfig(voicesDir: string, overrides: Partial<ServerConfig> = {}): ServerConfig {
  return { ...loadServerConfig({ port: 0, host: '127.0.0.1', modelDir: TINY_MODEL, voicesDir }, {}, '/nonexistent/.env'), ...overrides };
}

/** A server over `voicesDir` alone: the package's bundled voices are left out, so tests see only the voices they made. */
export async function startTestServer(voicesDir: string, model: LoadedModel | Promise<LoadedModel>, overrides: Partial<ServerConfig> = {}): Promise<RunningServer> {
  return startServer({ config: testConfig(voicesDir, overrides), model, logger: pino({ level: 'silent' }), bundledVoices: false });
}

/** A 2.5 s clip a voice can be made from: a chirp in syllable-like bursts with a little noise (the fixture codec accepts any audio). */
export function promptWav(): Buffer {
  const sr = 16000;
  const tone = syllabify(chirp(150, 1800, 2.5, sr, 0.4), sr);
  const noise = whiteNoise(2.5, sr, 0.05, 7);
  return encodeWav(tone.map((x, i) => x + noise[i]), sr);
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

export async function uploadVoice(base: string, name: string, audio: Buffer, extra: Record<string, string> = {}, filename = 'clip.wav'): Promise<Response> {
  const form = new FormData();
  form.append('name', name);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  form.append('file', new Blob([audio]), filename);
  return fetch(`${base}/v1/audio/voices`, { method: 'POST', body: form });
}

/** A response body as JSON, typed loosely for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(res: Response): Promise<any> {
  return res.json();
}

/** Asserts an OpenAI error envelope with this status and code; returns the error object. */
export async function expectEnvelope(res: Response, status: number, code: string): Promise<{ message: string; type: string; param: string | null; code: string }> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = JSON.parse(text);
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toMatchObject({ code });
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(5);
  expect(body.error).toHaveProperty('param');
  expect(body.error).toHaveProperty('type');
  return body.error;
}
