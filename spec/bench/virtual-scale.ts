/**
 * Virtual scale (issue #13): N concurrent agent pairs on one virtual network
 * under one FastScheduler, all started at virtual time 0 with immediate
 * signalling; reports the wall time until every pair is connected, per N.
 * Target: 10,000 pairs in under 30 s, growing linearly.
 *
 *   BENCH_VIRTUAL=1000,3000,10000 npm run bench   (after the normal sections)
 *   npx tsx spec/bench/virtual-scale.ts 1000 3000 10000
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { IceAgent } from '../../lib/agent.js';
import { connectAgents, FastScheduler, VirtualNetwork } from '../../lib/testing/index.js';
import { fmt, table } from './report.js';

/** What one size measured. */
export interface ScaleResult {
  readonly pairs: number;
  readonly connected: number;
  /** Wall ms from the first agent created to the last pair connected. */
  readonly wallMs: number;
  /** CPU ms (user + system) over the same interval. */
  readonly cpuMs: number;
  /** Virtual ms until the last pair connected. */
  readonly virtualMs: number;
  readonly actions: number;
  readonly peakQueue: number;
  readonly heapMB: number;
}

function address(i: number): string {
  return `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
}

/** Runs `pairs` concurrent sessions to `connected` (gives up at 60 virtual s). */
export function runScale(pairs: number): ScaleResult {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const scheduler = new FastScheduler();
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const agents: IceAgent[] = [];
  let connected = 0;
  for (let i = 0; i < pairs; i++) {
    const a = new IceAgent({
      role: 'controlling',
      transport: net.createHost(`a${i}`, { addresses: [address(2 * i + 1)] }),
      scheduler,
      interfacePollInterval: 0,
    });
    const b = new IceAgent({
      role: 'controlled',
      transport: net.createHost(`b${i}`, { addresses: [address(2 * i + 2)] }),
      scheduler,
      interfacePollInterval: 0,
    });
    let done = false;
    a.connectionState$.subscribe((state) => {
      if (!done && (state === 'connected' || state === 'completed')) {
        done = true;
        connected++;
      }
    });
    connectAgents(a, b, { scheduler });
    agents.push(a, b);
  }
  scheduler.runUntil(() => connected === pairs, 60_000);
  const cpu = process.cpuUsage(cpuBefore);
  const result: ScaleResult = {
    pairs,
    connected,
    wallMs: performance.now() - started,
    cpuMs: (cpu.user + cpu.system) / 1000,
    virtualMs: scheduler.now(),
    actions: scheduler.executed,
    peakQueue: scheduler.peakSize,
    heapMB: process.memoryUsage().heapUsed / 2 ** 20,
  };
  for (const agent of agents) agent.stop();
  return result;
}

/** Runs each size in turn and prints one table row per size. */
export function virtualScale(sizes: readonly number[]): ScaleResult[] {
  console.log(
    `[5] virtual scale: N concurrent agent pairs, one virtual network, one FastScheduler, 10 ms links; ` +
      'wall time until all connected (target: 10,000 < 30 s, linear)',
  );
  const results = sizes.map(runScale);
  const rows = results.map((r) => [
    fmt(r.pairs),
    `${fmt(r.connected)}`,
    `${fmt(r.wallMs / 1000, 2)} s`,
    `${fmt(r.cpuMs / 1000, 2)} s`,
    `${fmt((r.wallMs / r.pairs) * 1000, 0)} µs`,
    `${fmt(r.virtualMs)} ms`,
    fmt(r.actions),
    fmt(r.peakQueue),
    `${fmt(r.heapMB, 0)} MB`,
  ]);
  console.log(
    table(
      ['pairs', 'connected', 'wall', 'CPU', 'wall/pair', 'virtual', 'actions', 'peak queue', 'heap'],
      rows,
    ),
  );
  const first = results[0];
  const last = results[results.length - 1];
  if (first && last && last.pairs > first.pairs) {
    const exponent = (a: number, b: number): number => Math.log(b / a) / Math.log(last.pairs / first.pairs);
    console.log(
      `    growth from ${fmt(first.pairs)} to ${fmt(last.pairs)} pairs: CPU ~ N^${fmt(exponent(first.cpuMs, last.cpuMs), 2)}, ` +
        `wall ~ N^${fmt(exponent(first.wallMs, last.wallMs), 2)} (1.00 = linear)`,
    );
  }
  console.log('');
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = process.argv.slice(2).map(Number);
  virtualScale(sizes.length > 0 ? sizes : [1000, 3000, 10_000]);
}
