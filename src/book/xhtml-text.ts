/** Turns one (X)HTML document into speakable text blocks: paragraphs and headings, without scripts, images or footnote markers. */
import { parseDocument } from 'htmlparser2';
import { type AnyNode, type Element, hasChildren, isTag, isText } from 'domhandler';
import { findFirst, localName, textOf } from './dom-query.js';
import type { TextBlock } from './types.js';

/** The blocks of one document plus where each `id` anchor falls, so a table of contents can cut at fragments. */
export interface ExtractedDocument {
  blocks: TextBlock[];
  /** id -> index into `blocks` of the first block at or after the anchor. */
  anchors: Map<string, number>;
  /** The document's `<title>`, if any. */
  title?: string;
}

export interface ExtractOptions {
  /** Drop `<pre><code>` blocks (source code is not read aloud). Default true. */
  dropCode?: boolean;
}

/** Elements whose content is never spoken. */
const SILENT = new Set([
  'script', 'style', 'head', 'img', 'image', 'svg', 'math', 'audio', 'video', 'object', 'iframe', 'noscript',
  'template', 'canvas', 'embed', 'button', 'input', 'select', 'textarea', 'map', 'picture', 'source',
]);

/** Elements that end the running paragraph: everything else is inline and joins its neighbours. */
const BLOCK = new Set([
  'p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'li', 'ul', 'ol', 'dl', 'dt', 'dd', 'blockquote', 'pre', 'table',
  'tr', 'td', 'th', 'caption', 'figure', 'figcaption', 'section', 'article', 'header', 'footer', 'nav', 'aside',
  'main', 'body', 'hr', 'address', 'hgroup', 'details', 'summary', 'center',
]);

/** Footnote markers: [1], (2), 3, *, †. Linked or superscripted, these are reference marks, not words. */
const NOTE_MARK = /^\s*[[(]?\s*(\d{1,4}|[*†‡§¶]+|[ivx]{1,5})\s*[\])]?\s*$/i;

/** `epub:type` and ARIA `role` tokens of an element, with the `doc-` prefix of DPUB-ARIA roles removed. */
export function semanticTokens(el: Element): string[] {
  const raw = `${el.attribs['epub:type'] ?? ''} ${el.attribs.role ?? ''}`;
  return raw.split(/\s+/).filter(Boolean).map((t) => t.toLowerCase().replace(/^doc-/, ''));
}

function hasLink(el: Element): boolean {
  return el.children.some((c) => isTag(c) && (localName(c) === 'a' ? 'href' in c.attribs : hasLink(c)));
}

/** A footnote reference in the running text: `epub:type="noteref"`, a linked [1], or a superscript holding a link or [n]. */
function isNoteRef(el: Element): boolean {
  const name = localName(el);
  const tokens = semanticTokens(el);
  if (tokens.includes('noteref')) return true;
  if (/\b(noteref|footnote-?ref|fnref)\b/i.test(el.attribs.class ?? '')) return true;
  const text = textOf(el);
  if (name === 'a' && (el.attribs.href ?? '').includes('#') && NOTE_MARK.test(text)) return true;
  if (name === 'sup') return (hasLink(el) && NOTE_MARK.test(text)) || /^\s*\[\s*\d+\s*\]\s*$/.test(text);
  return false;
}

/** Footnote bodies (EPUB 3 pop-up notes) are not part of the running text either. */
function isNoteBody(el: Element): boolean {
  return localName(el) === 'aside' && semanticTokens(el).some((t) => /^(footnote|endnote|rearnote|note)$/.test(t));
}

/** Collapse whitespace, drop soft hyphens and zero-width characters. */
export function cleanText(s: string): string {
  return s.replace(/[\u00AD\u200B-\u200D\uFEFF]/g, '').replace(/\s+/g, ' ').trim();
}

/** Walks the document in reading order, cutting blocks at block-level elements. */
export function extractDocument(html: string, options: ExtractOptions = {}): ExtractedDocument {
  const dropCode = options.dropCode ?? true;
  const doc = parseDocument(html, { recognizeSelfClosing: true, lowerCaseTags: true, decodeEntities: true });
  const blocks: TextBlock[] = [];
  const anchors = new Map<string, number>();
  let buf = '';

  const flush = (semantics: string[], heading?: number): void => {
    const text = cleanText(buf);
    buf = '';
    if (!text) return;
    blocks.push(heading ? { kind: 'heading', level: heading, text, semantics } : { kind: 'paragraph', text, semantics });
  };

  const walk = (node: AnyNode, semantics: string[]): void => {
    if (isText(node)) {
      buf += node.data;
      return;
    }
    if (!isTag(node)) {
      if (hasChildren(node)) for (const c of node.children) walk(c, semantics);
      return;
    }
    const name = localName(node);
    if (SILENT.has(name) || isNoteBody(node) || isNoteRef(node)) return;
    if (name === 'br') {
      buf += ' ';
      return;
    }
    const own = semanticTokens(node);
    const inner = own.length ? [...new Set([...semantics, ...own])] : semantics;
    const isBlock = BLOCK.has(name);
    if (isBlock) flush(semantics);
    const id = node.attribs.id ?? (name === 'a' ? node.attribs.name : undefined);
    if (id && !anchors.has(id)) anchors.set(id, blocks.length);
    if (name === 'pre' && dropCode && node.children.some((c) => isTag(c) && localName(c) === 'code')) return;
    for (const c of node.children) walk(c, inner);
    if (isBlock) flush(inner, /^h[1-6]$/.test(name) ? Number(name[1]) : undefined);
  };

  // <head> is silent, but its <title> is useful as a fallback chapter name.
  const titleEl = findFirst(doc.children, 'title');
  const title = titleEl ? cleanText(textOf(titleEl)) || undefined : undefined;
  for (const c of doc.children) walk(c, []);
  flush([]);
  return { blocks, anchors, title };
}
