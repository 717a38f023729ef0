/**
 * A short memory of strings (ufrags): the last few, oldest first, each once.
 * @internal
 * @module
 */

/** Appends `item` to `list` unless it is there already, dropping the oldest beyond `keep`. */
export function remember(list: string[], item: string, keep: number): void {
  if (list.includes(item)) return;
  if (list.push(item) > keep) list.shift();
}
