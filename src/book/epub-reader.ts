/** Reads an EPUB 2/3 file into a Book: chapters cut where the table of contents points, falling back to the spine. */
import { basename, extname } from 'node:path';
import { ParlaError } from '../errors.js';
import { finalizeChapters, type RawChapter } from './chapter-build.js';
import { assertNoDrm } from './epub-drm.js';
import { type EpubPackage, readPackage } from './epub-package.js';
import { parseNav, parseNcx, type TocEntry } from './epub-toc.js';
import { sniffImageMime } from './image-mime.js';
import type { Book, TextBlock } from './types.js';
import { type ExtractedDocument, extractDocument } from './xhtml-text.js';
import { ZipArchive } from './zip-archive.js';

export interface EpubOptions {
  /** Use table-of-contents entries up to this nesting depth (0 = top level only). Default: all levels. */
  maxTocDepth?: number;
}

const CONTENT_TYPES = new Set(['application/xhtml+xml', 'text/html', 'application/x-dtbook+xml']);

/** A point in the book: block `block` of spine document `spine`. */
interface Position {
  spine: number;
  block: number;
  title: string;
}

export function readEpub(path: string, options: EpubOptions = {}): Book {
  const zip = ZipArchive.open(path);
  assertNoDrm(zip);
  const pkg = readPackage(zip);
  const spine = pkg.spine.filter((s) => CONTENT_TYPES.has(s.item.mediaType) && zip.has(s.item.path));
  const cache = new Map<number, ExtractedDocument>();
  const doc = (i: number): ExtractedDocument => {
    let d = cache.get(i);
    if (!d) cache.set(i, (d = extractDocument(zip.readText(spine[i].item.path))));
    return d;
  };
  const docTitle = (i: number): string | undefined => doc(i).blocks.find((b) => b.kind === 'heading')?.text ?? doc(i).title;

  const toc = readToc(zip, pkg).filter((e) => e.depth <= (options.maxTocDepth ?? Infinity));
  const spineIndex = new Map(spine.map((s, i) => [s.item.path, i]));
  const starts: Position[] = [];
  for (const entry of toc) {
    const si = spineIndex.get(entry.path);
    if (si === undefined) continue;
    const block = entry.fragment ? (doc(si).anchors.get(entry.fragment) ?? 0) : 0;
    starts.push({ spine: si, block, title: entry.title || docTitle(si) || `Chapter ${starts.length + 1}` });
  }
  // Table-of-contents order is reading order in well-made books; sort (stably) so a stray entry cannot reverse a span.
  starts.sort((a, b) => a.spine - b.spine || a.block - b.block);

  // Non-linear documents (pop-ups, a cover page) are read only when the table of contents points at them.
  const targeted = new Set(starts.map((s) => s.spine));
  const readable = (i: number): boolean => spine[i].linear || targeted.has(i);
  const blocksBetween = (from: { spine: number; block: number }, to?: { spine: number; block: number }): TextBlock[] => {
    const out: TextBlock[] = [];
    const last = to ? to.spine : spine.length - 1;
    for (let i = from.spine; i <= last; i++) {
      if (i !== from.spine && !readable(i)) continue;
      const blocks = doc(i).blocks;
      out.push(...blocks.slice(i === from.spine ? from.block : 0, to && i === to.spine ? to.block : blocks.length));
    }
    return out;
  };

  const raw: RawChapter[] = [];
  if (starts.length) {
    const firstReadable = spine.findIndex((_, i) => readable(i));
    const prefix = blocksBetween({ spine: firstReadable, block: 0 }, starts[0]);
    if (prefix.length) raw.push({ title: doc(firstReadable).title ?? 'Front matter', blocks: prefix, matter: 'front' });
    starts.forEach((s, k) => raw.push({ title: s.title, blocks: blocksBetween(s, starts[k + 1]) }));
  } else {
    spine.forEach((s, i) => {
      if (s.linear) raw.push({ title: docTitle(i) ?? `Section ${raw.length + 1}`, blocks: doc(i).blocks });
    });
  }

  const chapters = finalizeChapters(raw);
  if (!chapters.length) {
    throw new ParlaError('empty_input', `${basename(path)} contains no readable text (${spine.length} documents in its spine)`, {
      param: path,
    });
  }
  const book: Book = { title: pkg.title ?? basename(path, extname(path)), chapters };
  if (pkg.creators.length) book.author = pkg.creators.join(', ');
  if (pkg.language) book.language = pkg.language;
  if (pkg.cover && zip.has(pkg.cover.path)) {
    const data = Buffer.from(zip.read(pkg.cover.path));
    book.cover = { data, mime: sniffImageMime(data) ?? pkg.cover.mediaType };
  }
  return book;
}

/** The EPUB 3 nav document when it lists anything, else the EPUB 2 NCX. */
function readToc(zip: ZipArchive, pkg: EpubPackage): TocEntry[] {
  if (pkg.navPath && zip.has(pkg.navPath)) {
    const nav = parseNav(zip.readText(pkg.navPath), pkg.navPath);
    if (nav.length) return nav;
  }
  if (pkg.ncxPath && zip.has(pkg.ncxPath)) return parseNcx(zip.readText(pkg.ncxPath), pkg.ncxPath);
  return [];
}
