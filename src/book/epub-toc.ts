/** Reads an EPUB's table of contents (EPUB 3 nav document or EPUB 2 NCX) into a flat list of titled targets. */
import { parseDocument } from 'htmlparser2';
import { isTag, type Element } from 'domhandler';
import { findAll, localName, textOf } from './dom-query.js';
import { parseXml, resolveHref } from './epub-package.js';
import { cleanText, semanticTokens } from './xhtml-text.js';

export interface TocEntry {
  title: string;
  /** Zip path of the target document. */
  path: string;
  /** Anchor id inside the target, when the entry points into the middle of a file. */
  fragment?: string;
  /** 0 for top-level entries, 1 for their children, ... */
  depth: number;
}

/** Entries of the nav element with `epub:type="toc"` (or the first nav), nested lists flattened in reading order. */
export function parseNav(html: string, navPath: string): TocEntry[] {
  const doc = parseDocument(html, { recognizeSelfClosing: true, lowerCaseTags: true });
  const navs = findAll(doc.children, 'nav');
  const nav = navs.find((n) => semanticTokens(n).includes('toc')) ?? navs[0];
  if (!nav) return [];
  const entries: TocEntry[] = [];
  for (const a of findAll(nav.children, 'a')) {
    const href = a.attribs.href;
    if (!href) continue;
    const title = cleanText(textOf(a)) || cleanText(a.attribs.title ?? '');
    entries.push({ title, ...resolveHref(navPath, href), depth: listDepth(a, nav) });
  }
  return entries;
}

/** How many `<ol>`s lie between the link and its nav, minus the outermost. */
function listDepth(el: Element, nav: Element): number {
  let depth = -1;
  for (let p = el.parent; p && p !== nav; p = p.parent) if (isTag(p) && localName(p) === 'ol') depth++;
  return Math.max(0, depth);
}

/** navPoints in document order (which is reading order, parents before children). */
export function parseNcx(xml: string, ncxPath: string): TocEntry[] {
  const doc = parseXml(xml);
  const entries: TocEntry[] = [];
  for (const point of findAll(doc.children, 'navpoint')) {
    const child = (name: string): Element | undefined => point.children.filter(isTag).find((c) => localName(c) === name);
    const src = child('content')?.attribs.src;
    const label = child('navlabel');
    if (!src) continue;
    let depth = 0;
    for (let p = point.parent; p && isTag(p) && localName(p) === 'navpoint'; p = p.parent) depth++;
    entries.push({ title: label ? cleanText(textOf(label)) : '', ...resolveHref(ncxPath, src), depth });
  }
  return entries;
}
