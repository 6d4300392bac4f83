/** `mkdir -p` that fails fast where Node's own does not. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates `dir` and any missing parents, one level at a time. Node's `mkdirSync(dir, { recursive: true })` loops
 * forever under /proc (measured: `parla book ... -o /proc/x.m4b` hung at 100% CPU); one plain mkdir per level fails
 * there at once (ENOENT), and elsewhere does the same as the recursive one.
 */
export function makeDirs(dir: string): void {
  const abs = resolve(dir);
  if (existsSync(abs)) {
    if (statSync(abs).isDirectory()) return;
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${abs}'`), { code: 'ENOTDIR' }); // a file in the way
  }
  const parent = dirname(abs);
  if (parent !== abs) makeDirs(parent);
  mkdirSync(abs);
}
