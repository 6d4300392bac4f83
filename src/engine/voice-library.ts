/** Saved voices on disk: `<dir>/<id>/voice.json` + `codes.pcodes`, user voices writable, bundled voices read-only. */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readPcodes, writePcodes } from '../codec/pcodes.js';
import { ParlaError } from '../errors.js';
import { defaultVoicesDir } from '../paths.js';
import type { LoadedModel } from './model.js';
import type { Voice, VoiceInfo, VoiceLibrary } from './types.js';
import { createVoice, slugify, VOICE_ID } from './voice.js';

/** voice.json, version 1. */
interface VoiceFile {
  format: 'parla-voice';
  version: 1;
  id: string;
  name: string;
  origin: 'bundled' | 'user';
  createdAt?: string;
  durationSeconds: number;
  transcript?: string;
  transcriptIds?: number[];
  /** The codes only make sense to the codec of this model. */
  modelId: string;
}

export interface VoiceLibraryOptions {
  /** Where user voices are written (default: defaultVoicesDir()). */
  dir?: string;
  /** Extra read-only folders of bundled voices; a user voice with the same id shadows them. */
  bundledDirs?: string[];
}

export class FileVoiceLibrary implements VoiceLibrary {
  readonly dir: string;
  private readonly bundledDirs: string[];

  constructor(private readonly model: LoadedModel, options: VoiceLibraryOptions = {}) {
    this.dir = options.dir ?? defaultVoicesDir();
    this.bundledDirs = options.bundledDirs ?? [];
  }

  async list(): Promise<VoiceInfo[]> {
    const byId = new Map<string, VoiceInfo>();
    for (const dir of [...this.bundledDirs, this.dir]) {
      for (const id of await voiceIds(dir)) {
        const file = await readVoiceFile(dir, id).catch(() => null); // a broken folder is skipped in listings, reported by get()
        if (file) byId.set(id, info(file, this.bundledDirs.includes(dir) ? 'bundled' : file.origin));
      }
    }
    return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** @throws ParlaError('voice_not_found') listing the valid ids; ('invalid_input') for a voice made with another model's codec. */
  async get(id: string): Promise<Voice> {
    const dir = VOICE_ID.test(id) ? [this.dir, ...this.bundledDirs.slice().reverse()].find((d) => existsSync(join(d, id, 'voice.json'))) : undefined;
    if (dir === undefined) {
      const valid = (await this.list()).map((v) => v.id);
      throw new ParlaError('voice_not_found', `unknown voice "${id}"; valid voices: ${valid.join(', ') || '(none saved yet)'}`, { param: 'voice' });
    }
    const file = await readVoiceFile(dir, id);
    if (file.modelId !== this.model.id) {
      throw new ParlaError('invalid_input', `voice "${id}" was encoded for model "${file.modelId}", not "${this.model.id}"; create it again from its audio`, { param: 'voice' });
    }
    const path = join(dir, id, 'codes.pcodes');
    const { codes } = readPcodes(await readFile(path), path);
    const origin = this.bundledDirs.includes(dir) ? 'bundled' : file.origin;
    const voice: Voice = { id, name: file.name, codes, durationSeconds: file.durationSeconds, origin, createdAt: file.createdAt };
    if (file.transcript) voice.transcript = file.transcript;
    if (file.transcriptIds) voice.transcriptIds = Int32Array.from(file.transcriptIds);
    return voice;
  }

  async create(input: { name: string; audio: Buffer; transcript?: string }): Promise<VoiceInfo> {
    const id = await this.freeId(slugify(input.name ?? ''));
    const voice = await createVoice(this.model, input.audio, { name: input.name, transcript: input.transcript, id });
    await this.save(voice);
    return info(toFile(voice, this.model.id), voice.origin);
  }

  /** Writes a voice (replacing one with the same id) atomically: a temp folder renamed into place. */
  async save(voice: Voice): Promise<void> {
    if (!VOICE_ID.test(voice.id)) throw new ParlaError('invalid_input', `voice id "${voice.id}" must match ${VOICE_ID.source}`, { param: 'id' });
    const { model } = this;
    const tmp = join(this.dir, `.tmp-${voice.id}-${process.pid}-${Date.now()}`);
    await mkdir(tmp, { recursive: true });
    const header = { modelId: model.id, sampleRate: model.sampleRate, hopLength: model.hopLength, codebookSize: model.codebookSize, numSamples: voice.codes.frames * model.hopLength };
    await writeFile(join(tmp, 'codes.pcodes'), writePcodes(voice.codes, header));
    await writeFile(join(tmp, 'voice.json'), `${JSON.stringify(toFile(voice, model.id), null, 2)}\n`);
    await rm(join(this.dir, voice.id), { recursive: true, force: true });
    await rename(tmp, join(this.dir, voice.id));
  }

  async delete(id: string): Promise<void> {
    const voice = await this.get(id);
    if (voice.origin === 'bundled') throw new ParlaError('invalid_input', `voice "${id}" is bundled with Parla and cannot be deleted`, { param: 'voice' });
    await rm(join(this.dir, id), { recursive: true, force: true });
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
  if (file?.format !== 'parla-voice' || file.version !== 1 || file.id !== id || typeof file.name !== 'string' || typeof file.modelId !== 'string') {
    throw new ParlaError('invalid_input', `${path} is not a parla-voice version 1 file for id "${id}"`, { param: path });
  }
  return file;
}

function toFile(v: Voice, modelId: string): VoiceFile {
  const file: VoiceFile = { format: 'parla-voice', version: 1, id: v.id, name: v.name, origin: v.origin, createdAt: v.createdAt, durationSeconds: v.durationSeconds, modelId };
  if (v.transcript) file.transcript = v.transcript;
  if (v.transcriptIds) file.transcriptIds = Array.from(v.transcriptIds);
  return file;
}

function info(f: VoiceFile, origin: 'bundled' | 'user'): VoiceInfo {
  return { id: f.id, name: f.name, durationSeconds: f.durationSeconds, hasTranscript: Boolean(f.transcript), origin, createdAt: f.createdAt };
}
