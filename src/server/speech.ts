/** `POST /v1/audio/speech`: validate, queue, synthesize, stream encoded audio (or SSE deltas) as it is generated. */
import { randomInt } from 'node:crypto';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import { CONTENT_TYPES, createEncoderStream } from '../audio/index.js';
import type { SynthesisOptions, SynthesisStats, Voice } from '../engine/types.js';
import { isParlaError, ParlaError, renameParam } from '../errors.js';
import { envelope, sendError, toParlaError } from './api-error.js';
import { requireEngine, type AppContext, type Engine } from './context.js';
import { outputRate, shapePcm } from './pcm-shaper.js';
import { acceptedModels, parseOrThrow, speechSchema, type SpeechRequest } from './speech-schema.js';
import { resolveVoiceId } from '../engine/voice-aliases.js';
import { checkLatinScript } from '../text/script.js';

export function speechHandler(ctx: AppContext): RequestHandler {
  const schema = speechSchema(ctx.config.maxInputChars);
  return async (req, res) => {
    const body = parseOrThrow(schema, jsonObject(req));
    checkLatinScript(body.input, 'input');
    const engine = requireEngine(ctx);
    checkModel(body.model, engine.model.id);
    const voice = await engine.library.get(await resolveVoiceId(body.voice, engine.library, ctx.config.voiceMap, engine.aliases));

    const controller = new AbortController();
    // 'close' before the response finished = the client went away: stop generating (and leave the queue).
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    ctx.inflight.add(controller);
    try {
      await ctx.queue.run(() => respond(ctx, engine, body, voice, req, res, controller.signal), controller.signal);
    } catch (err) {
      if (controller.signal.aborted && (!isParlaError(err) || err.code === 'cancelled')) return; // nobody to tell
      throw err;
    } finally {
      ctx.inflight.delete(controller);
    }
  };
}

/**
 * The request's JSON object. A body that is not JSON at all (a form, text/plain, nothing) or JSON that is not an
 * object is named as such, rather than reported as its first missing field ("model is required").
 */
function jsonObject(req: Request): Record<string, unknown> {
  // No length (or 0) and not chunked: body-parser would hand over {} and the first missing field would be blamed.
  const empty = !Number(req.get('content-length')) && req.get('transfer-encoding') === undefined;
  if (empty && /^application\/json\b/i.test(req.get('content-type') ?? '')) throw new ParlaError('invalid_input', 'request body is empty: send a JSON object with model, input and voice');
  if (!req.is('application/json')) {
    const type = req.get('content-type');
    throw new ParlaError('invalid_input', type ? `request body must be JSON sent as "Content-Type: application/json", not "${type}"` : 'request body must be a JSON object sent as "Content-Type: application/json"');
  }
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ParlaError('invalid_input', `request body must be a JSON object, not ${body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`}`);
  }
  // As OpenAI's API does, a field sent as null is a field left out (some clients send every optional field).
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
}

/** The loaded model's id, "parla", or an OpenAI TTS model name (all served by the one loaded model). */
function checkModel(model: string, loadedId: string): void {
  const accepted = acceptedModels(loadedId);
  if (!accepted.includes(model)) {
    throw new ParlaError('not_found', `The model "${model}" does not exist; this server accepts: ${accepted.join(', ')}`, { param: 'model' });
  }
}

async function respond(ctx: AppContext, engine: Engine, body: SpeechRequest, voice: Voice, req: Request, res: Response, signal: AbortSignal): Promise<void> {
  const seed = body.seed ?? randomInt(2 ** 31 - 1);
  let stats: SynthesisStats | undefined;
  const options: SynthesisOptions = {
    voice,
    seed,
    temperature: body.temperature,
    topP: body.top_p,
    topK: body.top_k,
    ras: body.ras,
    rasWindow: body.ras_window,
    rasThreshold: body.ras_threshold,
    guidance: body.guidance,
    speculative: body.speculative,
    candidates: body.candidates,
    spliceWords: body.splice_words,
    retryAbove: body.retry_above,
    normalize: body.normalize,
    signal,
    onStats: (s) => (stats = s),
  };
  const modelRate = engine.model.sampleRate;
  const rate = outputRate(body.response_format, modelRate);
  const pcm = shapePcm(engine.synth.stream(body.input, options), modelRate, rate, body.speed, signal);

  // Wait for the first audio before committing to 200, so errors found early (text, voice) get a proper status.
  const first = await pcm.next().catch((err: unknown) => {
    throw renameParam(err, 'text', 'input'); // the engine's "text" is this request's "input"
  });
  const sse = body.stream_format === 'sse';
  res.status(200);
  res.setHeader('Content-Type', sse ? 'text/event-stream' : CONTENT_TYPES[body.response_format]);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.setHeader('X-Parla-Seed', String(seed));
  res.setHeader('X-Parla-Sample-Rate', String(rate));
  res.setHeader('X-Parla-Voice', voice.id);
  res.flushHeaders();

  const encoder = createEncoderStream(body.response_format, rate, { signal });
  const produce = (async () => {
    try {
      if (!first.done) await encoder.write(first.value);
      for await (const piece of pcm) await encoder.write(piece);
      encoder.end();
    } catch (err) {
      await encoder.abort();
      throw err;
    }
  })();
  const consume = sse ? writeSse(encoder.output, res, () => stats, body.input.length, signal) : pipeline(encoder.output, res);
  const [produced, consumed] = await Promise.allSettled([produce, consume]);
  if (stats) ctx.metrics.synthesis(stats);
  const failure = produced.status === 'rejected' ? produced.reason : consumed.status === 'rejected' ? consumed.reason : undefined;
  if (failure === undefined || signal.aborted) return;
  ctx.log.error({ err: failure, url: req.url }, 'synthesis failed after the response started');
  if (sse && !res.writableEnded && !res.destroyed) res.end(`data: ${JSON.stringify({ type: 'error', ...envelope(toParlaError(failure)) })}\n\n`);
  else sendError(res, failure); // headers are sent: this cuts the connection, so the client sees a failed transfer
}

/**
 * Encoded bytes -> OpenAI's SSE events: `speech.audio.delta` (base64) per piece, then `speech.audio.done`.
 * Written by hand, not with pipeline(), so that a failure can still be reported as a final `error` event.
 */
async function writeSse(source: AsyncIterable<Buffer>, res: Response, stats: () => SynthesisStats | undefined, inputChars: number, signal: AbortSignal): Promise<void> {
  const send = async (event: object): Promise<void> => {
    if (!res.write(`data: ${JSON.stringify(event)}\n\n`)) await once(res, 'drain', { signal });
  };
  for await (const bytes of source) await send({ type: 'speech.audio.delta', audio: bytes.toString('base64') });
  const outputTokens = stats()?.arSteps ?? 0;
  await send({ type: 'speech.audio.done', usage: { input_tokens: inputChars, output_tokens: outputTokens, total_tokens: inputChars + outputTokens } });
  res.end();
}
