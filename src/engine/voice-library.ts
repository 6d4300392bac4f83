/** Saved voices on disk: `<dir>/<id>/voice.json` + `codes.pcodes`, user voices writable, bundled voices read-only. */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPcodes, writePcodes } from '../codec/pcodes.js';
import { ParlaError } from '../errors.js';
import { defaultVoicesDir } from '../paths.js';
import type { CodecOnlyModel } from './model.js';
import type { Voice, VoiceInfo, VoiceLibrary } from './types.js';
import { createVoice, VOICE_ID } from './voice.js';

/** voice.json, version 1. */
interface VoiceFile {
  format: 'parla-voice';
  version: 1;
  id: string;
  name: string;
  origin: 'bundled' | 'user';
  createdAt?: string;
  durationSeconds: number;
  /** Voice.promptTempo: the speed-up applied to a slow prompt before it was encoded. */
  promptTempo?: number;
  /** Voice.promptCroppedFrom: the seconds of speech a long prompt had before it was cut. */
  promptCroppedFrom?: number;
  transcript?: string;
  transcriptIds?: number[];
  /** Voice.transcriptHeard: transcriptIds are what the model's audio reader heard (no transcript was given). */
  transcriptHeard?: boolean;
  /** The codec whose codes codes.pcodes holds (model.json `codec.id`): the voice works with every model using it. */
  codecId?: string;
  /**
   * The model the voice was made with. Files written before codec ids existed have only this; it then stands for
   * the codec (a codec without `codec.id` is identified by its model id).
   */
  modelId?: string;
}

export interface VoiceLibraryOptions {
  /** Where user voices are written (default: defaultVoicesDir()). */
  dir?: string;
  /** Extra read-only folders of bundled voices; a user voice with the same id shadows them. */
  bundledDirs?: string[];
}

/** The voice a request without one speaks with: the one saved as "default", else the first listed (by id). */
export function defaultVoiceId(voices: readonly VoiceInfo[]): string | undefined {
  return voices.find((v) => v.id === 'default')?.id ?? voices[0]?.id;
}

export class FileVoiceLibrary implements VoiceLibrary {
  readonly dir: string;
  private readonly bundledDirs: string[];

  constructor(private readonly model: CodecOnlyModel, options: VoiceLibraryOptions = {}) {
    this.dir = options.dir ?? defaultVoicesDir();
    this.bundledDirs = options.bundledDirs ?? [];
  }

  async list(): Promise<VoiceInfo[]> {
    const byId = new Map<string, VoiceInfo>();
    for (const dir of [...this.bundledDirs, this.dir]) {
      for (const id of await voiceIds(dir)) {
        const file = await readVoiceFile(dir, id).catch(() => null); // a broken folder is skipped in listings, reported by get()
        if (file && this.offers(dir, file)) byId.set(id, info(file, file.origin));
      }
    }
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** @throws ParlaError('voice_not_found') listing the valid ids; ('invalid_input') for a voice made with another codec. */
  async get(id: string): Promise<Voice> {
    const { dir, file, origin } = await this.locate(id);
    const voiceCodec = codecOf(file);
    if (voiceCodec !== this.model.codecId) {
      const remedy = origin === 'bundled' ? 're-encode the bundled voices with this model (scripts/make-bundled-voices.sh)' : 'create the voice again from its audio with this model';
      throw new ParlaError('invalid_input', `voice "${id}" holds codes of codec "${voiceCodec}", but model "${this.model.id}" uses codec "${this.model.codecId}": ${remedy}`, { param: 'voice' });
    }
    const path = join(dir, id, 'codes.pcodes');
    const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
      throw new ParlaError('invalid_input', `voice "${id}" is damaged: ${err.code === 'ENOENT' ? 'its codes.pcodes is missing' : err.message}; create it again from its audio`, { param: 'voice', cause: err });
    });
    const { codes } = readPcodes(bytes, path);
    const voice: Voice = { id, name: file.name, codes, durationSeconds: file.durationSeconds, origin, createdAt: file.createdAt };
    if (file.promptTempo) voice.promptTempo = file.promptTempo;
    if (file.promptCroppedFrom) voice.promptCroppedFrom = file.promptCroppedFrom;
    if (file.transcript) voice.transcript = file.transcript;
    if (file.transcriptIds) voice.transcriptIds = Int32Array.from(file.transcriptIds);
    if (file.transcriptHeard) voice.transcriptHeard = true;
    return voice;
  }

  /**
   * Encodes and saves a clip. `id` (default: a free id derived from the name) replaces a voice saved under it;
   * `origin: 'bundled'` marks a voice shipped with Parla (listed as bundled, not deletable).
   */
  async create(input: { name: string; audio: Buffer; transcript?: string; id?: string; origin?: 'bundled' | 'user' }): Promise<VoiceInfo> {
    if (input.id !== undefined && input.origin !== 'bundled') await this.refuseBundled(input.id); // before the encode
    // The slow part (decode, checks, codec) runs alongside other creates; the id is chosen when the voice is written.
    const encoded = await createVoice(this.model, input.audio, { name: input.name, transcript: input.transcript, id: input.id, origin: input.origin });
    return this.oneAtATime(async () => {
      const id = input.id ?? (await this.freeId(encoded.id));
      if (input.origin !== 'bundled') await this.refuseBundled(id);
      const voice = { ...encoded, id };
      await this.save(voice);
      return info(toFile(voice, this.model), voice.origin);
    });
  }

  /** The end of the last write: creates choose their id and write one at a time (see oneAtATime). */
  private writing: Promise<unknown> = Promise.resolve();

  /**
   * Runs `work` after every write queued before it: two uploads of one name at once get two ids ("ada", "ada-2"),
   * and neither replaces the other's folder while it is being written (which failed with ENOTEMPTY).
   */
  private oneAtATime<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work, work);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Writes a voice (replacing one with the same id) atomically: a temp folder renamed into place. */
  async save(voice: Voice): Promise<void> {
    if (!VOICE_ID.test(voice.id)) throw new ParlaError('invalid_input', `voice id "${voice.id}" must match ${VOICE_ID.source}`, { param: 'id' });
    const { model } = this;
    const tmp = join(this.dir, `.tmp-${voice.id}-${process.pid}-${randomUUID()}`);
    await mkdir(tmp, { recursive: true });
    try {
      // The codes header names the codec (what decodes them), like voice.json's codecId.
      const header = { modelId: model.codecId, sampleRate: model.sampleRate, hopLength: model.hopLength, codebookSize: model.codebookSize, numSamples: voice.codes.frames * model.hopLength };
      await writeFile(join(tmp, 'codes.pcodes'), writePcodes(voice.codes, header));
      await writeFile(join(tmp, 'voice.json'), `${JSON.stringify(toFile(voice, model), null, 2)}\n`);
      await rm(join(this.dir, voice.id), { recursive: true, force: true });
      await rename(tmp, join(this.dir, voice.id));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true }); // a failed write leaves nothing behind
      throw err;
    }
  }

  /**
   * A bundled voice saved in this library's own folder (the package's voices/, the default library) is read-only:
   * a user voice under its id would replace it, and could then be deleted. (In another folder a user voice may
   * shadow a bundled id: the bundled one stays where it is.)
   */
  private async refuseBundled(id: string): Promise<void> {
    if (!VOICE_ID.test(id) || !existsSync(join(this.dir, id, 'voice.json'))) return;
    const file = await readVoiceFile(this.dir, id).catch(() => undefined);
    if (file?.origin === 'bundled') throw new ParlaError('invalid_input', `voice "${id}" is bundled with Parla and cannot be replaced; save yours under another id`, { param: 'id' });
  }

  /** @throws ParlaError('voice_not_found'); ('invalid_input') for a bundled voice, whatever codec it was made with. */
  async delete(id: string): Promise<void> {
    // A user voice whose voice.json no longer reads can still be removed (listings skip it; nothing else could).
    if (VOICE_ID.test(id) && existsSync(join(this.dir, id)) && !(await readVoiceFile(this.dir, id).then(() => true, () => false))) {
      await rm(join(this.dir, id), { recursive: true, force: true });
      return;
    }
    const { origin } = await this.locate(id);
    if (origin === 'bundled') throw new ParlaError('invalid_input', `voice "${id}" is bundled with Parla and cannot be deleted (only voices you created can be)`, { param: 'voice' });
    await rm(join(this.dir, id), { recursive: true, force: true });
  }

  /** The folder holding voice `id` (user folder first, then bundled folders, last one first) and its voice.json. */
  private async locate(id: string): Promise<{ dir: string; file: VoiceFile; origin: 'bundled' | 'user' }> {
    for (const dir of VOICE_ID.test(id) ? [this.dir, ...this.bundledDirs.slice().reverse()] : []) {
      if (!existsSync(join(dir, id, 'voice.json'))) continue;
      const file = await readVoiceFile(dir, id);
      if (this.offers(dir, file)) return { dir, file, origin: file.origin };
    }
    const valid = (await this.list()).map((v) => v.id);
    throw new ParlaError('voice_not_found', `unknown voice "${id}"; valid voices: ${valid.join(', ') || '(none saved yet)'}`, { param: 'voice' });
  }

  /**
   * Bundled folders contribute only voices marked bundled: a user voice saved in the package's voices/ (the
   * default library) belongs to that library, not to every other one as an undeletable "bundled" voice.
   */
  private offers(dir: string, file: VoiceFile): boolean {
    return dir === this.dir || file.origin === 'bundled';
  }

  private async freeId(base: string): Promise<string> {
    const taken = new Set((await this.list()).map((v) => v.id));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }
}

async function voiceIds(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && VOICE_ID.test(e.name) && existsSync(join(dir, e.name, 'voice.json'))).map((e) => e.name);
}

async function readVoiceFile(dir: string, id: string): Promise<VoiceFile> {
  const path = join(dir, id, 'voice.json');
  let file: VoiceFile;
  try {
    file = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ParlaError('invalid_input', `${path} is not readable JSON: ${(err as Error).message}`, { param: path, cause: err });
  }
  const codec = file?.codecId ?? file?.modelId;
  if (file?.format !== 'parla-voice' || file.version !== 1 || file.id !== id || typeof file.name !== 'string' || typeof codec !== 'string' || !codec) {
    throw new ParlaError('invalid_input', `${path} is not a parla-voice version 1 file for id "${id}" (it needs format, version, id, name and codecId)`, { param: path });
  }
  return file;
}

/** The codec a voice file's codes belong to (see VoiceFile.modelId for older files). */
function codecOf(file: VoiceFile): string {
  return (file.codecId ?? file.modelId)!;
}

function toFile(v: Voice, model: CodecOnlyModel): VoiceFile {
  const file: VoiceFile = { format: 'parla-voice', version: 1, id: v.id, name: v.name, origin: v.origin, createdAt: v.createdAt, durationSeconds: v.durationSeconds, codecId: model.codecId, modelId: model.id };
  if (v.promptTempo) file.promptTempo = v.promptTempo;
  if (v.promptCroppedFrom) file.promptCroppedFrom = v.promptCroppedFrom;
  if (v.transcript) file.transcript = v.transcript;
  if (v.transcriptIds) file.transcriptIds = Array.from(v.transcriptIds);
  if (v.transcriptHeard) file.transcriptHeard = true;
  return file;
}

function info(f: VoiceFile, origin: 'bundled' | 'user'): VoiceInfo {
  return { id: f.id, name: f.name, durationSeconds: f.durationSeconds, ...(f.promptTempo ? { promptTempo: f.promptTempo } : {}), ...(f.promptCroppedFrom ? { promptCroppedFrom: f.promptCroppedFrom } : {}), hasTranscript: Boolean(f.transcript), origin, createdAt: f.createdAt };
}
