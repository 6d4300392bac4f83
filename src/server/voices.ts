/** Voice library routes: list, create from an uploaded clip (multipart), show, delete. Uploads are decoded, never stored or served raw. */
import { Router, type Request, type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { ParlaError, renameParam } from '../errors.js';
import { requireEngine, type AppContext } from './context.js';
import { parseOrThrow } from './speech-schema.js';
import { aliasTable, resolveVoiceId } from '../engine/voice-aliases.js';
// The library's own rule for folder names: nothing that can climb out of voices/.
import { VOICE_ID } from '../engine/voice.js';


const CreateFields = z
  .object({
    name: z.string().trim().min(1, { message: 'a voice needs a name' }).max(100),
    transcript: z.string().max(2000).optional(),
  })
  .strict();

export function voicesRouter(ctx: AppContext): Router {
  const router = Router();
  // Memory storage: the clip goes straight to the decoder; nothing is written under a client-chosen name.
  const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: ctx.config.maxUploadBytes, files: 1, fields: 4, fieldSize: 8 * 1024, parts: 6 } });

  router.get('/', async (_req, res) => {
    const { library, aliases } = requireEngine(ctx);
    res.json({ voices: await library.list(), openai_aliases: await aliasTable(library, ctx.config.voiceMap, aliases) });
  });

  router.post('/', requireMultipart, parsedUpload(upload.single('file')), (async (req, res) => {
    if (typeof req.body?.file === 'string') throw new ParlaError('invalid_input', 'file must be the clip itself, uploaded as a file (curl -F file=@clip.wav), not a text field', { param: 'file' });
    const fields = parseOrThrow(CreateFields, req.body ?? {}, 'form fields');
    if (!req.file) throw new ParlaError('invalid_input', 'no audio: send the clip as multipart field "file" (wav, mp3, ogg, webm, m4a, flac)', { param: 'file' });
    const { library } = requireEngine(ctx);
    const audio = req.file.buffer;
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    // Encoding a clip runs the codec: it waits its turn with the syntheses.
    // The voice checks name the clip "audio"; over HTTP it is the form field "file".
    const info = await ctx.queue.run(() => library.create({ name: fields.name, audio, transcript: fields.transcript }), controller.signal).catch((err: unknown) => {
      throw renameParam(err, 'audio', 'file');
    });
    ctx.log.info({ voice: info.id, bytes: audio.length }, 'voice created');
    res.status(201).json(info);
  }) as RequestHandler);

  // An OpenAI name shows the voice it stands for, as POST /v1/audio/speech would use it.
  router.get('/:id', async (req, res) => {
    const id = checkId(req.params.id);
    const { library, aliases } = requireEngine(ctx);
    const resolved = await resolveVoiceId(id, library, ctx.config.voiceMap, aliases).catch((err: unknown) => {
      throw renameParam(err, 'voice', 'id');
    });
    const info = (await library.list()).find((v) => v.id === resolved);
    if (!info) throw new ParlaError('voice_not_found', `unknown voice "${id}"`, { param: 'id' });
    res.json(resolved === id ? info : { ...info, openai_name: id });
  });

  router.delete('/:id', async (req, res) => {
    const id = checkId(req.params.id);
    const { library, aliases } = requireEngine(ctx);
    if (!(await library.list()).some((v) => v.id === id)) {
      // An OpenAI name is not a voice of its own: say which voice it stands for instead of "unknown voice".
      const resolved = await resolveVoiceId(id, library, ctx.config.voiceMap, aliases).catch(() => id);
      if (resolved !== id) throw new ParlaError('invalid_input', `"${id}" is an OpenAI voice name standing for the voice "${resolved}", not a voice of its own; delete a voice by its id`, { param: 'id' });
    }
    await library.delete(id).catch((err: unknown) => {
      throw renameParam(err, 'voice', 'id');
    });
    res.json({ id, object: 'voice', deleted: true });
  });
  return router;
}

/** A voice is a form with a file in it: anything else (JSON, a urlencoded form) is told so, not "name is required". */
const requireMultipart: RequestHandler = (req, _res, next) => {
  if (req.is('multipart/form-data')) return next();
  next(new ParlaError('invalid_input', `a voice is created from multipart/form-data (fields name, file, and optionally transcript; curl -F name=Ada -F file=@clip.wav), not ${req.get('content-type') ? `"${req.get('content-type')}"` : 'an empty body'}`, { param: 'file' }));
};

/**
 * multer's own errors keep their meaning (api-error.ts); what else fails while the body is read is busboy finding
 * no valid multipart form (a 400 naming it) or the client going away mid-upload (cancelled: logged, not an error).
 */
function parsedUpload(upload: RequestHandler): RequestHandler {
  return (req, res, next) =>
    upload(req, res, (err?: unknown) => {
      if (!err || (err as { name?: string }).name === 'MulterError') return next(err);
      if (clientGone(req, err)) return next(new ParlaError('cancelled', 'the client closed the request during the upload', { cause: err }));
      next(new ParlaError('invalid_input', `malformed multipart/form-data body: ${(err as Error).message ?? String(err)}; send the clip as field "file"`, { param: 'file', cause: err }));
    });
}

/** multer's words for a request stream that broke off, or a socket already gone (req itself ends destroyed either way). */
function clientGone(req: Request, err: unknown): boolean {
  return req.socket.destroyed || /^Request (aborted|closed)$/.test((err as Error)?.message ?? '');
}

function checkId(id: string): string {
  if (!VOICE_ID.test(id)) throw new ParlaError('invalid_input', `voice id "${id.slice(0, 80)}" is not valid: ids are 1-64 characters of a-z, 0-9 and "-"`, { param: 'id' });
  return id;
}
