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
