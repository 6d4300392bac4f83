/** createApp: the Express app (API, web UI, docs) around a model that loads in the background; /health is 503 until it is ready. */
import express, { type Express } from 'express';
import cors from 'cors';
import pino, { type Logger } from 'pino';
import { FileVoiceLibrary } from '../engine/voice-library.js';
import { loadModel, type LoadedModel } from '../engine/model.js';
import { Synthesizer } from '../engine/synthesizer.js';
import { SynthesizerPool } from '../engine/synthesizer-pool.js';
import { ParlaError } from '../errors.js';
import { voiceLibraryDirs } from '../paths.js';
import { errorHandler } from './api-error.js';
import { requireApiKey } from './auth.js';
import type { ServerConfig } from './config.js';
import type { AppContext } from './context.js';
import { ServerMetrics } from './metrics.js';
import { BoundedQueue } from './queue.js';
import { speechHandler } from './speech.js';
import { modelsRouter, systemRouter } from './system.js';
import { libraryAliases } from '../engine/voice-aliases.js';
import { voicesRouter } from './voices.js';

export interface CreateAppOptions {
  config: ServerConfig;
  /** A model (or one being loaded) to serve instead of loading config.modelDir in the background (tests, embedding). */
  model?: LoadedModel | Promise<LoadedModel>;
  logger?: Logger;
  /**
   * Synthesize in config.workers worker threads (default: true when the app loads config.modelDir itself).
   * onnxruntime-node runs graphs on the calling thread, so in-process synthesis would stall /health, /metrics and
   * every other request for the length of each graph call, and would use one core. The main thread keeps its own
   * copy of the model for voice uploads.
   */
  worker?: boolean;
  /**
   * Also serve the package's bundled voices (voices/, read-only) when config.voicesDir is another folder (default
   * true); tests of an empty or hand-made library turn it off.
   */
  bundledVoices?: boolean;
}

export interface ParlaApp {
  app: Express;
  context: AppContext;
  /** Settles when the model is loaded (rejects with the load error). */
  ready: Promise<void>;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** PARLA_LOG_LEVEL, checked here: pino's own refusal ("default level:x must be included in custom levels") names neither. */
function logLevel(): string {
  const level = process.env.PARLA_LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(level)) throw new ParlaError('invalid_input', `PARLA_LOG_LEVEL=${level} is not a log level (${LOG_LEVELS.join(', ')})`, { param: 'PARLA_LOG_LEVEL' });
  return level;
}

export function createApp(options: CreateAppOptions): ParlaApp {
  const { config } = options;
  const log = options.logger ?? pino({ name: 'parla', level: logLevel() });
  const queue = new BoundedQueue(config.concurrency, config.maxQueue);
  const ctx: AppContext = { config, queue, metrics: new ServerMetrics(queue), log, shuttingDown: false, inflight: new Set() };

  const voiceDirs = options.bundledVoices === false ? { dir: config.voicesDir, bundledDirs: [] } : voiceLibraryDirs(config.voicesDir);
  // Read up front: a broken aliases.json stops the server at start, naming the file, like a bad setting.
  const aliases = libraryAliases(voiceDirs);
  const useWorker = options.worker ?? options.model === undefined;
  const loading = Promise.allSettled([
    options.model ? Promise.resolve(options.model) : loadModel(config.modelDir),
    useWorker ? SynthesizerPool.start(config.modelDir, { workers: config.workers }) : Promise.resolve(undefined),
  ]).then(async ([model, worker]) => {
    if (model.status === 'fulfilled' && worker.status === 'fulfilled') return [model.value, worker.value] as const;
    // One side failed: stop the other's worker thread so it cannot keep the process alive.
    if (worker.status === 'fulfilled') await worker.value?.close();
    throw model.status === 'rejected' ? model.reason : (worker as PromiseRejectedResult).reason;
  });
  const ready = loading.then(
    ([model, worker]) => {
      ctx.engine = { model, synth: worker ?? new Synthesizer(model), library: new FileVoiceLibrary(model, voiceDirs), aliases };
      log.info({ model: model.id, dir: model.dir }, 'model loaded');
    },
    (err: Error) => {
      ctx.loadError = err;
      log.error({ err }, 'model failed to load');
      throw err;
    },
  );
  ready.catch(() => {}); // reported through /health and the log; callers that care await `ready`

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(ctx.metrics.middleware());
  if (config.corsOrigins.length > 0) {
    app.use(cors({ origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins, exposedHeaders: ['X-Parla-Seed', 'X-Parla-Sample-Rate', 'X-Parla-Voice', 'Retry-After'] }));
  }
  app.use(systemRouter(ctx));

  const v1 = express.Router();
  v1.use(requireApiKey(config.apiKey));
  // Not strict: any JSON value parses, and the handlers say what they expected instead (speech.ts).
  v1.use(express.json({ limit: config.maxBodyBytes, strict: false }));
  v1.post('/audio/speech', speechHandler(ctx));
  v1.all('/audio/speech', (req, res, next) => {
    res.setHeader('Allow', 'POST');
    next(new ParlaError('method_not_allowed', `${req.method} /v1/audio/speech is not supported: send the request as POST with a JSON body`));
  });
  v1.use('/audio/voices', voicesRouter(ctx));
  v1.use('/models', modelsRouter(ctx));
  v1.use((req, _res, next) => next(new ParlaError('not_found', `no such endpoint: ${req.method} /v1${req.path}`)));
  app.use('/v1', v1);

  app.use(express.static(config.webDir, { index: 'index.html', dotfiles: 'ignore', maxAge: 0 }));
  // Past the UI's files: the same JSON 404 as the API, not Express's HTML page.
  app.use((req, _res, next) => next(new ParlaError('not_found', `no such page: ${req.method} ${req.path}; the web UI is at /, the API under /v1 (see /docs)`)));
  app.use(errorHandler((err) => log.error({ err }, 'request failed')));
  return { app, context: ctx, ready };
}
