/** HTTP API on a real port: health before/after load, models, metrics, docs, voices CRUD, auth, and every bad input's status + envelope. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav, sineTone } from '../src/audio/index.js';
import { loadModel, type LoadedModel } from '../src/engine/model.js';
import type { RunningServer } from '../src/server/index.js';
import { expectEnvelope, json, postJson, promptWav, startTestServer, tempDir, TINY_MODEL, uploadVoice } from './server-harness.js';

const voices = tempDir('api-voices');
let server: RunningServer;
let authServer: RunningServer;
let model: LoadedModel;
let base: string;
let releaseModel: (m: LoadedModel) => void;

beforeAll(async () => {
  // The model is handed over only after the first checks, so "503 until loaded" is tested deterministically.
  server = await startTestServer(voices.dir, new Promise<LoadedModel>((resolve) => (releaseModel = resolve)), { maxUploadBytes: 400_000 });
  base = server.url;
});

afterAll(async () => {
  await server?.close();
  await authServer?.close();
  voices.remove();
});

describe('before the model is loaded', () => {
  it('GET /health is 503 with Retry-After', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ status: 'loading' });
  });

  it('POST /v1/audio/speech is 503 unavailable', async () => {
    const res = await postJson(`${base}/v1/audio/speech`, { model: 'tts-1', input: 'Hi.', voice: 'x' });
    expect(res.headers.get('retry-after')).toBe('5');
    await expectEnvelope(res, 503, 'unavailable');
  });

  it('serves the web UI, docs and metrics already', async () => {
    expect(await (await fetch(`${base}/`)).text()).toContain('<title>Parla');
    expect(await (await fetch(`${base}/docs`)).text()).toContain('/v1/audio/speech');
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });

  it('loads', async () => {
    model = await loadModel(TINY_MODEL);
    releaseModel(model);
    await server.ready;
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', model: model.id, queue: { running: 0, waiting: 0 } });
  });
});

describe('models, metrics, docs', () => {
  it('GET /v1/models lists the model and the OpenAI names', async () => {
    const body = await json(await fetch(`${base}/v1/models`));
    expect(body.object).toBe('list');
    expect(body.data.map((m: { id: string }) => m.id)).toEqual([model.id, 'parla', 'tts-1', 'tts-1-hd', 'gpt-4o-mini-tts']);
    for (const id of ['tts-1', 'parla']) expect((await fetch(`${base}/v1/models/${id}`)).status).toBe(200);
    expect(body.data[0].sampling).toEqual({}); // the fixture recommends no sampling settings
    expect(body.data[0].voice_cloning).toBeNull(); // nor has its card measured cloning
    await expectEnvelope(await fetch(`${base}/v1/models/nope`), 404, 'not_found');
  });

  it('GET /metrics is Prometheus text with requests, latency, RTF and queue depth', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    for (const name of ['parla_http_requests_total', 'parla_http_request_duration_seconds_bucket', 'parla_synthesis_real_time_factor', 'parla_queue_depth 0']) expect(text).toContain(name);
    expect(text).toMatch(/parla_http_requests_total\{method="GET",route="\/health",status="503"\} [1-9]/);
  });

  it('unknown endpoints and pages answer in the envelope; GET on the speech endpoint is 405', async () => {
    await expectEnvelope(await fetch(`${base}/v1/audio/transcriptions`), 404, 'not_found');
    for (const path of ['/nope', '/favicon.ico']) await expectEnvelope(await fetch(`${base}${path}`), 404, 'not_found');
    const get = await fetch(`${base}/v1/audio/speech`);
    expect(get.headers.get('allow')).toBe('POST');
    await expectEnvelope(get, 405, 'method_not_allowed');
  });
});

describe('voices', () => {
  it('starts empty, creates, shows, lists, deletes', async () => {
    expect(await json(await fetch(`${base}/v1/audio/voices`))).toEqual({ voices: [], openai_aliases: {} });
    const created = await uploadVoice(base, 'Test Voice', promptWav(), { transcript: 'hello there' });
    expect(created.status, await created.clone().text()).toBe(201);
    const info = await json(created);
    expect(info).toMatchObject({ id: 'test-voice', name: 'Test Voice', hasTranscript: true, origin: 'user' });
    expect(info.durationSeconds).toBeGreaterThan(2);
    expect(info.promptTempo).toBeUndefined(); // the fixture asks for no pace (model.json prompt_pace)
    // Same name again: a new id, never an overwrite.
    const again = await json(await uploadVoice(base, 'Test Voice', promptWav()));
    expect(again.id).toBe('test-voice-2');
    const list = await json(await fetch(`${base}/v1/audio/voices`));
    expect(list.voices.map((v: { id: string }) => v.id)).toEqual(['test-voice', 'test-voice-2']);
    expect(await json(await fetch(`${base}/v1/audio/voices/test-voice`))).toMatchObject({ id: 'test-voice', name: 'Test Voice' });
    const del = await fetch(`${base}/v1/audio/voices/test-voice-2`, { method: 'DELETE' });
    expect(await del.json()).toEqual({ id: 'test-voice-2', object: 'voice', deleted: true });
    await expectEnvelope(await fetch(`${base}/v1/audio/voices/test-voice-2`), 404, 'voice_not_found');
    await expectEnvelope(await fetch(`${base}/v1/audio/voices/test-voice-2`, { method: 'DELETE' }), 404, 'voice_not_found');
  });

  const silent = encodeWav(new Float32Array(16000 * 2), 16000);
  const short = encodeWav(sineTone(300, 0.4, 16000), 16000);
  const cases: [string, () => Promise<Response>, number, string, string | null][] = [
    ['no file', () => { const f = new FormData(); f.append('name', 'x'); return fetch(`${base}/v1/audio/voices`, { method: 'POST', body: f }); }, 400, 'invalid_input', 'file'],
    ['no name', () => { const f = new FormData(); f.append('file', new Blob([promptWav()]), 'a.wav'); return fetch(`${base}/v1/audio/voices`, { method: 'POST', body: f }); }, 400, 'invalid_input', 'name'],
    ['text instead of audio', () => uploadVoice(base, 'txt', Buffer.from('just some text, not audio at all '.repeat(20)), {}, 'a.wav'), 400, 'not_audio', null],
    ['silence', () => uploadVoice(base, 'quiet', silent), 400, 'audio_silent', 'file'],
    ['too short', () => uploadVoice(base, 'short', short), 400, 'audio_too_short', 'file'],
    ['a steady tone (not speech)', () => uploadVoice(base, 'tone', encodeWav(sineTone(440, 4, 16000, 0.3), 16000)), 400, 'invalid_input', 'file'],
    ['a multipart body cut short', () => multipart('--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nA\r\n--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nabc', 'multipart/form-data; boundary=xyz'), 400, 'invalid_input', 'file'],
    ['a multipart body without a boundary', () => multipart('garbage', 'multipart/form-data'), 400, 'invalid_input', 'file'],
    ['a urlencoded form', () => fetch(`${base}/v1/audio/voices`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'name=x' }), 400, 'invalid_input', 'file'],
    ['the file as a text field', () => { const f = new FormData(); f.append('name', 'x'); f.append('file', 'notafile'); return fetch(`${base}/v1/audio/voices`, { method: 'POST', body: f }); }, 400, 'invalid_input', 'file'],
    ['over the upload cap', () => uploadVoice(base, 'big', Buffer.alloc(500_000, 1)), 413, 'too_large', 'file'],
    ['unknown form field', () => uploadVoice(base, 'x', promptWav(), { colour: 'red' }), 400, 'invalid_input', 'colour'],
    ['audio in the wrong field', () => { const f = new FormData(); f.append('name', 'x'); f.append('audio', new Blob([promptWav()]), 'a.wav'); return fetch(`${base}/v1/audio/voices`, { method: 'POST', body: f }); }, 400, 'invalid_input', 'audio'],
  ];
  it.each(cases)('rejects %s', async (_what, send, status, code, param) => {
    const error = await expectEnvelope(await send(), status, code);
    if (param) expect(error.param).toBe(param);
    if (param === 'audio' && code === 'invalid_input') expect(error.message).toContain('multipart field "file"');
    if (_what === 'no name') expect(error.message).toBe('name is required');
    if (_what.startsWith('a multipart')) expect(error.message).toMatch(/^malformed multipart\/form-data body: /);
    if (_what.startsWith('a steady')) expect(error.message).toMatch(/does not sound like speech/);
    if (_what === 'a urlencoded form') expect(error.message).toMatch(/^a voice is created from multipart\/form-data \(fields name, file/);
    if (_what === 'the file as a text field') expect(error.message).toMatch(/^file must be the clip itself, uploaded as a file/);
    if (code === 'not_audio') expect(error.message).not.toMatch(/pipe:0/);
  });
  const multipart = (body: string, type: string): Promise<Response> => fetch(`${base}/v1/audio/voices`, { method: 'POST', headers: { 'Content-Type': type }, body });

  it.each(['..%2F..%2Fetc', '.hidden', 'UPPER', 'a'.repeat(65), 'semi%3Bcolon'])('refuses voice id %s (no path traversal)', async (id) => {
    await expectEnvelope(await fetch(`${base}/v1/audio/voices/${id}`), 400, 'invalid_input');
    await expectEnvelope(await fetch(`${base}/v1/audio/voices/${id}`, { method: 'DELETE' }), 400, 'invalid_input');
  });

  it('never serves uploads or voice files over HTTP', async () => {
    for (const path of ['/test-voice/voice.json', '/voices/test-voice/codes.pcodes', '/../voices/test-voice/voice.json', '/%2e%2e/package.json']) {
      expect((await fetch(`${base}${path}`)).status).toBe(404);
    }
  });
});

describe('POST /v1/audio/speech validation', () => {
  const ok = { model: 'tts-1', input: 'Hello.', voice: 'test-voice' };
  const cases: [string, unknown, number, string, string | null][] = [
    ['missing model', { input: 'Hi', voice: 'test-voice' }, 400, 'invalid_input', 'model'],
    ['missing input', { model: 'tts-1', voice: 'test-voice' }, 400, 'invalid_input', 'input'],
    ['empty input', { ...ok, input: '   ' }, 400, 'invalid_input', 'input'],
    ['input over 4096 characters', { ...ok, input: 'a'.repeat(4097) }, 400, 'invalid_input', 'input'],
    ['input in another script', { ...ok, input: 'Привет, мир!' }, 400, 'unsupported_language', 'input'],
    ['missing voice', { model: 'tts-1', input: 'Hi' }, 400, 'invalid_input', 'voice'],
    ['voice of the wrong type', { ...ok, voice: 42 }, 400, 'invalid_input', 'voice'],
    ['unknown response_format', { ...ok, response_format: 'ogg' }, 400, 'invalid_input', 'response_format'],
    ['speed above 4', { ...ok, speed: 4.5 }, 400, 'invalid_input', 'speed'],
    ['speed below 0.25', { ...ok, speed: 0.1 }, 400, 'invalid_input', 'speed'],
    ['speed as a string', { ...ok, speed: 'fast' }, 400, 'invalid_input', 'speed'],
    ['unknown stream_format', { ...ok, stream_format: 'chunks' }, 400, 'invalid_input', 'stream_format'],
    ['negative temperature', { ...ok, temperature: -1 }, 400, 'invalid_input', 'temperature'],
    ['top_p of 0', { ...ok, top_p: 0 }, 400, 'invalid_input', 'top_p'],
    ['negative guidance', { ...ok, guidance: -1 }, 400, 'invalid_input', 'guidance'],
    ['guidance on a model without a phoneme pointer', { ...ok, guidance: 0.3 }, 400, 'invalid_input', 'guidance'],
    ['negative splice_words', { ...ok, splice_words: -1 }, 400, 'invalid_input', 'splice_words'],
    ['negative retry_above', { ...ok, retry_above: -0.5 }, 400, 'invalid_input', 'retry_above'],
    ['fractional seed', { ...ok, seed: 1.5 }, 400, 'invalid_input', 'seed'],
    ['a seed of 1e300', { ...ok, seed: 1e300 }, 400, 'invalid_input', 'seed'],
    ['ras not boolean', { ...ok, ras: 'yes' }, 400, 'invalid_input', 'ras'],
    ['unknown field', { ...ok, volume: 11 }, 400, 'invalid_input', 'volume'],
    ['malformed JSON', '{"model": "tts-1", ', 400, 'invalid_input', null],
    ['JSON null', 'null', 400, 'invalid_input', null],
    ['optional fields sent as null (as left out) and a required one', { ...ok, speed: null, instructions: null, response_format: null, voice: null }, 400, 'invalid_input', 'voice'],
    ['a JSON array', '[1, 2]', 400, 'invalid_input', null],
    ['body over the cap', { ...ok, instructions: 'x'.repeat(200_000) }, 413, 'too_large', null],
    ['unknown model', { ...ok, model: 'tts-9' }, 404, 'not_found', 'model'],
    ['unknown voice', { ...ok, voice: 'nobody' }, 404, 'voice_not_found', 'voice'],
    ['voice id with a path', { ...ok, voice: '../../etc/passwd' }, 404, 'voice_not_found', 'voice'],
    ['OpenAI voice with no bundled voices', { ...ok, voice: 'alloy' }, 404, 'voice_not_found', 'voice'],
  ];
  it.each(cases)('%s', async (_what, body, status, code, param) => {
    const error = await expectEnvelope(await postJson(`${base}/v1/audio/speech`, body), status, code);
    if (param) expect(error.param).toBe(param);
    if (_what.startsWith('OpenAI')) expect(error.message).toMatch(/no bundled voices/);
    if (_what === 'unknown voice') expect(error.message).toContain('test-voice');
    if (_what.startsWith('missing')) expect(error.message).toBe(`${param} is required`);
    if (_what === 'empty input') expect(error.message).toBe('input is empty');
    if (_what === 'a seed of 1e300') expect(error.message).toBe('seed: Too big: expected number to be <=2147483647');
    if (_what === 'JSON null') expect(error.message).toBe('request body must be a JSON object, not null');
    if (_what === 'voice of the wrong type') expect(error.message).toBe('voice: expected a voice id (a string) or an object {"id": "..."}');
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }, /must be JSON sent as "Content-Type: application\/json", not "text\/plain"/],
    ['a form', { 'Content-Type': 'application/x-www-form-urlencoded' }, /not "application\/x-www-form-urlencoded"/],
  ])('a JSON body sent as %s is told to say application/json', async (_what, headers, message) => {
    const res = await fetch(`${base}/v1/audio/speech`, { method: 'POST', headers, body: JSON.stringify(ok) });
    expect((await expectEnvelope(res, 400, 'invalid_input')).message).toMatch(message);
    const empty = await expectEnvelope(await fetch(`${base}/v1/audio/speech`, { method: 'POST' }), 400, 'invalid_input');
    expect(empty.message).toMatch(/must be a JSON object/);
    const noBody = await expectEnvelope(await fetch(`${base}/v1/audio/speech`, { method: 'POST', headers: { 'Content-Type': 'application/json' } }), 400, 'invalid_input');
    expect(noBody.message).toBe('request body is empty: send a JSON object with model, input and voice');
  });

  it('text with nothing to pronounce names the field "input"', async () => {
    const error = await expectEnvelope(await postJson(`${base}/v1/audio/speech`, { ...ok, input: '...' }), 400, 'empty_input');
    expect(error.param).toBe('input');
  });

  it('text the phonemizer cannot pronounce is a 400, not a 500', async () => {
    const res = await postJson(`${base}/v1/audio/speech`, { ...ok, input: '🙂🙂🙂' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('is still healthy after all that', async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(server.context.queue.running + server.context.queue.waiting).toBe(0);
  });
});

describe('API key and CORS', () => {
  beforeAll(async () => {
    authServer = await startTestServer(voices.dir, model, { apiKey: 'sk-test-123', corsOrigins: ['http://ui.test'] });
  });

  it.each([
    ['no Authorization header', {}, /^Missing API key/],
    ['a wrong key', { Authorization: 'Bearer sk-wrong' }, /^Incorrect API key/],
    ['a non-bearer scheme', { Authorization: 'Basic c2stdGVzdC0xMjM=' }, /must be "Bearer <key>"/],
    ['a bare key', { Authorization: 'sk-test-123' }, /must be "Bearer <key>"/],
    ['Bearer with no key', { Authorization: 'Bearer ' }, /^Missing API key after "Bearer"/],
  ])('rejects %s with 401', async (_what, headers, message) => {
    expect((await expectEnvelope(await fetch(`${authServer.url}/v1/models`, { headers }), 401, 'unauthorized')).message).toMatch(message);
    await expectEnvelope(await postJson(`${authServer.url}/v1/audio/speech`, { model: 'tts-1', input: 'x', voice: 'x' }, headers), 401, 'unauthorized');
  });

  it('accepts the right key; health, metrics and the UI stay open', async () => {
    expect((await fetch(`${authServer.url}/v1/models`, { headers: { Authorization: 'Bearer sk-test-123' } })).status).toBe(200);
    for (const path of ['/health', '/metrics', '/', '/docs']) expect((await fetch(`${authServer.url}${path}`)).status).toBe(200);
  });

  it('answers CORS preflights for the configured origins only, without needing the key', async () => {
    const preflight = (origin: string) =>
      fetch(`${authServer.url}/v1/audio/speech`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type' } });
    const allowed = await preflight('http://ui.test');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://ui.test');
    expect((await preflight('http://evil.test')).headers.get('access-control-allow-origin')).toBeNull();
    // The main test server has no CORS origins configured: no CORS headers at all.
    const none = await fetch(`${base}/v1/models`, { headers: { Origin: 'http://ui.test' } });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });
});
