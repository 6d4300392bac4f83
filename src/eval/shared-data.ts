/** Locates ../shared/data and reads the Kathleen corpus listing with the same held-out rule as training/data/splits.py. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParlaError } from '../errors.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** $PARLA_SHARED_DATA, else ../shared/data next to the repository. */
export function sharedDataDir(): string {
  return process.env.PARLA_SHARED_DATA || path.resolve(repoRoot, '..', 'shared', 'data');
}

export interface KathleenUtterance {
  id: string;
  text: string;
  /** Absolute path of the Ogg Opus recording (24 kHz). */
  audioPath: string;
}

/** Share of ARCTIC prompts held out; must match KATHLEEN_HELDOUT_PERCENT in training/data/splits.py. */
const KATHLEEN_HELDOUT_PERCENT = 5;

/** 'arctic_a0001_1592748574' -> 'arctic_a0001' (the takes of one prompt share it). */
export function kathleenPrompt(id: string): string {
  return id.slice(0, id.lastIndexOf('_'));
}

/** True for utterances whose prompt is held out of training (sha1 of the prompt mod 100 < 5). */
export function kathleenIsHeldout(id: string): boolean {
  const hex = createHash('sha1').update(kathleenPrompt(id), 'utf8').digest('hex');
  return Number(BigInt('0x' + hex) % 100n) < KATHLEEN_HELDOUT_PERCENT;
}

/** Every Kathleen utterance listed in kathleen/metadata.tsv, in file order. */
export function readKathleen(dataDir = sharedDataDir()): KathleenUtterance[] {
  const tsv = path.join(dataDir, 'kathleen', 'metadata.tsv');
  if (!existsSync(tsv)) throw new ParlaError('file_not_found', `Kathleen metadata not found: ${tsv} (set PARLA_SHARED_DATA)`, { param: tsv });
  const rows = readFileSync(tsv, 'utf8').split('\n').slice(1).filter((line) => line.trim() !== '');
  return rows.map((line) => {
    const [id, text] = line.split('\t');
    return { id, text, audioPath: path.join(dataDir, 'kathleen', 'audio', `${id}.opus`) };
  });
}

/** Held-out Kathleen sentences, one take per prompt (the first listed), in file order. */
export function kathleenHeldoutSentences(dataDir = sharedDataDir()): KathleenUtterance[] {
  const seen = new Set<string>();
  return readKathleen(dataDir).filter((u) => {
    const prompt = kathleenPrompt(u.id);
    if (!kathleenIsHeldout(u.id) || seen.has(prompt)) return false;
    seen.add(prompt);
    return true;
  });
}

export interface So762Utterance {
  id: string;
  speaker: string;
  gender: string;
}

/**
 * The held-out speechocean762 utterances in metadata.tsv order: the 10 female and 10 male speakers
 * first by sha1 of the speaker id (training/data/splits.py so762_heldout_speakers), which is also the
 * order of the speaker-encoder evaluation cache.
 */
export function so762HeldoutUtterances(): So762Utterance[] {
  const file = path.join(sharedDataDir(), 'speechocean762', 'metadata.tsv');
  const [header, ...lines] = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const cols = header.split('\t');
  const rows = lines.map((l) => l.split('\t')).map((f) => ({ id: f[cols.indexOf('id')], speaker: f[cols.indexOf('speaker')], gender: f[cols.indexOf('gender')] }));
  const gender = new Map(rows.map((r) => [r.speaker, r.gender]));
  const rank = (s: string): string => createHash('sha1').update(s, 'utf8').digest('hex');
  const held = new Set(['f', 'm'].flatMap((g) => [...gender].filter(([, x]) => x === g).map(([s]) => s)
    .sort((a, b) => (rank(a) < rank(b) ? -1 : 1)).slice(0, 10)));
  return rows.filter((r) => held.has(r.speaker));
}
