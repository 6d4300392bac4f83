/** The one server config loader: command-line flags over environment variables over a `.env` file over defaults. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { defaultPoolWorkers } from '../engine/synthesizer-pool.js';
import { ParlaError } from '../errors.js';
import { OPENAI_VOICES } from '../engine/voice-aliases.js';
import { defaultModelDir, defaultVoicesDir, PACKAGE_ROOT } from '../paths.js';

export interface ServerConfig {
  port: number;
  host: string;
  modelDir: string;
  /** Bundled and user voices (voices/<id>/voice.json). */
  voicesDir: string;
  /** Syntheses running at once; more wait in the queue. */
  concurrency: number;
  /** Synthesis worker threads, each with its own copy of the model (engine/synthesizer-pool.ts). */
  workers: number;
  /** Requests allowed to wait; past that the API answers 429 with Retry-After. */
  maxQueue: number;
  /** When set, /v1/* requires `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** Origins allowed by CORS; ['*'] allows any; [] sends no CORS headers (same-origin only). */
  corsOrigins: string[];
  /** OpenAI voice name -> voice id, overriding the default mapping onto bundled voices. */
  voiceMap: Record<string, string>;
  /** `input` limit in characters (OpenAI: 4096). */
  maxInputChars: number;
  /** JSON body cap in bytes. */
  maxBodyBytes: number;
  /** Voice upload cap in bytes. */
  maxUploadBytes: number;
  /** Static web UI folder. */
  webDir: string;
  /** Seconds a graceful shutdown waits for in-flight syntheses before cancelling them. */
  shutdownGraceSeconds: number;
}

/** Flag names as commander produces them (camelCase); all optional strings or numbers. */
export type ServerFlags = Partial<Record<'port' | 'host' | 'modelDir' | 'voicesDir' | 'concurrency' | 'workers' | 'maxQueue' | 'apiKey' | 'corsOrigins' | 'voiceMap', string | number>>;

const ENV_NAMES = {
  port: 'PARLA_PORT',
  host: 'PARLA_HOST',
  modelDir: 'PARLA_MODEL_DIR',
  voicesDir: 'PARLA_VOICES_DIR',
  concurrency: 'PARLA_CONCURRENCY',
  workers: 'PARLA_WORKERS',
  maxQueue: 'PARLA_MAX_QUEUE',
  apiKey: 'PARLA_API_KEY',
  corsOrigins: 'PARLA_CORS_ORIGINS',
  voiceMap: 'PARLA_VOICE_MAP',
} as const;

/** Decimal digits only: Number() would also take "0x4650" (port 18000) or " 8000 ". */
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .or(z.number().int().min(min).max(max));
const Schema = z.object({
  port: int(0, 65535).default(8000),
  host: z.string().min(1).default('127.0.0.1'),
  // 4 at once: two per worker on a 2-core machine, where each worker's pair shares AR steps (bench: batch4_speedup).
  concurrency: int(1, 64).default(4),
  workers: int(1, 64).default(defaultPoolWorkers()),
  maxQueue: int(0, 10_000).default(16),
});

/**
 * @param flags parsed command-line options (highest precedence)
 * @param env the environment (default process.env); PARLA_* names as in docs/api.md
 * @param envFile a dotenv file read when it exists (default ./.env); its values never override real variables
 * @throws ParlaError('invalid_input') naming the flag/variable with a bad value
 */
export function loadServerConfig(flags: ServerFlags = {}, env: NodeJS.ProcessEnv = process.env, envFile = resolve('.env')): ServerConfig {
  const fileEnv = existsSync(envFile) ? parseDotenv(readFileSync(envFile)) : {};
  // An empty value (PARLA_PORT= in .env) is a setting left out, not a zero ("" coerces to port 0, a random port).
  const given = (v: string | number | undefined): string | undefined => (v === undefined || String(v).trim() === '' ? undefined : String(v));
  const pick = (key: keyof typeof ENV_NAMES): string | undefined => given(flags[key]) ?? given(env[ENV_NAMES[key]]) ?? given(fileEnv[ENV_NAMES[key]]);
  // An API key given but blank would run the server open while its owner thinks it is locked.
  if (flags.apiKey !== undefined && String(flags.apiKey).trim() === '') {
    throw new ParlaError('invalid_input', '--api-key is empty: give the key, or leave the flag out to run without one', { param: 'PARLA_API_KEY' });
  }
  const raw = { port: pick('port'), host: pick('host'), concurrency: pick('concurrency'), workers: pick('workers'), maxQueue: pick('maxQueue') };
  const parsed = Schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]) as keyof typeof ENV_NAMES;
    throw new ParlaError('invalid_input', `--${kebab(key)} / ${ENV_NAMES[key]}: ${issue.message} (got "${raw[key as keyof typeof raw]}")`, { param: ENV_NAMES[key] });
  }
  const apiKey = pick('apiKey')?.trim();
  return {
    ...parsed.data,
    modelDir: resolve(pick('modelDir') ?? defaultModelDir()),
    voicesDir: resolve(pick('voicesDir') ?? defaultVoicesDir()),
    apiKey: apiKey ? apiKey : undefined,
    corsOrigins: list(pick('corsOrigins')),
    voiceMap: parseVoiceMap(pick('voiceMap')),
    maxInputChars: 4096,
    maxBodyBytes: 100 * 1024,
    maxUploadBytes: 20 * 1024 * 1024,
    webDir: resolve(PACKAGE_ROOT, 'web'),
    shutdownGraceSeconds: 10,
  };
}

/** "alloy=kathleen, echo=ada" -> { alloy: 'kathleen', echo: 'ada' }. */
export function parseVoiceMap(text: string | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const pair of list(text)) {
    const parts = pair.split('=').map((s) => s.trim());
    const [name, id] = parts;
    if (parts.length !== 2 || !name || !id) throw new ParlaError('invalid_input', `--voice-map / PARLA_VOICE_MAP entry "${pair}" must look like name=voice-id`, { param: 'PARLA_VOICE_MAP' });
    if (name.toLowerCase() in map) throw new ParlaError('invalid_input', `--voice-map / PARLA_VOICE_MAP maps "${name}" twice`, { param: 'PARLA_VOICE_MAP' });
    // Only OpenAI names are looked up in the map: another name would be ignored without a word.
    if (!(OPENAI_VOICES as readonly string[]).includes(name.toLowerCase())) {
      throw new ParlaError('invalid_input', `--voice-map / PARLA_VOICE_MAP entry "${pair}": "${name}" is not an OpenAI voice name (${OPENAI_VOICES.join(', ')}); other voices are asked for by their own id`, { param: 'PARLA_VOICE_MAP' });
    }
    map[name.toLowerCase()] = id;
  }
  return map;
}

function list(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
