/** makeDirs: mkdir -p that creates what is missing, keeps what exists, and fails at once where Node's recursive mkdir hangs. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirs } from '../src/make-dirs.js';

const root = mkdtempSync(join(tmpdir(), 'parla-make-dirs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('makeDirs', () => {
  it('creates missing parents and leaves an existing folder alone', () => {
    const deep = join(root, 'a', 'b', 'c');
    makeDirs(deep);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(() => makeDirs(deep)).not.toThrow();
  });

  it('fails on a file in the way', () => {
    writeFileSync(join(root, 'file'), 'x');
    expect(() => makeDirs(join(root, 'file', 'sub'))).toThrow(/^ENOTDIR: not a directory/);
  });

  it.skipIf(process.platform !== 'linux')('fails at once under /proc (Node\'s recursive mkdirSync loops there forever)', () => {
    expect(() => makeDirs('/proc/parla-nope/sub')).toThrow(/ENOENT|EACCES|EPERM/);
  });
});
