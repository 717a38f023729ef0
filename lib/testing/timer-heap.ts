/**
 * A binary min-heap of timers keyed by (time, sequence): O(log n) insert,
 * pop and removal of any entry (each entry knows its index), so cancelled
 * timers leave the heap at once instead of piling up.
 */

/** An entry of a {@link TimerHeap}: the heap keeps `heapIndex` current (-1 when not queued). */
export interface HeapEntry {
  /** Due time. */
  time: number;
  /** Tie-breaker: lower runs first at equal times (FIFO when taken from a counter). */
  seq: number;
  /** Position in the heap, -1 when not queued. */
  heapIndex: number;
}

/** Min-heap of {@link HeapEntry} ordered by `time`, then `seq`. */
export class TimerHeap<T extends HeapEntry> {
  readonly #items: T[] = [];

  /** Number of queued entries. */
  get size(): number {
    return this.#items.length;
  }

  /** The earliest entry, without removing it. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Queues `entry` (which must not be queued already). */
  push(entry: T): void {
    entry.heapIndex = this.#items.length;
    this.#items.push(entry);
    this.#up(entry.heapIndex);
  }

  /** Removes and returns the earliest entry. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Removes `entry` if it is queued; O(log n). */
  remove(entry: T): void {
    const i = entry.heapIndex;
    if (i < 0 || this.#items[i] !== entry) return;
    const last = this.#items.pop() as T;
    entry.heapIndex = -1;
    if (last === entry) return;
    this.#items[i] = last;
    last.heapIndex = i;
    this.#down(i);
    this.#up(last.heapIndex);
  }

  /** Drops every entry. */
  clear(): void {
    for (const e of this.#items) e.heapIndex = -1;
    this.#items.length = 0;
  }

  #less(a: T, b: T): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  #up(i: number): void {
    const items = this.#items;
    const e = items[i] as T;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as T;
      if (!this.#less(e, parent)) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = e;
    e.heapIndex = i;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const e = items[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.#less(items[r] as T, items[l] as T)) c = r;
      const child = items[c] as T;
      if (!this.#less(child, e)) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = e;
    e.heapIndex = i;
  }
}
