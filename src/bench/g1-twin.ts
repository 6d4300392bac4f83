/**
 * The G=1 twin of a trained model for the grouped comparison (G=2 vs G=1 steps and wall time per second of
 * audio): the same AR configuration with group size 1 and random weights, made once by
 * bench/engine/export_random.py --like and kept under bench/models/ (git-ignored). Speed only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadModelManifest } from '../engine/manifest.js';
import { PACKAGE_ROOT } from '../paths.js';
import { PYTHON, recordedArCheckpoint } from './ar-step-timing.js';

const EXPORT_SCRIPT = path.join(PACKAGE_ROOT, 'bench', 'engine', 'export_random.py');

/** The twin's folder, made if missing; an error (with the reason) when the model records no AR checkpoint or python fails. */
export function g1Twin(modelDir: string, twinsDir = path.join(PACKAGE_ROOT, 'bench', 'models')): string | { error: string } {
  const { manifest } = loadModelManifest(modelDir);
  if (manifest.group_size === 1) return { error: `${manifest.id} already has group size 1` };
  if (recordedArCheckpoint(manifest) === undefined) {
    return { error: `${manifest.id}: model.json has no training.checkpoints.ar to make a G=1 twin from (or pass --g1-model)` };
  }
  const out = path.join(twinsDir, `g1-${manifest.id}`);
  if (existsSync(path.join(out, 'model.json')) && isValidModel(out)) return out; // else made by an older exporter: remade
  const r = spawnSync(PYTHON, [EXPORT_SCRIPT, `--like=${path.resolve(modelDir)}`, `--out=${out}`], {
    cwd: PACKAGE_ROOT, encoding: 'utf8', timeout: 300_000, env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
  });
  if (r.status !== 0) return { error: `${PYTHON} ${path.basename(EXPORT_SCRIPT)} --like failed: ${(r.error?.message ?? r.stderr).trim().slice(-300)}` };
  return out;
}

function isValidModel(dir: string): boolean {
  try {
    loadModelManifest(dir);
    return true;
  } catch {
    return false;
  }
}
