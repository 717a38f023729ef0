/**
 * Benchmark helper: werift-ice side of the scale and memory figures (issue
 * #13, targets 5 and 6). `Connection` pairs in this process on 127.0.0.1
 * (real UDP, one socket per Connection), set up the way setup.ts does: both
 * gather, each gets the other's parameters and 127.0.0.1 candidates, both
 * `connect()`.
 *
 * - scale: N pairs started at once, for N in increasing sizes; wall time from
 *   the first constructor until every pair connected, then heap per pair
 *   (after forced GC). Each size has a time budget; the first size that does
 *   not get all pairs connected within it, or the section's total budget
 *   running out, ends the ladder. Failures are reported, never thrown.
 * - idle: `count` idle connected pairs held at once, heapUsed per pair after
 *   forced GC, as memory.ts measures rx-ice.
 */
import { performance } from 'node:perf_hooks';
import * as werift from 'werift-ice';
import { settledHeap } from './memory.js';
import { exchangeWeriftParams } from './setup.js';

const OPTIONS = {
  useIpv4: true,
  useIpv6: false,
  interfaceAddresses: { udp4: '127.0.0.1' },
  additionalHostAddresses: ['127.0.0.1'],
};

interface Pair {
  readonly a: werift.Connection;
  readonly b: werift.Connection;
}

/** Resolves with the pair once both connected; rejects on failure (werift's own timeouts). */
async function connectPair(pair: Pair): Promise<void> {
  const { a, b } = pair;
  await Promise.all([a.gatherCandidates(), b.gatherCandidates()]);
  await exchangeWeriftParams(a, b);
  await exchangeWeriftParams(b, a);
  await Promise.all([a.connect(), b.connect()]);
}

/**
 * A Connection on 127.0.0.1 only. werift-ice falls back to stun.l.google.com
 * when no STUN server is given: gathering would resolve and query it (traffic
 * off the machine, and a gathering timeout per Connection when unreachable).
 */
function loopbackConnection(controlling: boolean): werift.Connection {
  const connection = new werift.Connection(controlling, OPTIONS);
  connection.stunServer = undefined;
  return connection;
}

const newPair = (): Pair => ({ a: loopbackConnection(true), b: loopbackConnection(false) });

async function closeAll(pairs: readonly Pair[]): Promise<void> {
  await Promise.allSettled(pairs.flatMap((p) => [p.a.close(), p.b.close()]));
}

/** Settles `promise` or gives up after `ms` (the promise keeps running; its result is ignored). */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.then(
      () => true,
      () => false,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** What one size of the werift-ice ladder measured. */
export interface WeriftScaleStep {
  readonly pairs: number;
  readonly connected: number;
  /** Wall ms from the first constructor to the last pair connected (or the budget). */
  readonly wallMs: number;
  /** heapUsed per connected pair (two Connections), KiB, after forced GC; undefined without gc. */
  readonly heapPerPairKiB: number | undefined;
  readonly failure?: string;
}

export interface WeriftScaleResult {
  readonly steps: WeriftScaleStep[];
  /** The largest size at which every pair connected, and its step. */
  readonly largest: WeriftScaleStep | undefined;
  /** Sizes not tried because the total budget ran out or a smaller size failed. */
  readonly skipped: number[];
}

export interface WeriftScaleOptions {
  readonly sizes: readonly number[];
  /** Wall budget per size, ms. */
  readonly budgetMs: number;
  /** Wall budget for the whole ladder, ms (a size is not started past it). */
  readonly totalBudgetMs: number;
  readonly gc?: () => void;
}

/** N werift-ice pairs at once on 127.0.0.1, for increasing N. */
export async function weriftScale(o: WeriftScaleOptions): Promise<WeriftScaleResult> {
  const steps: WeriftScaleStep[] = [];
  const skipped: number[] = [];
  const sectionStarted = performance.now();
  let stopped = false;
  for (const n of o.sizes) {
    if (stopped || performance.now() - sectionStarted > o.totalBudgetMs) {
      skipped.push(n);
      continue;
    }
    const base = o.gc ? await settledHeap(o.gc) : 0;
    const pairs: Pair[] = [];
    let connected = 0;
    let failure: string | undefined;
    const started = performance.now();
    let lastAt = started;
    try {
      for (let i = 0; i < n; i++) pairs.push(newPair());
      const all = Promise.all(
        pairs.map((p) =>
          connectPair(p).then(() => {
            connected++;
            lastAt = performance.now();
          }),
        ),
      );
      const ok = await within(all, o.budgetMs);
      if (!ok) {
        failure =
          connected < n
            ? `${connected}/${n} connected within ${(o.budgetMs / 1000).toFixed(0)} s`
            : 'a pair failed';
      }
    } catch (err) {
      failure = (err as Error).message;
    }
    const wallMs = failure ? performance.now() - started : lastAt - started;
    const heapPerPairKiB =
      o.gc && connected > 0 ? ((await settledHeap(o.gc)) - base) / connected / 1024 : undefined;
    await closeAll(pairs);
    pairs.length = 0;
    await new Promise((r) => setTimeout(r, 200)); // sockets closed, timers cancelled
    steps.push({ pairs: n, connected, wallMs, heapPerPairKiB, ...(failure ? { failure } : {}) });
    if (failure) stopped = true;
  }
  const largest = steps.filter((s) => s.failure === undefined && s.connected === s.pairs).at(-1);
  return { steps, largest, skipped };
}

/** Heap of idle connected werift-ice pairs on loopback (as memory.ts's idlePairs for rx-ice). */
export interface WeriftIdleResult {
  readonly pairs: number;
  readonly connected: number;
  /** heapUsed per pair while held, bytes. */
  readonly heldPerPair: number;
  /** heapUsed above the baseline after all were closed and dropped, bytes. */
  readonly afterStop: number;
}

/** `count` idle connected werift-ice pairs on 127.0.0.1 held at once, then closed. */
export async function weriftIdlePairs(gc: () => void, count: number): Promise<WeriftIdleResult> {
  {
    const warm = newPair(); // module-level state does not count against the first pair
    await within(connectPair(warm), 10_000);
    await closeAll([warm]);
  }
  const base = await settledHeap(gc);
  const pairs: Pair[] = [];
  let connected = 0;
  for (let i = 0; i < count; i++) {
    const pair = newPair();
    if (await within(connectPair(pair), 10_000)) {
      pairs.push(pair);
      connected++;
    } else await closeAll([pair]); // not held: counted as not connected
  }
  await new Promise((r) => setTimeout(r, 500)); // nomination done: idle
  const held = await settledHeap(gc);
  await closeAll(pairs);
  pairs.length = 0;
  await new Promise((r) => setTimeout(r, 50));
  const released = await settledHeap(gc);
  return {
    pairs: count,
    connected,
    heldPerPair: (held - base) / Math.max(connected, 1),
    afterStop: released - base,
  };
}
