/** Crash-safe file writes: a reader sees the old file or the complete new one, never a torn one, even after SIGKILL or power loss. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

let counter = 0;

/** Suffix of temporary files; anything carrying it after a crash is garbage. */
export const TEMP_MARK = '.tmp-';

/** Write to a temporary file, fsync it, rename over `path`, fsync the folder so the rename itself is durable. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}${TEMP_MARK}${process.pid}-${counter++}`;
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Make entries created or renamed in `dir` durable (a no-op where folders cannot be opened, e.g. Windows). */
export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported on this platform: the rename is still atomic, only its durability is weaker.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
