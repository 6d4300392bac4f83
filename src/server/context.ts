/** What every route shares: config, the loaded engine (once ready), the queue, metrics, in-flight work, the logger. */
import type { Logger } from 'pino';
import type { LoadedModel } from '../engine/model.js';
import type { Synthesizer } from '../engine/synthesizer.js';
import type { VoiceLibrary } from '../engine/types.js';
import { ParlaError } from '../errors.js';
import type { ServerConfig } from './config.js';
import type { ServerMetrics } from './metrics.js';
import type { BoundedQueue } from './queue.js';

export interface Engine {
  model: LoadedModel;
  /** In-process Synthesizer, or a WorkerSynthesizer (same generate/stream API) that must be closed on shutdown. */
  synth: Pick<Synthesizer, 'generate' | 'stream'> & { close?(): Promise<void> };
  library: VoiceLibrary;
  /** OpenAI voice names -> voice ids from the voices folder's aliases.json (read once at load). */
  aliases: Record<string, string>;
}

export interface AppContext {
  config: ServerConfig;
  queue: BoundedQueue;
  metrics: ServerMetrics;
  log: Logger;
  /** Set once the model is loaded. */
  engine?: Engine;
  /** Why loading failed, if it did (health reports it). */
  loadError?: Error;
  shuttingDown: boolean;
  /** Abort controllers of running and queued syntheses, for shutdown. */
  inflight: Set<AbortController>;
}

/** @throws ParlaError('unavailable') while the model loads, after a failed load, or during shutdown */
export function requireEngine(ctx: AppContext): Engine {
  if (ctx.shuttingDown) throw new ParlaError('unavailable', 'the server is shutting down');
  if (ctx.engine) return ctx.engine;
  if (ctx.loadError) throw new ParlaError('unavailable', `the model could not be loaded: ${ctx.loadError.message}`);
  throw new ParlaError('unavailable', 'the model is still loading; retry shortly');
}
