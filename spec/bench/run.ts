/**
 * rx-ice benchmark report (not a test: no thresholds, always informational).
 *
 *   npm run bench          (tsx --expose-gc spec/bench/run.ts)
 *
 * 1. Data path (datapath.ts): 1200-byte datagrams over the selected host pair
 *    of two connected rx-ice agents on 127.0.0.1, vs two raw `node:dgram`
 *    sockets and vs two werift-ice `Connection`s, same send pattern (see
 *    throughput.ts), rounds interleaved (ABC CBA ...): wall rate and CPU per
 *    datagram, then ping-pong RTT (rtt.ts); medians, ratios per round and of
 *    the medians, against issue #13's targets (0.9x raw, 1.0x werift-ice,
 *    RTT 1.1x raw).
 * 2. Time to connected (setup.ts): rx-ice with defaults and with `ta: 5`,
 *    werift-ice and aioice, interleaved, on 127.0.0.1; the clock runs from
 *    both sides able to check to both connected. Default vs Ta + 3 RTT.
 * 3. Memory (memory.ts): heap per idle connected pair (real UDP), and heap
 *    left after N virtual pairs were created, connected and stopped.
 * 4. Checks: CPU per answered Binding request, rx-ice vs werift-ice
 *    (in-process and over loopback UDP, see checks.ts), and per rejected
 *    message (64 KiB of 16k attributes; wrong MESSAGE-INTEGRITY).
 * 5. Virtual scale (virtual-scale.ts): N concurrent pairs on the virtual
 *    network under one FastScheduler, wall and CPU time until all connected.
 *
 * 6. Trace: CPU per answered check and per received datagram with nobody
 *    subscribed to `trace$` vs one subscriber, rounds interleaved, and the
 *    ratio (see trace.ts).
 *
 * 7. Mux: CPU per datagram routed through a UdpMux vs the direct-socket path
 *    (same run, interleaved), then BENCH_MUX_SESSIONS (1000) sessions on one
 *    port started in batches of BENCH_MUX_BATCH (100): time until all
 *    connected, heap per session (see mux.ts); all real UDP on 127.0.0.1.
 *    Then werift-ice side by side (werift-scale.ts): Connection pairs on
 *    127.0.0.1 at BENCH_WERIFT_SCALE sizes (100,200,500,1000,2000) started at once,
 *    BENCH_WERIFT_SCALE_BUDGET s (60) per size and BENCH_WERIFT_SCALE_TOTAL s
 *    (150) for the ladder: largest N all connected, its time and heap per pair.
 *    The memory section weighs BENCH_IDLE_PAIRS idle werift-ice pairs too.
 *
 * Ends with one JSON line (`BENCH_JSON {...}`) and a markdown table of the
 * headline figures, both also written to BENCH_OUT (default `bench-results/`,
 * gitignored) as bench.json and bench.md.
 *
 * Traffic goes to 127.0.0.1 only. Env overrides: BENCH_N (datagrams per
 * throughput run, default 100000), BENCH_RTT (ping-pong round trips per side,
 * 1000, spread over the rounds), BENCH_ROUNDS (5), BENCH_PAIRS (setup rounds,
 * 30), BENCH_IDLE_PAIRS (20), BENCH_STOP_PAIRS (1000), BENCH_CHECK_ROUNDS (5),
 * BENCH_CHECKS (20000 injected per round and side), BENCH_UDP_CHECKS (5000 over
 * UDP per round and side), BENCH_VIRTUAL (sizes, default 1000,3000,10000),
 * BENCH_TRACE_ITEMS (20000 checks and datagrams per round and side), BENCH_MUX_N
 * (datagrams per mux CPU run, default 50000), BENCH_ONLY (comma-separated
 * sections: throughput,setup,memory,checks,virtual,trace,mux),
 * BENCH_OUT (folder for bench.json and bench.md; `-` writes nothing).
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type ChecksResult, checksSection } from './checks.js';
import { type DataPathResult, dataPathSection, type RatioName } from './datapath.js';
import { printDataPath, verdict } from './datapath-report.js';
import { headlineTable, machineLine, writeResults } from './headline.js';
import { afterStop, getGc, type IdleResult, idlePairs, type StopResult } from './memory.js';
import { type MuxResult, muxSection } from './mux.js';
import { fmt, markdownTable, median, table } from './report.js';
import { measureSetup, type SetupResult } from './setup.js';
import type { PumpOptions } from './throughput.js';
import { type TraceFigures, traceSection } from './trace.js';
import { virtualScale } from './virtual-scale.js';
import {
  type WeriftIdleResult,
  type WeriftScaleResult,
  weriftIdlePairs,
  weriftScale,
} from './werift-scale.js';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

const TOTAL = envInt('BENCH_N', 100_000);
const ROUNDS = envInt('BENCH_ROUNDS', 5);
const PAIRS = envInt('BENCH_PAIRS', 30);
const IDLE_PAIRS = envInt('BENCH_IDLE_PAIRS', 20);
const CHECK_ROUNDS = envInt('BENCH_CHECK_ROUNDS', 5);
const CHECKS = envInt('BENCH_CHECKS', 20_000);
const UDP_CHECKS = envInt('BENCH_UDP_CHECKS', 5000);
const TRACE_ITEMS = envInt('BENCH_TRACE_ITEMS', 20_000);
const MUX_SESSIONS = envInt('BENCH_MUX_SESSIONS', 1000);
const MUX_BATCH = envInt('BENCH_MUX_BATCH', 100);
const MUX_N = envInt('BENCH_MUX_N', 50_000);
const RTT_TRIPS = envInt('BENCH_RTT', 1000);
// werift-ice pairs at once on 127.0.0.1, in increasing sizes, each with a wall budget; the ladder has one in total.
const WERIFT_SCALE = (process.env.BENCH_WERIFT_SCALE ?? '100,200,500,1000,2000')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error('BENCH_WERIFT_SCALE must list positive integers');
    return n;
  });
const WERIFT_SCALE_BUDGET_S = envInt('BENCH_WERIFT_SCALE_BUDGET', 60);
const WERIFT_SCALE_TOTAL_S = envInt('BENCH_WERIFT_SCALE_TOTAL', 150);
const CHECK_TARGET = 0.7;
const DATAGRAM = 1200;

const PUMP: Omit<PumpOptions, 'total'> = {
  burst: 32, // libuv reads at most ~32 datagrams per socket wake-up: bursts above that only queue
  window: 256, // ≈300 kB in flight, well under the 1 MiB (kernel-doubled) receive buffers
  payload: Buffer.alloc(DATAGRAM, 0x80), // first byte ≥ 4: never mistaken for STUN (RFC 7983)
  stallMs: 50,
  quietMs: 200,
};

const STOP_PAIRS = envInt('BENCH_STOP_PAIRS', 1000);
const VIRTUAL = (process.env.BENCH_VIRTUAL ?? '1000,3000,10000')
  .split(',')
  .filter((s) => s.trim() !== '')
  .map((s) => {
    const n = Number(s);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error('BENCH_VIRTUAL must list positive integers');
    return n;
  });

// A wedged agent must not hang the report forever (the virtual scale section gets 60 s per 1,000 pairs more).
const only = new Set(
  (process.env.BENCH_ONLY ?? 'throughput,setup,memory,checks,virtual,trace,mux')
    .split(',')
    .map((x) => x.trim()),
);
// The mux section gets 60 s per 100 sessions more (it is patient with a loaded machine).
const watchdogMs =
  290_000 +
  VIRTUAL.reduce((sum, n) => sum + 60 * n, 0) +
  (only.has('mux') ? 600 * MUX_SESSIONS + 1000 * (WERIFT_SCALE_TOTAL_S + WERIFT_SCALE_BUDGET_S + 30) : 0);
const watchdog = setTimeout(() => {
  console.error(`\nbench: gave up after ${watchdogMs / 1000} s (something did not finish)`);
  process.exit(1);
}, watchdogMs);
watchdog.unref();

const benchStarted = performance.now();
console.log('rx-ice benchmark (informational; no thresholds)');
console.log(`  node ${process.version} (${process.platform}/${process.arch}), V8 ${process.versions.v8}`);
console.log(`  cpu  ${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`);
console.log('');

// ---- 1. throughput ------------------------------------------------------------------

async function throughput(): Promise<DataPathResult> {
  console.log(
    `[1] data path: ${fmt(TOTAL)} x ${DATAGRAM}-byte datagrams per run, 127.0.0.1 -> 127.0.0.1, raw dgram vs ` +
      `rx-ice vs werift-ice, ${ROUNDS} rounds interleaved (ABC CBA ...) after one warm-up each; then per round ` +
      `and side ${fmt(Math.ceil(RTT_TRIPS / ROUNDS))} ping-pong round trips (32 bytes, one in flight)`,
  );
  console.log(
    `    pattern: bursts of <= ${PUMP.burst} then setImmediate, <= ${PUMP.window} in flight; ` +
      'sender and receiver on one thread; receiver only counts; 1 MiB socket buffers for all; ' +
      'CPU = process.cpuUsage() per datagram received (send + receive, both ends in this process)',
  );
  const r = await dataPathSection({ rounds: ROUNDS, total: TOTAL, roundTrips: RTT_TRIPS, pump: PUMP });
  printDataPath(r);
  return r;
}

// ---- 2. time to connected ------------------------------------------------------------

async function timeToConnected(): Promise<SetupResult> {
  console.log(
    `[2] time to connected: ${PAIRS} rounds, 127.0.0.1 (real UDP), sides interleaved; clock from both sides ` +
      'having the remote credentials and a first remote candidate to both connected (see setup.ts)',
  );
  const r = await measureSetup(PAIRS);
  console.log(
    table(
      ['side', 'ok', 'median ms'],
      Object.keys(r.medians).map((name) => [
        name,
        `${r.ok[name]}/${PAIRS}`,
        fmt(r.medians[name] as number, 2),
      ]),
    ),
  );
  const d = r.medians['rx-ice default'] as number;
  const f = r.medians['rx-ice ta: 5'] as number;
  console.log(
    `    RTT over the selected pair (median): ${fmt(r.rttMs, 3)} ms; default target Ta + 3 RTT = ` +
      `${fmt(r.defaultTargetMs, 2)} ms -> ${d <= r.defaultTargetMs ? 'met' : `missed by ${fmt(d - r.defaultTargetMs, 2)} ms`}`,
  );
  console.log(
    `    lateness of a 50 ms setTimeout in the same rounds (median): ${fmt(r.timerLatenessMs, 2)} ms; ` +
      `default minus that lateness: ${fmt(d - r.timerLatenessMs, 2)} ms`,
  );
  for (const v of r.virtual) {
    console.log(
      `    in virtual time (no event loop), ${fmt(v.latency, 1)} ms one way: defaults connect in ${fmt(v.ms, 1)} ms ` +
        `(Ta + 3 RTT = ${fmt(v.targetMs, 1)} ms -> ${v.ms <= v.targetMs ? 'met' : 'missed'})`,
    );
  }
  for (const other of ['werift-ice', 'aioice']) {
    const m = r.medians[other];
    if (m !== undefined && Number.isFinite(m))
      console.log(`    ta: 5 / ${other}: ${fmt(f / m, 2)}x (${f < m ? 'faster' : 'not faster'})`);
  }
  for (const failure of [...new Set(r.failures)]) console.log(`    not measured: ${failure}`);
  console.log('');
  return r;
}

// ---- 3. memory ----------------------------------------------------------------------------

interface MemoryResult {
  readonly idle?: IdleResult;
  readonly stop?: StopResult;
  /** The same idle measurement for werift-ice Connection pairs. */
  readonly weriftIdle?: WeriftIdleResult;
}

async function memory(): Promise<MemoryResult> {
  console.log(
    `[3] memory: ${IDLE_PAIRS} idle connected pairs on 127.0.0.1 (ta: 5) held at once; ${fmt(STOP_PAIRS)} pairs on ` +
      'the virtual network created, connected, stopped; heapUsed after forced GC (native socket memory not included)',
  );
  const gc = getGc();
  if (!gc) {
    console.log('    skipped: could not obtain gc()\n');
    return {};
  }
  const idle = await idlePairs(gc, IDLE_PAIRS);
  const stop = await afterStop(gc, STOP_PAIRS);
  let weriftIdle: WeriftIdleResult | undefined;
  try {
    weriftIdle = await weriftIdlePairs(gc, IDLE_PAIRS);
  } catch (err) {
    console.log(`    werift-ice idle pairs not measured: ${(err as Error).message}`);
  }
  const kb = (bytes: number): string => fmt(bytes / 1024, 1);
  console.log(
    table(
      ['measure', 'KiB'],
      [
        [`heapUsed per idle pair, held (${idle.connected}/${idle.pairs} connected)`, kb(idle.heldPerPair)],
        [`heapUsed above baseline after those ${idle.pairs} stopped`, kb(idle.afterStop)],
        [
          `heapUsed per virtual pair, held (${fmt(stop.connected)}/${fmt(stop.pairs)} connected)`,
          kb(stop.heldPerPair),
        ],
        [`heapUsed above baseline after those ${fmt(stop.pairs)} stopped`, kb(stop.afterStop)],
        ...(weriftIdle
          ? [
              [
                `werift-ice: heapUsed per idle pair, held (${weriftIdle.connected}/${weriftIdle.pairs} connected)`,
                kb(weriftIdle.heldPerPair),
              ],
              [
                `werift-ice: heapUsed above baseline after those ${weriftIdle.pairs} closed`,
                kb(weriftIdle.afterStop),
              ],
            ]
          : []),
      ],
    ),
  );
  if (weriftIdle)
    console.log(
      `    heap per idle connected pair rx-ice / werift-ice: ${fmt(idle.heldPerPair / weriftIdle.heldPerPair, 3)}x ` +
        '(both sides of each pair in this process, one UDP socket per agent)',
    );
  console.log(
    `    after stop: ${fmt((100 * stop.afterStop) / (stop.heldPerPair * Math.max(stop.connected, 1)), 2)} % ` +
      'of what the connected pairs held stays (baseline taken after a warm-up run of the same size)',
  );
  console.log('');
  return { idle, stop, ...(weriftIdle ? { weriftIdle } : {}) };
}

// ---- 4. answering checks ---------------------------------------------------------------

async function checks(): Promise<ChecksResult> {
  console.log(
    `[4] checks: controlled agents connected to a scripted peer on 127.0.0.1; per round and side ${fmt(CHECKS)} ` +
      `signed Binding requests injected in-process (answers counted, not sent), 200 x 64 KiB/16k-attribute ` +
      `messages, ${fmt(CHECKS / 2)} checks with a wrong MESSAGE-INTEGRITY, and ${fmt(UDP_CHECKS)} checks over ` +
      `loopback UDP (<= 32 in flight); ${CHECK_ROUNDS} rounds interleaved (ABBA); CPU = process.cpuUsage() per item`,
  );
  const r = await checksSection({ rounds: CHECK_ROUNDS, injected: CHECKS, udp: UDP_CHECKS, median });
  const us = (v: number | undefined): string => (v === undefined ? 'n/a' : fmt(v, 1));
  const names = Object.keys(r.sides);
  console.log(
    table(
      ['CPU us per item (median)', ...names, 'rx-ice / werift-ice'],
      (
        [
          ['answered check, in-process', 'answeredInProcess'],
          ['answered check, loopback UDP', 'answeredUdp'],
          ['64 KiB / 16k-attribute message', 'oversized'],
          ['check with wrong integrity', 'forged'],
        ] as const
      ).map(([label, k]) => [
        label,
        ...names.map((n) => us(r.sides[n]?.[k])),
        fmt(r.ratios[k] ?? Number.NaN, 3),
      ]),
    ),
  );
  console.log(
    `    per-round ratios rx-ice/werift-ice, in-process: ${r.perRoundInProcess.map((v) => fmt(v, 3)).join(' ')} ` +
      `(median ${fmt(median(r.perRoundInProcess), 3)})`,
  );
  const floor = r.udpFloor;
  const rx = r.sides['rx-ice'];
  const wr = r.sides['werift-ice'];
  if (rx && wr && Number.isFinite(floor)) {
    console.log(
      `    loopback UDP floor (raw echo socket, same sender): ${fmt(floor, 1)} us per request; above the floor ` +
        `rx-ice ${fmt(rx.answeredUdp - floor, 1)} us, werift-ice ${fmt(wr.answeredUdp - floor, 1)} us ` +
        `(ratio ${fmt((rx.answeredUdp - floor) / (wr.answeredUdp - floor), 3)})`,
    );
  }
  const ratio = r.ratios.answeredInProcess;
  if (ratio !== undefined) {
    console.log(
      `    answered in-process rx-ice/werift-ice: ${fmt(ratio, 3)}x -> ` +
        `${ratio <= CHECK_TARGET ? 'target met' : 'above target'} (target <= ${CHECK_TARGET}x)`,
    );
  }
  for (const [name, s] of Object.entries(r.sides)) {
    if (s.incompleteUdpRounds > 0)
      console.log(
        `    ${name}: ${s.incompleteUdpRounds} UDP round(s) not fully answered (lost or stalled; reported)`,
      );
  }
  for (const f of r.failures) console.log(`    not measured: ${f}`);
  console.log('');
  return r;
}

// ---- 6. trace ------------------------------------------------------------------------------

async function trace(): Promise<(TraceFigures & { checksRatio: number; dataRatio: number }) | undefined> {
  console.log(
    `[6] trace$: ${fmt(TRACE_ITEMS)} checks and ${fmt(TRACE_ITEMS)} 1200-byte datagrams injected per round, ` +
      `${CHECK_ROUNDS} rounds, no subscriber vs one subscriber interleaved (ABBA), CPU per item`,
  );
  const f = await traceSection({ rounds: CHECK_ROUNDS, items: TRACE_ITEMS, median });
  const checksRatio = f.checksOn / f.checksOff;
  const dataRatio = f.dataOn / f.dataOff;
  console.log(
    table(
      ['item', 'no subscriber (us)', 'one subscriber (us)', 'ratio on/off'],
      [
        ['answered check', fmt(f.checksOff, 2), fmt(f.checksOn, 2), fmt(checksRatio, 3)],
        ['received datagram', fmt(f.dataOff, 2), fmt(f.dataOn, 2), fmt(dataRatio, 3)],
      ],
    ),
  );
  console.log(`    trace events per answered check with a subscriber: ${fmt(f.eventsPerCheck, 2)}`);
  console.log('');
  return { ...f, checksRatio, dataRatio };
}

// ---- 7. mux ----------------------------------------------------------------------------

async function mux(): Promise<MuxResult> {
  console.log(
    `[7] mux: CPU per datagram (${DATAGRAM} bytes, ${fmt(MUX_N)} per run) plain agent -> agent on a UdpMux ` +
      `holding ${fmt(MUX_SESSIONS)} ufrags, vs plain agent -> plain agent, ${ROUNDS} rounds interleaved (ABBA); ` +
      `then ${fmt(MUX_SESSIONS)} sessions on one port (batches of ${MUX_BATCH}) to as many plain agents`,
  );
  const r = await muxSection({
    sessions: MUX_SESSIONS,
    batch: MUX_BATCH,
    rounds: ROUNDS,
    pump: { ...PUMP, total: MUX_N },
    median,
  });
  console.log(
    table(
      ['measure', 'value'],
      [
        ['CPU us per datagram, through the mux (median)', fmt(r.cpuMux, 2)],
        ['CPU us per datagram, direct socket (median)', fmt(r.cpuDirect, 2)],
        ['mux / direct (median of per-round ratios)', fmt(r.cpuRatio, 3)],
        [`sessions connected on one port`, `${r.connected}/${r.sessions}`],
        ['time until all connected, s', r.connectMs === undefined ? 'n/a' : fmt(r.connectMs / 1000, 1)],
        [
          'heap per mux session, KiB (agent + virtual socket + routes)',
          r.heapPerSessionKiB === undefined ? 'n/a' : fmt(r.heapPerSessionKiB, 1),
        ],
      ],
    ),
  );
  console.log(`    per-round ratios mux/direct: ${r.perRoundRatios.map((v) => fmt(v, 3)).join(' ')}`);
  console.log(
    `    real loopback: ${r.loopbackPairs}/${r.connected} selected pairs run from the mux at ` +
      `${r.muxAddress}:${r.muxPort} to 127.0.0.1 (${fmt(r.distinctPeerPorts)} distinct peer ports)`,
  );
  for (const f of r.failures.slice(0, 5)) console.log(`    failure: ${f}`);
  console.log('');
  return r;
}

/** `rx-ice/raw wall 0.950x, met (>= 0.90x), ...; rx-ice/werift-ice wall ...` */
function dataPathSummary(r: DataPathResult | undefined): string {
  const part = (label: string, k: RatioName, sense: '>=' | '<='): string => {
    const x = r?.ratios[k];
    return x ? `${label} ${fmt(x.value, 3)}x, ${verdict(x, sense)}` : `${label} n/a`;
  };
  return (
    `rx-ice/raw ${[part('wall', 'wallVsRaw', '>='), part('CPU', 'cpuVsRaw', '<='), part('RTT', 'rttVsRaw', '<=')].join(', ')}; ` +
    `rx-ice/werift-ice ${[part('wall', 'wallVsWerift', '>='), part('CPU', 'cpuVsWerift', '<=')].join(', ')}`
  );
}

/** werift-ice at increasing N on 127.0.0.1, next to the mux's sessions (issue #13, target 5). */
async function weriftLadder(): Promise<WeriftScaleResult> {
  console.log(
    `[7b] werift-ice scale: ${WERIFT_SCALE.map((n) => fmt(n)).join(', ')} Connection pairs at once, both sides in ` +
      `this process on 127.0.0.1 (one socket per Connection); ${WERIFT_SCALE_BUDGET_S} s per size, ` +
      `${WERIFT_SCALE_TOTAL_S} s for the ladder; stops at the first size not all connected`,
  );
  const r = await weriftScale({
    sizes: WERIFT_SCALE,
    budgetMs: WERIFT_SCALE_BUDGET_S * 1000,
    totalBudgetMs: WERIFT_SCALE_TOTAL_S * 1000,
    gc: getGc(),
  });
  const kib = (v: number | undefined): string => (v === undefined ? 'n/a' : fmt(v, 1));
  console.log(
    table(
      [
        'pairs',
        'connected',
        'time until all connected, s',
        'heap per pair, KiB',
        'per Connection, KiB',
        'note',
      ],
      r.steps.map((s) => [
        fmt(s.pairs),
        fmt(s.connected),
        fmt(s.wallMs / 1000, 1),
        kib(s.heapPerPairKiB),
        kib(s.heapPerPairKiB === undefined ? undefined : s.heapPerPairKiB / 2),
        s.failure ?? '',
      ]),
    ),
  );
  console.log(
    `    largest N all connected: ${r.largest ? fmt(r.largest.pairs) : 'none'}` +
      (r.skipped.length ? `; not tried: ${r.skipped.map((n) => fmt(n)).join(', ')}` : ''),
  );
  console.log('');
  return r;
}

// ---- main ------------------------------------------------------------------------------

const tp = only.has('throughput') ? await throughput() : undefined;
const setup = only.has('setup') ? await timeToConnected() : undefined;
const mem = only.has('memory') ? await memory() : undefined;
let checkResult: ChecksResult | undefined;
try {
  if (only.has('checks')) checkResult = await checks();
} catch (err) {
  console.log(`[4] checks failed: ${(err as Error).message}\n`);
}
const scale = only.has('virtual') && VIRTUAL.length > 0 ? virtualScale(VIRTUAL) : undefined;
let traceResult: Awaited<ReturnType<typeof trace>>;
try {
  if (only.has('trace')) traceResult = await trace();
} catch (err) {
  console.log(`[6] trace failed: ${(err as Error).message}\n`);
}

let muxResult: MuxResult | undefined;
try {
  if (only.has('mux')) muxResult = await mux();
} catch (err) {
  console.log(`[7] mux failed: ${(err as Error).message}\n`);
}
let weriftScaleResult: WeriftScaleResult | undefined;
try {
  if (only.has('mux')) weriftScaleResult = await weriftLadder();
} catch (err) {
  console.log(`[7b] werift-ice scale failed: ${(err as Error).message}\n`);
}

const machine = {
  node: process.version,
  cpu: `${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`,
  load: loadavg(),
};
const summary = {
  ...machine,
  date: new Date().toISOString(),
  throughputRatio: tp?.ratios.wallVsRaw?.value,
  dataPath: tp,
  setup,
  memory: mem,
  checks: checkResult,
  virtualScale: scale,
  trace: traceResult,
  mux: muxResult,
  weriftScale: weriftScaleResult,
};
console.log(`BENCH_JSON ${JSON.stringify(summary)}`);
console.log('');
const cell = (v: number | undefined, digits = 1): string => (v === undefined ? 'n/a' : fmt(v, digits));
const markdown = `${headlineTable({
  dataPath: tp,
  setup,
  memory: mem,
  checks: checkResult,
  scale,
  weriftIdle: mem?.weriftIdle,
  mux: muxResult,
  weriftScale: weriftScaleResult,
})}

${markdownTable(
  ['figure', 'value'],
  [
    ['trace$ subscribed/not, CPU per answered check', cell(traceResult?.checksRatio, 3)],
    ['trace$ subscribed/not, CPU per received datagram', cell(traceResult?.dataRatio, 3)],
    ['CPU per datagram, UdpMux vs direct socket', cell(muxResult?.cpuRatio, 3)],
    [
      `${muxResult?.sessions ?? MUX_SESSIONS} sessions on one UdpMux port: all connected (s)`,
      cell(muxResult?.connectMs === undefined ? undefined : muxResult.connectMs / 1000),
    ],
    ['heap per UdpMux session (KiB)', cell(muxResult?.heapPerSessionKiB)],
  ],
)}`;
console.log(markdown);
console.log('');
const written = writeResults(summary, `${markdown}\n\n${machineLine(machine)}\n`);
if (written) console.log(`written: ${written.json}, ${written.markdown}`);
console.log(
  `summary: data path ${dataPathSummary(tp)}; ` +
    `checks rx-ice/werift-ice ${checkResult?.ratios.answeredInProcess === undefined ? 'n/a' : `${fmt(checkResult.ratios.answeredInProcess, 3)}x`} in-process; ` +
    `total bench time ${fmt((performance.now() - benchStarted) / 1000, 1)} s`,
);
if (only.has('throughput') && !tp?.sides['rx-ice']) process.exitCode = 1;
