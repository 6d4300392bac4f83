/** Reads an EPUB's container.xml and OPF package: metadata, manifest, spine, and where the nav/NCX and cover are. */
import { posix } from 'node:path';
import { parseDocument } from 'htmlparser2';
import type { Element } from 'domhandler';
import { ParlaError } from '../errors.js';
import { attr, findAll, findFirst, textOf } from './dom-query.js';
import { cleanText } from './xhtml-text.js';
import type { ZipArchive } from './zip-archive.js';

export interface ManifestItem {
  id: string;
  /** Path inside the zip, resolved against the OPF's folder and URL-decoded. */
  path: string;
  mediaType: string;
  properties: string[];
}

export interface SpineItem {
  item: ManifestItem;
  /** `linear="no"` items (pop-ups, covers) are read only when the table of contents points at them. */
  linear: boolean;
}

export interface EpubPackage {
  opfPath: string;
  title?: string;
  /** Authors (dc:creator with role `aut` or no role), in order. */
  creators: string[];
  language?: string;
  manifest: Map<string, ManifestItem>;
  spine: SpineItem[];
  /** EPUB 3 navigation document. */
  navPath?: string;
  /** EPUB 2 table of contents. */
  ncxPath?: string;
  cover?: ManifestItem;
}

export const parseXml = (text: string) => parseDocument(text, { xmlMode: true, decodeEntities: true });

/** Resolves an href found in `fromFile` to a zip path plus fragment. */
export function resolveHref(fromFile: string, href: string): { path: string; fragment?: string } {
  const [rawPath, fragment] = href.split('#', 2);
  let decoded = rawPath;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    // Leave malformed escapes as written: the lookup will then fail with a message naming the href.
  }
  const path = decoded ? posix.normalize(posix.join(posix.dirname(fromFile), decoded)).replace(/^\.\//, '') : fromFile;
  return fragment ? { path, fragment } : { path };
}

function invalid(zip: ZipArchive, what: string): ParlaError {
  return new ParlaError('invalid_input', `${zip.path} is not a valid EPUB: ${what}`, { param: zip.path });
}

export function readPackage(zip: ZipArchive): EpubPackage {
  if (!zip.has('META-INF/container.xml')) throw invalid(zip, 'META-INF/container.xml is missing');
  const container = parseXml(zip.readText('META-INF/container.xml'));
  const rootfile = findAll(container.children, 'rootfile').find((r) => /oebps-package/.test(r.attribs['media-type'] ?? 'oebps-package'));
  const opfPath = rootfile?.attribs['full-path'];
  if (!opfPath) throw invalid(zip, 'container.xml names no package (rootfile full-path)');
  if (!zip.has(opfPath)) throw invalid(zip, `package ${opfPath} named in container.xml is missing`);

  const opf = parseXml(zip.readText(opfPath));
  const metadata = findFirst(opf.children, 'metadata');
  const meta = (name: string): Element[] => (metadata ? findAll(metadata.children, name) : []);
  const firstText = (name: string): string | undefined => meta(name).map((e) => cleanText(textOf(e))).find(Boolean);

  const manifest = new Map<string, ManifestItem>();
  for (const el of findAll(opf.children, 'item')) {
    const { id, href } = el.attribs;
    if (!id || !href) continue;
    manifest.set(id, {
      id,
      path: resolveHref(opfPath, href).path,
      mediaType: el.attribs['media-type'] ?? '',
      properties: (el.attribs.properties ?? '').split(/\s+/).filter(Boolean),
    });
  }

  const spineEl = findFirst(opf.children, 'spine');
  const spine: SpineItem[] = [];
  for (const ref of spineEl ? findAll(spineEl.children, 'itemref') : []) {
    const item = manifest.get(ref.attribs.idref ?? '');
    if (item) spine.push({ item, linear: ref.attribs.linear !== 'no' });
  }

  const items = [...manifest.values()];
  const navPath = items.find((i) => i.properties.includes('nav'))?.path;
  const ncxId = spineEl?.attribs.toc;
  const ncxPath = (ncxId ? manifest.get(ncxId) : undefined)?.path ?? items.find((i) => i.mediaType === 'application/x-dtbncx+xml')?.path;

  return {
    opfPath,
    title: firstText('title'),
    creators: authors(meta('creator'), meta('meta')),
    language: firstText('language'),
    manifest,
    spine,
    navPath,
    ncxPath,
    cover: findCover(items, manifest, meta('meta')),
  };
}

/** dc:creator entries that are authors: EPUB 2 `opf:role="aut"`, EPUB 3 `<meta refines="#id" property="role">aut`, or no role. */
function authors(creators: Element[], metas: Element[]): string[] {
  const roleOf = (el: Element): string | undefined => {
    const direct = attr(el, 'role');
    if (direct) return direct;
    const id = el.attribs.id;
    const refine = id ? metas.find((m) => m.attribs.refines === `#${id}` && m.attribs.property === 'role') : undefined;
    return refine ? cleanText(textOf(refine)) : undefined;
  };
  return creators.filter((c) => (roleOf(c) ?? 'aut') === 'aut').map((c) => cleanText(textOf(c))).filter(Boolean);
}

/** EPUB 3 `properties="cover-image"`, else EPUB 2 `<meta name="cover" content="id">`, else an image whose id or name says cover. */
function findCover(items: ManifestItem[], manifest: Map<string, ManifestItem>, metas: Element[]): ManifestItem | undefined {
  const isImage = (i?: ManifestItem): i is ManifestItem => !!i && i.mediaType.startsWith('image/');
  const epub3 = items.find((i) => i.properties.includes('cover-image'));
  if (isImage(epub3)) return epub3;
  const coverId = metas.find((m) => m.attribs.name === 'cover')?.attribs.content;
  const epub2 = coverId ? manifest.get(coverId) : undefined;
  if (isImage(epub2)) return epub2;
  return items.find((i) => isImage(i) && /cover/i.test(`${i.id} ${posix.basename(i.path)}`));
}
