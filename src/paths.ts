/** Where the package's own folders are, wherever it is installed or run from (src/ under vitest, dist/ when built). */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

/** The package root: the folder holding package.json, models/, voices/ and web/. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The default model directory; PARLA_MODEL_DIR overrides it. */
export function defaultModelDir(): string {
  return process.env.PARLA_MODEL_DIR ?? resolve(PACKAGE_ROOT, 'models', 'default');
}

/** Where user voices are saved (and, by default, where the bundled ones are); PARLA_VOICES_DIR overrides it. */
export function defaultVoicesDir(): string {
  return process.env.PARLA_VOICES_DIR ?? bundledVoicesDir();
}

/** The voices shipped with the package (voices/: folders whose voice.json says origin "bundled", and aliases.json). */
export function bundledVoicesDir(): string {
  return resolve(PACKAGE_ROOT, 'voices');
}

/** Same folder, through symlinks when it exists. */
function sameDir(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

/**
 * The folders of a voice library whose user voices live in `dir`: the package's bundled voices are always added,
 * read-only, so they stay available when PARLA_VOICES_DIR / --dir points elsewhere. When `dir` is the bundled folder
 * itself (the default), it is not added twice: voice.json's origin then tells bundled from user voices.
 * Shaped as FileVoiceLibrary's options.
 */
export function voiceLibraryDirs(dir: string = defaultVoicesDir()): { dir: string; bundledDirs: string[] } {
  const bundled = bundledVoicesDir();
  return { dir, bundledDirs: sameDir(dir, bundled) ? [] : [bundled] };
}
