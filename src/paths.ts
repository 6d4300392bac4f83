/** Where the package's own folders are, wherever it is installed or run from (src/ under vitest, dist/ when built). */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** The package root: the folder holding package.json, models/, voices/ and web/. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The default model directory; PARLA_MODEL_DIR overrides it. */
export function defaultModelDir(): string {
  return process.env.PARLA_MODEL_DIR ?? resolve(PACKAGE_ROOT, 'models', 'default');
}

export function defaultVoicesDir(): string {
  return process.env.PARLA_VOICES_DIR ?? resolve(PACKAGE_ROOT, 'voices');
}
