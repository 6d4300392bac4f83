/**
 * Sets one value in a JSON file's text and keeps the rest as its writer laid it out, so that writing a model
 * card into model.json changes only the lines it adds. model.json is written by Python: the codec export with
 * `json.dump(indent=1)` (ASCII only), the LM export with `pretty_json` (indent 2, lists of numbers and strings on
 * one line). Numbers and strings keep their source text (Python writes 1.0 and 1e-05, JavaScript 1 and 0.00001),
 * keys keep their order, and the indent, one-line lists, ASCII escaping and final newline are taken from the text.
 */
import { ParlaError } from '../errors.js';

type Node = { kind: 'literal'; text: string } | { kind: 'array'; items: Node[] } | { kind: 'object'; entries: Entry[] };
interface Entry {
  key: string;
  /** The key as written, escapes included. */
  keyText: string;
  value: Node;
}

export interface JsonLayout {
  /** One level of indentation ('' = the whole document on one line). */
  indent: string;
  /** Non-empty lists of numbers/strings written on one line (the LM export's pretty_json). */
  inlineLists: boolean;
  /** Non-ASCII characters written as \uXXXX (Python's default ensure_ascii). */
  asciiOnly: boolean;
  finalNewline: boolean;
}

const LITERAL = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
const SPACE = /\s*/y;

/** Parses text already known to be valid JSON (JSON.parse ran first), keeping literals' source text. */
function parse(text: string): { root: Node; inlineLists: boolean } {
  let at = 0;
  let inlineLists = false;
  const skip = (): void => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    at = SPACE.lastIndex;
  };
  const value = (): Node => {
    skip();
    const start = at;
    if (text[at] === '[' || text[at] === '{') {
      const close = text[at] === '[' ? ']' : '}';
      at++;
      const items: Node[] = [];
      const entries: Entry[] = [];
      skip();
      while (text[at] !== close) {
        if (close === '}') {
          const key = value();
          skip();
          at++; // ':'
          const keyText = key.kind === 'literal' ? key.text : '';
          entries.push({ key: JSON.parse(keyText) as string, keyText, value: value() });
        } else items.push(value());
        skip();
        if (text[at] === ',') at++;
        skip();
      }
      at++;
      if (close === ']') {
        if (items.length > 0 && !text.slice(start, at).includes('\n')) inlineLists = true;
        return { kind: 'array', items };
      }
      return { kind: 'object', entries };
    }
    LITERAL.lastIndex = at;
    const match = LITERAL.exec(text);
    if (!match) throw new ParlaError('invalid_input', `unexpected character at offset ${at} of the JSON text`, { param: 'json' });
    at = LITERAL.lastIndex;
    return { kind: 'literal', text: match[0] };
  };
  return { root: value(), inlineLists };
}

export function detectLayout(text: string): JsonLayout {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1] ?? '';
  return {
    indent,
    inlineLists: indent === '' || parse(text).inlineLists,
    asciiOnly: !/[^\x00-\x7f]/.test(text),
    finalNewline: text.endsWith('\n'),
  };
}

function literal(value: string | number | boolean | null, layout: JsonLayout): Extract<Node, { kind: 'literal' }> {
  if (typeof value === 'number' && !Number.isFinite(value)) throw new ParlaError('invalid_input', `cannot write ${value} to JSON`, { param: 'json' });
  const text = JSON.stringify(value);
  // Python escapes everything outside ' '..'~' (DEL included) with lower-case hex, UTF-16 surrogates one by one.
  return { kind: 'literal', text: layout.asciiOnly ? text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : text };
}

function fromValue(value: unknown, layout: JsonLayout): Node {
  if (Array.isArray(value)) return { kind: 'array', items: value.map((v) => fromValue(v, layout)) };
  if (value !== null && typeof value === 'object') {
    return { kind: 'object', entries: Object.entries(value).filter(([, v]) => v !== undefined).map(([key, v]) => ({ key, keyText: literal(key, layout).text, value: fromValue(v, layout) })) };
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return literal(value, layout);
  throw new ParlaError('invalid_input', `cannot write a ${typeof value} to JSON`, { param: 'json' });
}

function serialize(node: Node, layout: JsonLayout, depth: number): string {
  if (node.kind === 'literal') return node.text;
  const { indent } = layout;
  const inner = indent === '' ? '' : '\n' + indent.repeat(depth + 1);
  const outer = indent === '' ? '' : '\n' + indent.repeat(depth);
  const sep = indent === '' ? ', ' : ',';
  if (node.kind === 'array') {
    if (node.items.length === 0) return '[]';
    // pretty_json's rule: a list whose text holds no bracket or brace goes on one line.
    if (layout.inlineLists && node.items.every((i) => i.kind === 'literal' && !/[[\]{}]/.test(i.text))) return `[${node.items.map((i) => serialize(i, layout, 0)).join(', ')}]`;
    return `[${node.items.map((i) => inner + serialize(i, layout, depth + 1)).join(sep)}${outer}]`;
  }
  if (node.entries.length === 0) return '{}';
  return `{${node.entries.map((e) => `${inner}${e.keyText}: ${serialize(e.value, layout, depth + 1)}`).join(sep)}${outer}}`;
}

/** Re-serializes `text` unchanged in content; equals `text` when its layout is one of those described above. */
export function relayoutJson(text: string): string {
  JSON.parse(text);
  const layout = detectLayout(text);
  return serialize(parse(text).root, layout, 0) + (layout.finalNewline ? '\n' : '');
}

/**
 * `text` with `value` at `keys` (object keys from the root): an existing entry is replaced where it stands, a missing
 * one is appended to its object, and a path through a non-object (e.g. `"quality": null`) turns it into an object.
 */
export function setJsonPath(text: string, keys: readonly string[], value: unknown): string {
  JSON.parse(text);
  if (keys.length === 0) throw new ParlaError('invalid_input', 'setJsonPath needs at least one key', { param: 'keys' });
  const layout = detectLayout(text);
  const root = parse(text).root;
  if (root.kind !== 'object') throw new ParlaError('invalid_input', 'the JSON text is not an object', { param: 'json' });
  let node: Extract<Node, { kind: 'object' }> = root;
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    let entry = node.entries.find((e) => e.key === key);
    if (!entry) {
      entry = { key, keyText: literal(key, layout).text, value: { kind: 'object', entries: [] } };
      node.entries.push(entry);
    }
    if (last) entry.value = fromValue(value, layout);
    else {
      if (entry.value.kind !== 'object') entry.value = { kind: 'object', entries: [] };
      node = entry.value;
    }
  });
  return serialize(root, layout, 0) + (layout.finalNewline ? '\n' : '');
}
