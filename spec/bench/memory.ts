/**
 * Benchmark helper: heap of idle connected agents, and what `stop()` gives
 * back. Needs `gc()` (the bench runs under `--expose-gc`; without it, V8's
 * flag is set at run time and `gc` taken from a fresh context).
 *
 * - idle pairs: agent pairs on 127.0.0.1 (real UDP, `ta: 5`) held at once;
 * - after stop: N pairs on the virtual network (one FastScheduler) created,
 *   connected, stopped and dropped; the heap after forced GC is compared with
 *   the baseline taken before the first was created (the FastScheduler runs
 *   on until its queue is empty, so no timer keeps anything alive).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IceAgent } from '../../lib/agent.js';
import { connectAgents, FastScheduler, VirtualNetwork } from '../../lib/testing/index.js';
import { type AgentPair, connectPair } from './agents.js';

/** `gc()`, or undefined when it cannot be had. */
export function getGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as () => void;
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** heapUsed after a few event-loop turns and forced collections. */
export async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Heap of idle connected pairs on loopback. */
export interface IdleResult {
  readonly pairs: number;
  readonly connected: number;
  /** heapUsed per pair while held, bytes. */
  readonly heldPerPair: number;
  /** heapUsed above the baseline after all were stopped and dropped, bytes. */
  readonly afterStop: number;
}

/** `count` idle connected pairs on 127.0.0.1 (real UDP) held at once, then stopped. */
export async function idlePairs(gc: () => void, count: number): Promise<IdleResult> {
  (await connectPair({ ta: 5 })).stop(); // module-level state does not count against the first pair
  const base = await settledHeap(gc);
  const pairs: AgentPair[] = [];
  for (let i = 0; i < count; i++) {
    try {
      pairs.push(await connectPair({ ta: 5 }));
    } catch {
      // counted through pairs.length
    }
  }
  await new Promise((r) => setTimeout(r, 500)); // nomination and completion done: idle
  const held = await settledHeap(gc);
  const connected = pairs.length;
  for (const p of pairs) p.stop();
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

/** Heap before, with N connected virtual pairs, and after they were stopped. */
export interface StopResult {
  readonly pairs: number;
  readonly connected: number;
  /** heapUsed per pair while connected, bytes. */
  readonly heldPerPair: number;
  /** heapUsed above the baseline after stop() and GC, bytes (total). */
  readonly afterStop: number;
}

/**
 * Creates `count` virtual pairs, connects them, weighs them (forced GC, when
 * `gc` is given), stops them and lets the scheduler run out; synchronous, so
 * that nothing of the run stays referenced from an async frame.
 */
function virtualRound(count: number, gc?: () => void): { connected: number; held: number } {
  const scheduler = new FastScheduler();
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const agents: IceAgent[] = [];
  let connected = 0;
  const host = (name: string, n: number) =>
    net.createHost(name, { addresses: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`] });
  for (let i = 0; i < count; i++) {
    const options = { scheduler, interfacePollInterval: 0 } as const;
    const a = new IceAgent({ ...options, role: 'controlling', transport: host(`a${i}`, 2 * i + 1) });
    const b = new IceAgent({ ...options, role: 'controlled', transport: host(`b${i}`, 2 * i + 2) });
    let done = false;
    a.connectionState$.subscribe((s) => {
      if (!done && (s === 'connected' || s === 'completed')) {
        done = true;
        connected++;
      }
    });
    connectAgents(a, b, { scheduler });
    agents.push(a, b);
  }
  scheduler.runUntil(() => connected === count, 60_000);
  gc?.();
  const held = process.memoryUsage().heapUsed;
  for (const agent of agents) agent.stop();
  scheduler.flush(120_000); // whatever stop() left queued runs out
  return { connected, held };
}

/** Creates `count` virtual pairs, connects them, stops them, and weighs what stays. */
export async function afterStop(gc: () => void, count: number): Promise<StopResult> {
  virtualRound(count); // warm-up of the same size: JIT code is not what stop() leaves behind
  const base = await settledHeap(gc);
  const { connected, held } = virtualRound(count, gc);
  const released = await settledHeap(gc);
  return {
    pairs: count,
    connected,
    heldPerPair: (held - base) / Math.max(connected, 1),
    afterStop: released - base,
  };
}
