/**
 * A 24-virtual-hour session through periodic loss bursts: it stays up
 * (disconnected only during a burst — every long one, some short ones — and
 * never failed, never flapping on the healthy link in between), and timers
 * never accumulate: each agent has at most one scheduler action armed at any
 * time, and the TestScheduler's whole queue stays small.
 */
import type { SchedulerAction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ConnectionState } from '../lib/index.js';
import { connectAgents, mulberry32 } from '../lib/testing/index.js';
import { CountingScheduler, tappedPair } from './helpers/liveness-kit.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('soak', () => {
  it('runs 24 virtual hours with loss bursts, stays connected, and keeps timers bounded', async () => {
    const ts = newTestScheduler();
    const states: Record<'a' | 'b', ConnectionState[]> = { a: [], b: [] };
    const changedAt: Record<'a' | 'b', number[]> = { a: [], b: [] };
    /** Loss bursts: [start, end) and whether it is a long one. */
    const bursts: { start: number; end: number; long: boolean }[] = [];
    let peakQueue = 0;
    let received = 0;
    let sent = 0;
    const timersA = new CountingScheduler(ts);
    const timersB = new CountingScheduler(ts);
    ts.run(() => {
      const { net, a, b } = tappedPair(ts, {
        a: { scheduler: timersA, random: mulberry32(1) },
        b: { scheduler: timersB, random: mulberry32(2) },
      });
      for (const [name, agent] of [
        ['a', a],
        ['b', b],
      ] as const) {
        agent.connectionState$.subscribe((s) => {
          states[name].push(s);
          changedAt[name].push(ts.now());
        });
      }
      b.data$.subscribe(() => received++);
      connectAgents(a, b, { scheduler: ts });

      /** Runs `work` every `period` ms from `period` on, until the end of the day. */
      const every = (period: number, work: (n: number) => void) =>
        ts.schedule(
          function (this: SchedulerAction<number>, n = 1) {
            work(n);
            if (ts.now() + period < DAY) this.schedule(n + 1, period);
          },
          period,
          1,
        );
      // Every 10 minutes the link loses everything for 3 s; every second hour (2 h … 22 h) for 15 s instead.
      every(10 * MINUTE, (n) => {
        const long = n % 12 === 0;
        const length = long ? 15_000 : 3000;
        net.setLink('a', 'b', { loss: 1 });
        bursts.push({ start: ts.now(), end: ts.now() + length, long });
        ts.schedule(() => net.setLink('a', 'b', { loss: 0 }), length);
      });
      // a sends a datagram every 10 s (b stays silent, so b's keepalives run all day).
      every(10_000, () => {
        if (a.getStats().state === 'failed') return;
        a.send(new Uint8Array([0x80, 1, 2, 3]));
        sent++;
      });
      every(MINUTE, () => {
        peakQueue = Math.max(peakQueue, ts.actions.length);
      });
      ts.schedule(() => {
        expect(a.getStats().keepalivesSent).toBe(0);
        expect(b.getStats().keepalivesSent).toBeGreaterThan(5000); // one per 15 s of silence
        a.stop();
        b.stop();
      }, DAY);
      ts.maxFrames = HOUR; // this run() flushes the first hour only
    });
    // The rest of the day, an hour of virtual time per run(), yielding to the event loop in between.
    // One synchronous flush of the whole day takes ~20 s on an idle machine and over 60 s on a loaded
    // one, and a vitest worker blocked for 60 s misses its RPC deadline ("Timeout calling
    // onTaskUpdate"): every test passes, yet the run fails. Same actions, same order, same result.
    for (let end = 2 * HOUR; end <= DAY; end += HOUR) {
      expect(ts.now()).toBeLessThanOrEqual(end - HOUR); // sliced indeed
      await new Promise((resolve) => setImmediate(resolve));
      ts.run(() => {
        ts.maxFrames = end;
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
    ts.run(() => {}); // whatever is left after the agents stopped at 24 h
    expect(ts.actions).toHaveLength(0);

    for (const name of ['a', 'b'] as const) {
      const seen = states[name];
      expect(seen.slice(0, 4)).toEqual(['new', 'checking', 'connected', 'completed']);
      expect(seen).not.toContain('failed');
      expect(seen.at(-2)).toBe('completed');
      // Disconnected means 5 s without a response and a later check unanswered for 500 ms, so a 3 s
      // burst can do it too (when it swallows a check due ≥ 5 s after the last response); each time
      // the agent comes back by itself, without a restart.
      const episodes = seen.slice(4, -1).length / 2;
      expect(seen.slice(4, -1).join(' ')).toBe(Array(episodes).fill('disconnected completed').join(' '));
      const times = changedAt[name].slice(4, -1);
      const perBurst = bursts.map(() => 0);
      for (let i = 0; i < times.length; i += 2) {
        const [down, up] = [times[i] as number, times[i + 1] as number];
        // Every episode belongs to a burst: it starts during the burst or at the latest one RTO after
        // it (a check sent just before the end), and ends once a (re)transmission after the burst is
        // answered: within the 1600 ms RTO cap plus a round trip. No flap on the healthy link.
        const burst = bursts.findIndex((x) => down >= x.start && down <= x.end + 500);
        expect(burst, `episode at ${down}`).toBeGreaterThanOrEqual(0);
        expect(up - (bursts[burst]?.end ?? 0)).toBeLessThanOrEqual(1600 + 20);
        perBurst[burst] = (perBurst[burst] as number) + 1;
      }
      expect(Math.max(...perBurst)).toBe(1);
      // Each of the eleven 15 s bursts (at 2 h, 4 h, … 22 h) makes it disconnected ...
      expect(bursts.filter((x, i) => x.long && perBurst[i] === 1)).toHaveLength(11);
      // ... and only some of the 132 short ones (which depends on where the burst falls between checks).
      const short = bursts.filter((x, i) => !x.long && perBurst[i] === 1).length;
      expect(bursts.filter((x) => !x.long)).toHaveLength(132);
      expect(short).toBeGreaterThan(0);
      expect(short).toBeLessThan(132);
      expect(episodes).toBe(11 + short);
    }
    expect(timersA.peak).toBe(1);
    expect(timersB.peak).toBe(1);
    expect(peakQueue).toBeLessThan(16);
    expect(sent).toBeGreaterThan(8000);
    expect(received).toBeGreaterThan(sent * 0.98);
  }, 300_000); // CPU-bound virtual time: ~20 s idle, 67 s measured on a loaded machine
});
