/**
 * Markup helpers: every text that reaches the page goes through {@link escapeXml} (the trace is
 * untrusted input), and numbers are rounded so the page stays small.
 * @internal
 * @module
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `text` safe inside an element or a quoted attribute of HTML or SVG. */
export function escapeXml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** A coordinate: at most one decimal. */
export function px(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Attributes as ` name="value"`, values escaped; undefined values left out. */
export function attrs(values: Readonly<Record<string, string | number | undefined>>): string {
  let out = '';
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out += ` ${name}="${escapeXml(typeof value === 'number' ? px(value) : value)}"`;
  }
  return out;
}

/** An element: `<name attrs>children</name>`, or self-closed without children. */
export function el(
  name: string,
  values: Readonly<Record<string, string | number | undefined>>,
  children?: string,
): string {
  return children === undefined
    ? `<${name}${attrs(values)}/>`
    : `<${name}${attrs(values)}>${children}</${name}>`;
}

/** A `<text>` element with escaped content. */
export function text(
  x: number,
  y: number,
  content: string,
  values: Readonly<Record<string, string | number | undefined>> = {},
): string {
  return el('text', { x, y, ...values }, escapeXml(content));
}

/** `text` cut to `max` characters with an ellipsis. */
export function truncate(content: string, max: number): string {
  return content.length <= max ? content : `${content.slice(0, Math.max(0, max - 1))}…`;
}
