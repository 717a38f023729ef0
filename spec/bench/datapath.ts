/**
 * Benchmark helper: the data path, raw `node:dgram` vs rx-ice vs werift-ice
 * on 127.0.0.1, measured side by side in interleaved rounds (ABC CBA ...).
 *
 * Per round and side: one pump run (throughput.ts) timed by the wall clock
 * and by `process.cpuUsage()` (both ends live in this process, so the CPU is
 * the whole send + loopback + receive cost of each datagram), then a
 * ping-pong (rtt.ts) over the same path. Wall rates swing with the machine's
 * load; CPU per datagram much less, so both are reported.
 */
import { connectPair } from './agents.js';
import { max, median, min } from './report.js';
import { pingPong } from './rtt.js';
import { connectWerift, weriftConnections } from './setup.js';
import {
  type Ends,
  iceEnds,
  linkOf,
  type PumpOptions,
  type PumpResult,
  pump,
  rawEnds,
  weriftEnds,
} from './throughput.js';

export const SIDES = ['raw', 'rx-ice', 'werift-ice'] as const;
export type Side = (typeof SIDES)[number];

/** Targets of issue #13, target 3, as ratios rx-ice / other. */
export const DATA_PATH_TARGETS = {
  /** Wall rate: at least this share of raw dgram's. */
  wallVsRaw: 0.9,
  /** Wall rate: at least werift-ice's. */
  wallVsWerift: 1.0,
  /** CPU per datagram: at most this multiple of raw's (the same 0.9x throughput, counted in CPU). */
  cpuVsRaw: 1 / 0.9,
  /** CPU per datagram: at most werift-ice's. */
  cpuVsWerift: 1.0,
  /** Median RTT: at most this multiple of raw's. */
  rttVsRaw: 1.1,
} as const;
export type RatioName = keyof typeof DATA_PATH_TARGETS | 'rttVsWerift';

/** Medians over the rounds of one side. */
export interface SideFigures {
  readonly packetsPerSecond: number;
  readonly minPacketsPerSecond: number;
  readonly maxPacketsPerSecond: number;
  readonly megabytesPerSecond: number;
  /** CPU µs (user + system, whole process) per datagram received. */
  readonly cpuUsPerDatagram: number;
  readonly lossPercent: number;
  readonly maxLossPercent: number;
  readonly stalls: number;
  /** Median of every ping-pong round trip of every round, µs. */
  readonly rttUs: number;
  readonly rttLost: number;
}

export interface Ratio {
  /** Ratio of the medians, rx-ice / other. */
  readonly value: number;
  /** The same ratio per round. */
  readonly perRound: readonly number[];
  /** Target and whether it is met, where the issue sets one. */
  readonly target?: number;
  readonly met?: boolean;
}

export interface DataPathResult {
  readonly rounds: number;
  readonly datagrams: number;
  readonly roundTrips: number;
  readonly sides: Partial<Record<Side, SideFigures>>;
  readonly ratios: Partial<Record<RatioName, Ratio>>;
  /** rx-ice agent counters over all its runs. */
  readonly iceCounters: {
    readonly packetsReceived: number;
    readonly counted: number;
    readonly dropped: number;
    readonly sendErrors: number;
  };
  readonly failures: readonly string[];
}

export interface DataPathOptions {
  readonly rounds: number;
  /** Datagrams per pump run. */
  readonly total: number;
  /** Ping-pong round trips per side, spread over the rounds. */
  readonly roundTrips: number;
  readonly pump: Omit<PumpOptions, 'total'>;
}

interface Sample {
  readonly pump: PumpResult;
  readonly cpuUs: number;
  readonly rttsUs: readonly number[];
  readonly rttLost: number;
}

async function measured(ends: Ends, o: PumpOptions): Promise<{ pump: PumpResult; cpuUs: number }> {
  const before = process.cpuUsage();
  const r = await pump(linkOf(ends), o);
  const used = process.cpuUsage(before);
  return { pump: r, cpuUs: (used.user + used.system) / Math.max(r.received, 1) };
}

function figures(samples: readonly Sample[]): SideFigures {
  const pps = samples.map((s) => s.pump.packetsPerSecond);
  const loss = samples.map((s) => s.pump.lossPercent);
  return {
    packetsPerSecond: median(pps),
    minPacketsPerSecond: min(pps),
    maxPacketsPerSecond: max(pps),
    megabytesPerSecond: median(samples.map((s) => s.pump.megabytesPerSecond)),
    cpuUsPerDatagram: median(samples.map((s) => s.cpuUs)),
    lossPercent: median(loss),
    maxLossPercent: max(loss),
    stalls: samples.reduce((n, s) => n + s.pump.stalls, 0),
    rttUs: median(samples.flatMap((s) => s.rttsUs)),
    rttLost: samples.reduce((n, s) => n + s.rttLost, 0),
  };
}

/** Connects the three paths, runs the interleaved rounds, closes everything. */
export async function dataPathSection(o: DataPathOptions): Promise<DataPathResult> {
  const failures: string[] = [];
  const ends = new Map<Side, Ends>();
  const closers: (() => unknown)[] = [];
  const raw = await rawEnds();
  ends.set('raw', raw);
  closers.push(() => raw.close());
  const pair = await connectPair().catch((err: Error) => {
    failures.push(`rx-ice pair did not connect: ${err.message}`);
    return undefined;
  });
  if (pair) {
    ends.set('rx-ice', iceEnds(pair));
    closers.push(() => pair.stop());
  }
  const [wa, wb] = weriftConnections();
  closers.push(() => Promise.allSettled([wa.close(), wb.close()]));
  try {
    await connectWerift(wa, wb);
    ends.set('werift-ice', weriftEnds(wa, wb));
  } catch (err) {
    failures.push(`werift-ice pair did not connect: ${(err as Error).message}`);
  }

  const samples = new Map<Side, Sample[]>([...ends.keys()].map((s) => [s, []]));
  const before = pair && { rx: pair.controlled.getStats(), tx: pair.controlling.getStats() };
  const warm = Math.min(o.total, 20_000);
  let counted = 0;
  let iceCounters: DataPathResult['iceCounters'] = {
    packetsReceived: 0,
    counted: 0,
    dropped: 0,
    sendErrors: 0,
  };
  try {
    for (const [side, e] of ends) {
      const r = await pump(linkOf(e), { ...o.pump, total: warm });
      if (side === 'rx-ice') counted += r.received;
      await pingPong(e, 100);
    }
    const trips = Math.ceil(o.roundTrips / o.rounds);
    for (let round = 0; round < o.rounds; round++) {
      const order = [...ends.keys()];
      if (round % 2 === 1) order.reverse();
      const got = new Map<Side, { pump: PumpResult; cpuUs: number }>();
      for (const side of order)
        got.set(side, await measured(ends.get(side) as Ends, { ...o.pump, total: o.total }));
      for (const side of order) {
        const t = got.get(side) as { pump: PumpResult; cpuUs: number };
        const p = await pingPong(ends.get(side) as Ends, trips);
        samples.get(side)?.push({ ...t, rttsUs: p.rttsUs, rttLost: p.lost });
        if (side === 'rx-ice') counted += t.pump.received;
      }
    }
  } finally {
    const after = pair && { rx: pair.controlled.getStats(), tx: pair.controlling.getStats() };
    if (after && before)
      iceCounters = {
        packetsReceived: after.rx.packetsReceived - before.rx.packetsReceived,
        counted,
        dropped: after.rx.droppedDataPackets - before.rx.droppedDataPackets,
        sendErrors: after.tx.sendErrors - before.tx.sendErrors,
      };
    for (const close of closers) await close();
  }

  const sides: Partial<Record<Side, SideFigures>> = {};
  for (const [side, s] of samples) if (s.length > 0) sides[side] = figures(s);
  const ratios: Partial<Record<RatioName, Ratio>> = {};
  const rx = samples.get('rx-ice');
  const ratio = (
    name: RatioName,
    other: Side,
    of: (s: Sample) => number,
    fig: (f: SideFigures) => number,
    atLeast: boolean,
  ): void => {
    const os = samples.get(other);
    const a = sides['rx-ice'];
    const b = sides[other];
    if (!rx || !os || !a || !b) return;
    const value = fig(a) / fig(b);
    const target =
      name in DATA_PATH_TARGETS ? DATA_PATH_TARGETS[name as keyof typeof DATA_PATH_TARGETS] : undefined;
    ratios[name] = {
      value,
      perRound: rx.map((s, i) => of(s) / of(os[i] as Sample)),
      ...(target === undefined ? {} : { target, met: atLeast ? value >= target : value <= target }),
    };
  };
  const wall = (s: Sample): number => s.pump.packetsPerSecond;
  const cpu = (s: Sample): number => s.cpuUs;
  const rtt = (s: Sample): number => median(s.rttsUs);
  ratio('wallVsRaw', 'raw', wall, (f) => f.packetsPerSecond, true);
  ratio('wallVsWerift', 'werift-ice', wall, (f) => f.packetsPerSecond, true);
  ratio('cpuVsRaw', 'raw', cpu, (f) => f.cpuUsPerDatagram, false);
  ratio('cpuVsWerift', 'werift-ice', cpu, (f) => f.cpuUsPerDatagram, false);
  ratio('rttVsRaw', 'raw', rtt, (f) => f.rttUs, false);
  ratio('rttVsWerift', 'werift-ice', rtt, (f) => f.rttUs, false);
  return {
    rounds: o.rounds,
    datagrams: o.total,
    roundTrips: Math.ceil(o.roundTrips / o.rounds) * o.rounds,
    sides,
    ratios,
    iceCounters,
    failures,
  };
}
