/** One open job per directory: a lock file holding the owner's pid, taken over only when that process is gone (e.g. SIGKILLed). */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParlaError } from '../errors.js';

const lockPath = (dir: string): string => join(dir, 'job.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireJobLock(dir: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockPath(dir), String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(readFileSync(lockPath(dir), 'utf8'));
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
      throw new ParlaError('busy', `job directory ${dir} is in use by process ${owner}`, { param: dir });
    }
    rmSync(lockPath(dir), { force: true }); // stale: its owner died without cleaning up
  }
  throw new ParlaError('busy', `could not lock job directory ${dir}`, { param: dir });
}

export function releaseJobLock(dir: string): void {
  try {
    if (Number(readFileSync(lockPath(dir), 'utf8')) === process.pid) rmSync(lockPath(dir), { force: true });
  } catch {
    // Already gone.
  }
}
