/**
 * Benchmark helper: what `trace$` costs. One rx-ice agent connected to the
 * scripted peer of checks.ts; checks and application datagrams are injected
 * in-process (the agent's own work only), rounds interleaved ABBA between
 * "no subscriber" and "one subscriber" (it counts events). Reported as CPU µs
 * per item and as the ratio subscribed / unsubscribed, both from this run.
 */
import { type CheckTarget, injectRun, rxIceTarget } from './checks.js';

/** Medians of one side. */
export interface TraceFigures {
  /** CPU µs per answered check, nobody subscribed to trace$. */
  readonly checksOff: number;
  /** CPU µs per answered check, one subscriber. */
  readonly checksOn: number;
  /** CPU µs per application datagram received, nobody subscribed. */
  readonly dataOff: number;
  /** CPU µs per application datagram received, one subscriber. */
  readonly dataOn: number;
  /** Trace events the subscriber saw per answered check. */
  readonly eventsPerCheck: number;
}

/** Options of {@link traceSection}. */
export interface TraceOptions {
  readonly rounds: number;
  /** Items per round and side. */
  readonly items: number;
  readonly median: (values: readonly number[]) => number;
}

/** Measures the rx-ice agent with and without a trace$ subscriber. */
export async function traceSection(o: TraceOptions): Promise<TraceFigures> {
  const target: CheckTarget = await rxIceTarget();
  const agent = target.agent;
  if (agent === undefined) throw new Error('rx-ice target without agent');
  let received = 0;
  const data = agent.data$.subscribe(() => received++);
  const checks = Array.from({ length: 2048 }, () => target.request());
  // Application data: first byte >= 0x80, never STUN; from the validated peer path.
  const datagrams = Array.from({ length: 64 }, (_, i) => Buffer.alloc(1200, 0x80 + (i & 0x3f)));
  const samples = {
    checksOff: [] as number[],
    checksOn: [] as number[],
    dataOff: [] as number[],
    dataOn: [] as number[],
  };
  let events = 0;
  let tracedChecks = 0;
  const measure = async (traced: boolean) => {
    const subscription = traced ? agent.trace$.subscribe(() => events++) : undefined;
    // Data first: the garbage the traced checks leave behind must not be collected inside the data run.
    const got = received;
    const d = await injectRun(target, datagrams, o.items);
    if (received - got < o.items) throw new Error(`only ${received - got} of ${o.items} datagrams delivered`);
    const before = events;
    const c = await injectRun(target, checks, o.items);
    if (c.answered < o.items) throw new Error(`only ${c.answered} of ${o.items} checks answered`);
    if (traced) tracedChecks += o.items;
    const checkEvents = events - before;
    subscription?.unsubscribe();
    if (traced && checkEvents === 0) throw new Error('the subscriber saw no trace event');
    (traced ? samples.checksOn : samples.checksOff).push(c.cpuPerItem);
    (traced ? samples.dataOn : samples.dataOff).push(d.cpuPerItem);
    return checkEvents;
  };
  await measure(false); // warm-up, both ways
  await measure(true);
  for (const key of Object.keys(samples) as (keyof typeof samples)[]) samples[key].length = 0;
  events = 0;
  tracedChecks = 0;
  let checkEvents = 0;
  for (let round = 0; round < o.rounds; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const traced of order) {
      const n = await measure(traced);
      if (traced) checkEvents += n;
    }
  }
  data.unsubscribe();
  await target.stop();
  return {
    checksOff: o.median(samples.checksOff),
    checksOn: o.median(samples.checksOn),
    dataOff: o.median(samples.dataOff),
    dataOn: o.median(samples.dataOn),
    eventsPerCheck: checkEvents / tracedChecks,
  };
}
