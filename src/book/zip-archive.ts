/** Read-only access to the files inside a zip container (EPUB), with errors that name the archive. */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { unzipSync } from 'fflate';
import { ParlaError } from '../errors.js';

export class ZipArchive {
  /** Entry names as stored (forward slashes, no leading slash). */
  readonly names: string[];
  private readonly lowerNames: Map<string, string>;

  private constructor(
    readonly path: string,
    private readonly data: Uint8Array,
  ) {
    const names: string[] = [];
    try {
      // A filter that keeps nothing lists the central directory without inflating anything.
      unzipSync(data, { filter: (f) => (names.push(f.name), false) });
    } catch (err) {
      throw corrupt(path, err);
    }
    if (!names.length) throw corrupt(path, new Error('no entries'));
    this.names = names;
    this.lowerNames = new Map(names.map((n) => [n.toLowerCase(), n]));
  }

  static open(path: string): ZipArchive {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (err) {
      throw new ParlaError('file_not_found', `cannot read ${path}: ${(err as Error).message}`, { param: path, cause: err });
    }
    return new ZipArchive(path, data);
  }

  /** The stored name for `name`, matching case-insensitively as a fallback (books made on Windows disagree on case). */
  resolve(name: string): string | undefined {
    if (this.names.includes(name)) return name;
    return this.lowerNames.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.resolve(name) !== undefined;
  }

  read(name: string): Uint8Array {
    const stored = this.resolve(name);
    if (stored === undefined) {
      throw new ParlaError('invalid_input', `${basename(this.path)}: missing ${name} inside the archive`, { param: this.path });
    }
    try {
      const out = unzipSync(this.data, { filter: (f) => f.name === stored });
      return out[stored];
    } catch (err) {
      throw corrupt(this.path, err, name);
    }
  }

  /** Decodes UTF-8, or UTF-16 when the entry starts with a byte-order mark. */
  readText(name: string): string {
    const bytes = this.read(name);
    const encoding = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : 'utf-8';
    return new TextDecoder(encoding).decode(bytes);
  }
}

function corrupt(path: string, cause: unknown, entry?: string): ParlaError {
  const where = entry ? ` (entry ${entry})` : '';
  return new ParlaError('invalid_input', `${path} is not a readable EPUB/zip file${where}: ${(cause as Error).message}`, {
    param: path,
    cause,
  });
}
