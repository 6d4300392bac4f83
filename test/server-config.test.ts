/** Server config precedence (flags > env > .env > defaults), the status mapping of every error code, and the speed filter. */
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ParlaError, type ParlaErrorCode } from '../src/errors.js';
import { createApp, envelope, loadServerConfig, parseVoiceMap, statusOf } from '../src/server/index.js';
import { atempoFilter } from '../src/audio/tempo.js';
import { tempDir } from './server-harness.js';

const tmp = tempDir('config');
afterAll(() => tmp.remove());

describe('loadServerConfig', () => {
  it('uses defaults when nothing is set', () => {
    const c = loadServerConfig({}, {}, '/nonexistent/.env');
    expect(c).toMatchObject({ port: 8000, host: '127.0.0.1', concurrency: 4, workers: Math.min(2, availableParallelism()), maxQueue: 16, apiKey: undefined, corsOrigins: [], maxInputChars: 4096 });
  });

  it('takes flags over environment over .env', () => {
    const envFile = join(tmp.dir, '.env');
    writeFileSync(envFile, 'PARLA_PORT=7001\nPARLA_HOST=0.0.0.0\nPARLA_API_KEY=from-file\nPARLA_CONCURRENCY=3\nPARLA_WORKERS=3\n');
    const c = loadServerConfig({ port: '7003' }, { PARLA_PORT: '7002', PARLA_API_KEY: 'from-env', PARLA_CORS_ORIGINS: 'http://a.test, http://b.test' }, envFile);
    expect(c.port).toBe(7003);
    expect(c.host).toBe('0.0.0.0');
    expect(c.apiKey).toBe('from-env');
    expect(c.concurrency).toBe(3);
    expect(c.workers).toBe(3);
    expect(c.corsOrigins).toEqual(['http://a.test', 'http://b.test']);
  });

  it.each([
    [{ port: 'eighty' }, 'PARLA_PORT'],
    [{ port: 70000 }, 'PARLA_PORT'],
    [{ concurrency: 0 }, 'PARLA_CONCURRENCY'],
    [{ workers: 0 }, 'PARLA_WORKERS'],
    [{ workers: 'two' }, 'PARLA_WORKERS'],
    [{ maxQueue: -1 }, 'PARLA_MAX_QUEUE'],
    [{ port: '0x4650' }, 'PARLA_PORT'],
    [{ apiKey: '  ' }, '--api-key is empty'],
  ])('rejects %o naming %s', (flags, name) => {
    expect(() => loadServerConfig(flags, {}, '/nonexistent/.env')).toThrow(name);
  });

  it('a PARLA_LOG_LEVEL that is not a level is named, with the levels there are', () => {
    vi.stubEnv('PARLA_LOG_LEVEL', 'loud');
    try {
      const config = loadServerConfig({}, {}, '/nonexistent/.env');
      expect(() => createApp({ config, model: new Promise(() => {}) })).toThrow('PARLA_LOG_LEVEL=loud is not a log level (fatal, error, warn, info, debug, trace, silent)');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('an empty variable is a setting left out, not zero (PARLA_PORT= would have picked a random port)', () => {
    const c = loadServerConfig({}, { PARLA_PORT: '', PARLA_MAX_QUEUE: ' ', PARLA_CONCURRENCY: '' }, '/nonexistent/.env');
    expect([c.port, c.maxQueue, c.concurrency]).toEqual([8000, 16, 4]);
  });

  it('parses the OpenAI voice map and rejects malformed entries', () => {
    expect(parseVoiceMap('alloy=kathleen, Echo=ada')).toEqual({ alloy: 'kathleen', echo: 'ada' });
    expect(() => parseVoiceMap('alloy')).toThrow(/name=voice-id/);
    expect(() => parseVoiceMap('bob=kal')).toThrow(/"bob" is not an OpenAI voice name/);
    expect(() => parseVoiceMap('alloy=kal=x')).toThrow(/entry "alloy=kal=x" must look like name=voice-id/);
    expect(() => parseVoiceMap('alloy=kal,Alloy=awb')).toThrow(/maps "Alloy" twice/);
  });
});

describe('error envelope', () => {
  const table: [ParlaErrorCode, number][] = [
    ['invalid_input', 400], ['empty_input', 400], ['unknown_symbol', 400], ['not_audio', 400], ['audio_silent', 400], ['audio_too_short', 400],
    ['audio_too_long', 413], ['too_large', 413], ['unauthorized', 401], ['voice_not_found', 404], ['not_found', 404],
    ['busy', 429], ['unavailable', 503], ['model_missing', 503], ['internal', 500], ['tool_missing', 500],
  ];
  it.each(table)('%s -> %i', (code, status) => {
    const err = new ParlaError(code, `problem ${code}`, { param: 'x' });
    expect(statusOf(err)).toBe(status);
    const body = envelope(err);
    expect(body.error).toEqual({ message: `problem ${code}`, type: expect.any(String), param: 'x', code });
    expect(body.error.type).toBe(status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'server_error' : 'invalid_request_error');
  });
});

describe('atempoFilter', () => {
  it.each([
    [1, 'atempo=1.000000'],
    [1.5, 'atempo=1.500000'],
    [4, 'atempo=2.000000,atempo=2.000000'],
    [3, 'atempo=2.000000,atempo=1.500000'],
    [0.25, 'atempo=0.500000,atempo=0.500000'],
    [0.3, 'atempo=0.500000,atempo=0.600000'],
  ])('speed %f -> %s', (speed, filter) => expect(atempoFilter(speed)).toBe(filter));

  it.each([0.2, 4.5, Number.NaN])('rejects speed %f', (speed) => expect(() => atempoFilter(speed)).toThrow(/speed/));
});
