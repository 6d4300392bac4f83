import { chromium } from 'playwright-core';
import pino from 'pino';
import { loadModel } from './src/engine/model.js';
import { startServer, loadServerConfig } from './src/server/index.js';
import { decodeAudio } from './src/audio/index.js';
import { promptWav } from './test/server-harness.js';
import { mkdtempSync } from 'node:fs';
process.removeAllListeners('unhandledRejection');
const dir = mkdtempSync('/tmp/srv/dbg-');
const s = await startServer({ config: { ...loadServerConfig({ port: 0, modelDir: '/tmp/srv/tiny', voicesDir: dir }, {}, '/none') }, logger: pino({ level: 'silent' }) });
await s.ready;
const f = new FormData(); f.append('name', 'ada'); f.append('file', new Blob([promptWav()]), 'a.wav');
console.log((await fetch(`${s.url}/v1/audio/voices`, { method: 'POST', body: f })).status);
const body = { model: 'tts-1', input: 'Hello from the browser.', voice: 'ada', seed: 7 };
for (const fmt of ['wav', 'mp3']) {
  const b = Buffer.from(await (await fetch(`${s.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, response_format: fmt }) })).arrayBuffer());
  console.log(fmt, b.length, (await decodeAudio(b, { sampleRate: 16000 })).length / 16000);
}
const br = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const p = await br.newPage();
await p.goto(s.url);
for (const fmt of ['wav', 'mp3']) {
  const r = await p.evaluate(async ([url, body, fmt]) => {
    const res = await fetch('/v1/audio/speech', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, response_format: fmt }) });
    const blob = await res.blob();
    const a = new Audio();
    a.preload = 'auto';
    const log = [];
    for (const ev of ['loadedmetadata', 'durationchange', 'canplaythrough']) a.addEventListener(ev, () => log.push(`${ev}:${a.duration}`));
    a.src = URL.createObjectURL(blob);
    await new Promise((r) => setTimeout(r, 1500));
    return { size: blob.size, log, duration: a.duration, err: a.error?.message };
  }, [s.url, body, fmt] as const);
  console.log(fmt, JSON.stringify(r));
}
await br.close(); await s.close();
