/**
 * Benchmark helper: the headline table (markdown, for README's
 * "Performance" section) and the files the report is written to.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ChecksResult } from './checks.js';
import type { DataPathResult, Ratio, SideFigures } from './datapath.js';
import { verdict } from './datapath-report.js';
import type { IdleResult, StopResult } from './memory.js';
import type { MuxResult } from './mux.js';
import { fmt, markdownTable } from './report.js';
import type { SetupResult } from './setup.js';
import type { ScaleResult } from './virtual-scale.js';
import type { WeriftIdleResult, WeriftScaleResult } from './werift-scale.js';

/** Everything the headline table shows (any part may be missing when its section did not run). */
export interface Headline {
  readonly dataPath?: DataPathResult;
  readonly setup?: SetupResult;
  readonly memory?: { readonly idle?: IdleResult; readonly stop?: StopResult };
  readonly checks?: ChecksResult;
  readonly scale?: readonly ScaleResult[];
  /** werift-ice's idle connected pairs, measured as memory.idle (target 6). */
  readonly weriftIdle?: WeriftIdleResult;
  /** Sessions on one UdpMux port on 127.0.0.1 (target 5). */
  readonly mux?: MuxResult;
  /** werift-ice pairs at increasing N on 127.0.0.1 (target 5). */
  readonly weriftScale?: WeriftScaleResult;
}

const cell = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? 'n/a' : fmt(v, digits);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? 'n/a' : cell(a / b, 2);

/** The markdown table of the headline figures: figure, rx-ice, raw dgram, werift-ice, aioice, ratio. */
export function headlineTable(h: Headline): string {
  const rxc = h.checks?.sides['rx-ice'];
  const wrc = h.checks?.sides['werift-ice'];
  const s = h.setup?.medians ?? {};
  const fast = s['rx-ice ta: 5'];
  const rows: string[][] = [
    ...dataPathRows(h.dataPath),
    [
      'CPU per answered check, in-process (µs)',
      cell(rxc?.answeredInProcess),
      cell(wrc?.answeredInProcess),
      '',
      cell(h.checks?.ratios.answeredInProcess, 2),
    ],
    [
      'CPU per answered check, loopback UDP (µs)',
      cell(rxc?.answeredUdp),
      cell(wrc?.answeredUdp),
      '',
      cell(h.checks?.ratios.answeredUdp, 2),
    ],
    [
      'CPU per 64 KiB/16k-attribute message (µs)',
      cell(rxc?.oversized),
      cell(wrc?.oversized),
      '',
      cell(h.checks?.ratios.oversized, 2),
    ],
    [
      'CPU per check with wrong integrity (µs)',
      cell(rxc?.forged),
      cell(wrc?.forged),
      '',
      cell(h.checks?.ratios.forged, 2),
    ],
    [
      'time to connected, defaults (ms; target Ta + 3 RTT)',
      `${cell(s['rx-ice default'], 2)} (target ${cell(h.setup?.defaultTargetMs, 2)})`,
      '',
      '',
      ratio(s['rx-ice default'], h.setup?.defaultTargetMs),
    ],
    [
      'time to connected, ta: 5 vs werift-ice defaults (ms)',
      cell(fast, 2),
      cell(s['werift-ice'], 2),
      '',
      ratio(fast, s['werift-ice']),
    ],
    [
      'time to connected, ta: 5 vs aioice defaults (ms)',
      cell(fast, 2),
      '',
      cell(s.aioice, 2),
      ratio(fast, s.aioice),
    ],
  ];
  const stop = h.memory?.stop;
  if (stop) {
    rows.push([
      `heap left after ${fmt(stop.pairs)} pairs stopped (KiB, total)`,
      cell(kib(stop.afterStop)),
      '',
      '',
      `${cell((100 * stop.afterStop) / (stop.heldPerPair * Math.max(stop.connected, 1)), 2)} % of held`,
    ]);
  }
  for (const r of h.scale ?? []) {
    rows.push([
      `${fmt(r.pairs)} virtual pairs to all connected (s wall / s CPU)`,
      `${cell(r.wallMs / 1000, 2)} / ${cell(r.cpuMs / 1000, 2)}`,
      '',
      '',
      '',
    ]);
  }
  rows.push(...scaleAndMemoryRows(h));
  // Every row but the data path's has no raw dgram figure: an empty cell after rx-ice.
  const withRaw = rows.map((r, i) => (i < DATA_PATH_ROWS ? r : [r[0] ?? '', r[1] ?? '', '', ...r.slice(2)]));
  return markdownTable(['figure', 'rx-ice', 'raw dgram', 'werift-ice', 'aioice', 'ratio'], withRaw);
}

const DATA_PATH_ROWS = 3;

/** `0.95x raw, met (>= 0.90x); 1.04x werift-ice, met (>= 1.00x)` */
function ratios(vsRaw: Ratio | undefined, vsWerift: Ratio | undefined, sense: '>=' | '<='): string {
  const one = (r: Ratio | undefined, who: string): string =>
    r ? `${cell(r.value, 2)}x ${who}${r.target === undefined ? '' : `, ${verdict(r, sense)}`}` : `n/a ${who}`;
  return `${one(vsRaw, 'raw')}; ${one(vsWerift, 'werift-ice')}`;
}

/** The data path's rows (always DATA_PATH_ROWS of them, n/a when the section did not run). */
function dataPathRows(d: DataPathResult | undefined): string[][] {
  const s = d?.sides ?? {};
  const r = d?.ratios ?? {};
  const row = (label: string, f: (x: SideFigures) => number, digits: number): string[] => [
    label,
    cell(s['rx-ice'] && f(s['rx-ice']), digits),
    cell(s.raw && f(s.raw), digits),
    cell(s['werift-ice'] && f(s['werift-ice']), digits),
    '',
  ];
  return [
    [
      ...row('data path: 1200-byte datagrams/s, wall (median)', (x) => x.packetsPerSecond, 0),
      ratios(r.wallVsRaw, r.wallVsWerift, '>='),
    ],
    [
      ...row('data path: CPU per datagram sent + received (µs)', (x) => x.cpuUsPerDatagram, 2),
      ratios(r.cpuVsRaw, r.cpuVsWerift, '<='),
    ],
    [
      ...row('data path: median ping-pong RTT (µs)', (x) => x.rttUs, 1),
      ratios(r.rttVsRaw, r.rttVsWerift, '<='),
    ],
  ];
}

/** Targets 5 and 6 side by side with werift-ice: real-loopback scale, idle heap, heap after stop. */
function scaleAndMemoryRows(h: Headline): string[][] {
  const rows: string[][] = [];
  const idle = h.memory?.idle;
  const wIdle = h.weriftIdle;
  if (idle && wIdle) {
    rows.push([
      'heap per idle connected pair, vs werift-ice (KiB)',
      cell(kib(idle.heldPerPair)),
      cell(kib(wIdle.heldPerPair)),
      '',
      ratio(idle.heldPerPair, wIdle.heldPerPair),
    ]);
    rows.push([
      `heap left after ${idle.pairs} idle pairs stopped / closed (KiB, total)`,
      cell(kib(idle.afterStop)),
      cell(kib(wIdle.afterStop)),
      '',
      '',
    ]);
  }
  const m = h.mux;
  const w = h.weriftScale;
  if (m || w) {
    const largest = w?.largest;
    // werift-ice at rx-ice's N when it got all of them connected there; else at the largest N it managed.
    const atN = w?.steps.find((x) => x.pairs === m?.sessions && x.connected === x.pairs && !x.failure);
    const shown = atN ?? largest;
    const wLabel = shown
      ? `${fmt(shown.pairs)} pairs${largest && largest !== shown ? ` (largest all connected: ${fmt(largest.pairs)})` : ''}`
      : 'none all connected';
    const mTime = m?.connectMs === undefined ? undefined : m.connectMs / 1000;
    const wTime = shown ? shown.wallMs / 1000 : undefined;
    // Compared only at the same N: a time at fewer pairs is not a ratio.
    const sameN = atN !== undefined;
    rows.push([
      `concurrent pairs on 127.0.0.1 to all connected (s; rx-ice: ${fmt(m?.connected ?? 0)}/${fmt(m?.sessions ?? 0)} ` +
        `on one UdpMux port${m && m.batch < m.sessions ? `, started ${fmt(m.batch)} at a time` : ''}; ` +
        `werift-ice: ${wLabel}, all started at once)`,
      cell(mTime),
      cell(wTime),
      '',
      sameN ? ratio(mTime, wTime) : '',
    ]);
    const wPerConnection = shown?.heapPerPairKiB === undefined ? undefined : shown.heapPerPairKiB / 2;
    rows.push([
      'heap per session at that scale (KiB; rx-ice: per UdpMux session, werift-ice: per Connection)',
      cell(m?.heapPerSessionKiB),
      cell(wPerConnection),
      '',
      ratio(m?.heapPerSessionKiB, wPerConnection),
    ]);
  }
  return rows;
}

function kib(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : bytes / 1024;
}

/** One line naming the machine, for under the table. */
export function machineLine(m: { node: string; cpu: string; load: readonly number[] }): string {
  return `Node ${m.node}, ${m.cpu}, load average ${m.load.map((l) => fmt(l, 2)).join(' ')} at the end of the run.`;
}

/**
 * Writes bench.json and bench.md into BENCH_OUT (default `bench-results/`,
 * gitignored); nothing when BENCH_OUT is `-`. Returns the paths written.
 */
export function writeResults(
  summary: unknown,
  markdown: string,
): { json: string; markdown: string } | undefined {
  const dir = process.env.BENCH_OUT ?? 'bench-results';
  if (dir === '-') return undefined;
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  const paths = { json: join(out, 'bench.json'), markdown: join(out, 'bench.md') };
  writeFileSync(paths.json, `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(paths.markdown, markdown);
  return paths;
}
