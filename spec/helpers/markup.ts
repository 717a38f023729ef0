/**
 * A strict little parser for the markup `renderTimeline` writes (HTML with inline SVG, every
 * element closed or self-closed): a tree of elements with their attributes and text, and an
 * error on any tag that does not nest. Enough to count rows and marks without a DOM.
 */

/** An element. */
export interface MarkupNode {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: MarkupNode[];
  /** The text directly inside it, entities decoded. */
  text: string;
}

const VOID = new Set(['meta', 'br', 'link', 'img', 'input', 'hr']);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ENTITIES[e] ?? '');

/** Parses `markup`; throws when a tag does not close what it should. */
export function parseMarkup(markup: string): MarkupNode {
  const root: MarkupNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: MarkupNode[] = [root];
  const tag =
    /<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of markup.matchAll(tag)) {
    const top = stack.at(-1) as MarkupNode;
    if (m[6] !== undefined) throw new Error(`stray "<" at ${m.index}`);
    if (m[5] !== undefined) {
      top.text += decode(m[5]);
    } else if (m[1] !== undefined) {
      if (top.name !== m[1]) throw new Error(`</${m[1]}> closes <${top.name}> at ${m.index}`);
      stack.pop();
    } else if (m[2] !== undefined) {
      const attrs: Record<string, string> = {};
      for (const a of (m[3] ?? '').matchAll(/([\w:-]+)="([^"]*)"/g))
        attrs[a[1] as string] = decode(a[2] ?? '');
      const node: MarkupNode = { name: m[2], attrs, children: [], text: '' };
      top.children.push(node);
      if (m[4] !== '/' && !VOID.has(m[2])) stack.push(node);
    }
  }
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)?.name}> never closed`);
  return root;
}

/** Every element under `node` (depth first) that `test` accepts. */
export function findAll(node: MarkupNode, test: (n: MarkupNode) => boolean): MarkupNode[] {
  const out: MarkupNode[] = [];
  const walk = (n: MarkupNode) => {
    for (const c of n.children) {
      if (test(c)) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** Elements with class `name` among their classes. */
export const byClass =
  (name: string) =>
  (n: MarkupNode): boolean =>
    (n.attrs.class ?? '').split(/\s+/).includes(name);

/** The text of `node` and everything under it. */
export function textOf(node: MarkupNode): string {
  return node.text + node.children.map(textOf).join('');
}
