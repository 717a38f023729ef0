/**
 * Link conditions of the virtual network: set per pair of node names (or `'*'`),
 * resolved per field with wildcards and defaults, cached until the next change.
 */
import type { LinkConditions } from './network-types.js';

/** Fully resolved conditions of one link. */
export interface ResolvedLink {
  readonly latency: number;
  readonly loss: number;
  readonly down: boolean;
  readonly jitter: number;
  readonly duplicate: number;
  readonly reorder: number;
}

/** Throws `error(message)` when a condition has the wrong type or range. */
export function checkConditions(c: LinkConditions, error: (message: string) => Error): void {
  if (c.latency !== undefined && !(Number.isFinite(c.latency) && c.latency >= 0))
    throw error(`latency must be a finite number >= 0, got ${String(c.latency)}`);
  if (c.loss !== undefined && !(typeof c.loss === 'number' && c.loss >= 0 && c.loss <= 1))
    throw error(`loss must be within 0..1, got ${String(c.loss)}`);
  if (c.down !== undefined && typeof c.down !== 'boolean') throw error('down must be a boolean');
  if (c.jitter !== undefined && !(Number.isFinite(c.jitter) && c.jitter >= 0))
    throw error(`jitter must be a finite number >= 0, got ${String(c.jitter)}`);
  for (const k of ['duplicate', 'reorder'] as const) {
    const v = c[k];
    if (v !== undefined && !(typeof v === 'number' && v >= 0 && v <= 1))
      throw error(`${k} must be within 0..1, got ${String(v)}`);
  }
}

/**
 * Symmetric links between named nodes. A field unset on the exact pair falls
 * back to `(a, '*')`, then `(b, '*')`, then `('*', '*')`, then the defaults.
 */
export class LinkTable {
  readonly #links = new Map<string, LinkConditions>();
  readonly #resolved = new Map<string, ResolvedLink>();

  constructor(readonly defaults: ResolvedLink) {}

  /** Merges `conditions` into what was set before for the pair `(a, b)`. */
  set(a: string, b: string, conditions: LinkConditions): void {
    const key = pairKey(a, b);
    const merged: Record<string, unknown> = { ...this.#links.get(key) };
    for (const [k, v] of Object.entries(conditions)) if (v !== undefined) merged[k] = v;
    this.#links.set(key, merged as LinkConditions);
    this.#resolved.clear();
  }

  /** The conditions between nodes `a` and `b`. */
  resolve(a: string, b: string): ResolvedLink {
    const key = pairKey(a, b);
    let resolved = this.#resolved.get(key);
    if (resolved === undefined) {
      const layers = [
        this.#links.get(key),
        this.#links.get(pairKey(a, '*')),
        this.#links.get(pairKey(b, '*')),
        this.#links.get(pairKey('*', '*')),
      ];
      const pick = <K extends keyof ResolvedLink>(k: K): ResolvedLink[K] => {
        for (const l of layers) if (l?.[k] !== undefined) return l[k] as ResolvedLink[K];
        return this.defaults[k];
      };
      resolved = {
        latency: pick('latency'),
        loss: pick('loss'),
        down: pick('down'),
        jitter: pick('jitter'),
        duplicate: pick('duplicate'),
        reorder: pick('reorder'),
      };
      this.#resolved.set(key, resolved);
    }
    return resolved;
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}
