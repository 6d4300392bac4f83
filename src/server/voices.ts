/** Voice library routes: list, create from an uploaded clip (multipart), show, delete. Uploads are decoded, never stored or served raw. */
import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { ParlaError } from '../errors.js';
import { requireEngine, type AppContext } from './context.js';
import { parseOrThrow } from './speech-schema.js';
import { aliasTable } from './voice-aliases.js';

/** Same rule the library uses for folder names: nothing that can climb out of voices/. */
const VOICE_ID = /^[a-z0-9-]{1,64}$/;

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

  router.post('/', upload.single('file'), (async (req, res) => {
    const fields = parseOrThrow(CreateFields, req.body ?? {}, 'form fields');
    if (!req.file) throw new ParlaError('invalid_input', 'no audio: send the clip as multipart field "file" (wav, mp3, ogg, webm, m4a, flac)', { param: 'file' });
    const { library } = requireEngine(ctx);
    const audio = req.file.buffer;
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    // Encoding a clip runs the codec: it waits its turn with the syntheses.
    const info = await ctx.queue.run(() => library.create({ name: fields.name, audio, transcript: fields.transcript }), controller.signal);
    ctx.log.info({ voice: info.id, bytes: audio.length }, 'voice created');
    res.status(201).json(info);
  }) as RequestHandler);

  router.get('/:id', async (req, res) => {
    const id = checkId(req.params.id);
    const { library } = requireEngine(ctx);
    const info = (await library.list()).find((v) => v.id === id);
    if (!info) throw new ParlaError('voice_not_found', `unknown voice "${id}"`, { param: 'id' });
    res.json(info);
  });

  router.delete('/:id', async (req, res) => {
    const id = checkId(req.params.id);
    const { library } = requireEngine(ctx);
    await library.delete(id);
    res.json({ id, object: 'voice', deleted: true });
  });
  return router;
}

function checkId(id: string): string {
  if (!VOICE_ID.test(id)) throw new ParlaError('invalid_input', `voice id "${id.slice(0, 80)}" is not valid: ids are 1-64 characters of a-z, 0-9 and "-"`, { param: 'id' });
  return id;
}
