/** Small queries over htmlparser2 DOM trees that ignore namespace prefixes (`dc:title`, `opf:meta`, `xhtml:p`). */
import { type AnyNode, type Element, isTag, isText } from 'domhandler';

/** Tag name without namespace prefix, lower case. */
export const localName = (el: Element): string => el.name.toLowerCase().replace(/^.*:/, '');

/** All descendant elements with the given local name, in document order. */
export function findAll(nodes: AnyNode[], name: string): Element[] {
  const out: Element[] = [];
  const visit = (list: AnyNode[]): void => {
    for (const n of list) {
      if (!isTag(n)) continue;
      if (localName(n) === name) out.push(n);
      visit(n.children);
    }
  };
  visit(nodes);
  return out;
}

export const findFirst = (nodes: AnyNode[], name: string): Element | undefined => findAll(nodes, name)[0];

/** Concatenated text of a node and its descendants. */
export function textOf(node: AnyNode): string {
  if (isText(node)) return node.data;
  if (isTag(node)) return node.children.map(textOf).join('');
  return '';
}

/** Attribute value by local name, so `opf:role` and `role` both answer `attr(el, 'role')`. */
export function attr(el: Element, name: string): string | undefined {
  if (name in el.attribs) return el.attribs[name];
  for (const [key, value] of Object.entries(el.attribs)) if (key.replace(/^.*:/, '') === name) return value;
  return undefined;
}
