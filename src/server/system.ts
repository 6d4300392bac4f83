/** Health, models, Prometheus metrics and the API docs page (docs/api.md rendered to HTML). */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Router } from 'express';
import { marked } from 'marked';
import { PACKAGE_ROOT } from '../paths.js';
import { RETRY_AFTER_SECONDS } from './api-error.js';
import type { LoadedModel } from '../engine/model.js';
import { measuredCloning } from '../engine/voice-cloning.js';
import { requireEngine, type AppContext } from './context.js';
import { acceptedModels } from './speech-schema.js';
import { ParlaError } from '../errors.js';

const STARTED = Math.floor(Date.now() / 1000);

/** Routes outside the API key: probes, scrapers and people reading docs. */
export function systemRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    const queue = { running: ctx.queue.running, waiting: ctx.queue.waiting, concurrency: ctx.config.concurrency, max_queue: ctx.config.maxQueue };
    if (ctx.engine && !ctx.shuttingDown) {
      res.json({ status: 'ok', model: ctx.engine.model.id, sample_rate: ctx.engine.model.sampleRate, queue });
      return;
    }
    const status = ctx.shuttingDown ? 'shutting_down' : ctx.loadError ? 'error' : 'loading';
    res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(503).json({ status, ...(ctx.loadError ? { error: ctx.loadError.message } : {}), queue });
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  });
  router.get('/docs', async (_req, res) => {
    const markdown = await readFile(resolve(PACKAGE_ROOT, 'docs', 'api.md'), 'utf8').catch(() => '# Parla API\n\nThe API reference (docs/api.md) is not installed with this copy.');
    res.type('html').send(page('Parla API', await marked.parse(markdown)));
  });
  return router;
}

/**
 * `GET /v1/models` in OpenAI's list shape: the loaded model and the OpenAI names it answers to. Parla adds
 * `sampling`, the model's recommended settings (model.json), which requests leaving a setting out get, and
 * `voice_cloning`, how far it clones unseen voices as its card measured it (null: not measured; voice-cloning.ts).
 */
export function modelsRouter(ctx: AppContext): Router {
  const router = Router();
  const entry = (model: LoadedModel, id: string) => ({ id, object: 'model', created: STARTED, owned_by: 'parla', sampling: model.manifest.sampling ?? {}, voice_cloning: cloning(model) });
  router.get('/', (_req, res) => {
    const { model } = requireEngine(ctx);
    res.json({ object: 'list', data: acceptedModels(model.id).map((id) => entry(model, id)) });
  });
  router.get('/:id', (req, res) => {
    const { model } = requireEngine(ctx);
    const accepted = acceptedModels(model.id);
    if (!accepted.includes(req.params.id)) {
      throw new ParlaError('not_found', `The model "${req.params.id}" does not exist; this server accepts: ${accepted.join(', ')}`, { param: 'model' });
    }
    res.json(entry(model, req.params.id));
  });
  return router;
}

function cloning(model: LoadedModel) {
  const m = measuredCloning(model.manifest);
  return m && { set: m.set, similarity: m.similarity, real_real_similarity: m.ceiling, ratio: m.ratio, clones: m.clones };
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/style.css"></head><body><main class="docs">${body}</main></body></html>`;
}
