/** Prometheus metrics (prom-client, one registry per app): requests, latency, real-time factor, queue depth. */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SynthesisStats } from '../engine/types.js';
import type { BoundedQueue } from './queue.js';

/** Route patterns used as labels; anything else is 'other' (raw URLs would give unbounded label cardinality). */
const ROUTES: [RegExp, string][] = [
  [/^\/v1\/audio\/speech$/, '/v1/audio/speech'],
  [/^\/v1\/audio\/voices$/, '/v1/audio/voices'],
  [/^\/v1\/audio\/voices\/[^/]+$/, '/v1/audio/voices/:id'],
  [/^\/v1\/models$/, '/v1/models'],
  [/^\/v1\/models\/[^/]+$/, '/v1/models/:id'],
  [/^\/(health|metrics|docs)$/, ''],
];

export function routeLabel(url: string): string {
  const path = url.split('?')[0].replace(/\/+$/, '') || '/';
  for (const [pattern, label] of ROUTES) if (pattern.test(path)) return label || path;
  return path.startsWith('/v1/') ? 'other_api' : 'static';
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly latency: Histogram<'method' | 'route'>;
  private readonly rtf: Histogram;
  private readonly firstAudio: Histogram;
  private readonly audioSeconds: Counter;

  constructor(queue: BoundedQueue) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'parla_' });
    this.requests = new Counter({ name: 'parla_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers });
    this.latency = new Histogram({
      name: 'parla_http_request_duration_seconds',
      help: 'Time from request to the end of the response',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.rtf = new Histogram({ name: 'parla_synthesis_real_time_factor', help: 'Synthesis wall time / audio time (below 1 is faster than real time)', buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 4, 8, 16], registers });
    this.firstAudio = new Histogram({ name: 'parla_synthesis_first_audio_seconds', help: 'Time from start of synthesis to the first audio', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30], registers });
    this.audioSeconds = new Counter({ name: 'parla_synthesis_audio_seconds_total', help: 'Seconds of audio synthesized', registers });
    new Gauge({ name: 'parla_queue_depth', help: 'Synthesis requests waiting for a slot', registers, collect() { this.set(queue.waiting); } });
    new Gauge({ name: 'parla_queue_running', help: 'Synthesis requests running', registers, collect() { this.set(queue.running); } });
  }

  /** Middleware counting every request under its route pattern (not the raw URL, which would explode label cardinality). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const stop = this.latency.startTimer();
      res.once('close', () => {
        const labels = { method: req.method, route: routeLabel(req.originalUrl) };
        stop(labels);
        this.requests.inc({ ...labels, status: String(res.statusCode) });
      });
      next();
    };
  }

  synthesis(stats: SynthesisStats): void {
    if (stats.audioSeconds > 0 && Number.isFinite(stats.rtf)) this.rtf.observe(stats.rtf);
    if (stats.firstAudioMs !== undefined) this.firstAudio.observe(stats.firstAudioMs / 1000);
    this.audioSeconds.inc(stats.audioSeconds);
  }
}
