/**
 * A 24-virtual-hour session through periodic loss bursts: it stays up
 * (disconnected only through the long bursts, never failed), and timers never
 * accumulate: each agent has at most one scheduler action armed at any time,
 * and the TestScheduler's whole queue stays small.
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
  it('runs 24 virtual hours with loss bursts, stays connected, and keeps timers bounded', () => {
    const ts = newTestScheduler();
    const states: Record<'a' | 'b', ConnectionState[]> = { a: [], b: [] };
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
      a.connectionState$.subscribe((s) => states.a.push(s));
      b.connectionState$.subscribe((s) => states.b.push(s));
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
        net.setLink('a', 'b', { loss: 1 });
        ts.schedule(() => net.setLink('a', 'b', { loss: 0 }), long ? 15_000 : 3000);
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
    });

    for (const name of ['a', 'b'] as const) {
      const seen = states[name];
      expect(seen.slice(0, 4)).toEqual(['new', 'checking', 'connected', 'completed']);
      expect(seen).not.toContain('failed');
      expect(seen.at(-2)).toBe('completed');
      // Only the eleven 15 s bursts (at 2 h, 4 h, … 22 h) make it disconnected; each time it comes back by itself.
      expect(seen.filter((s) => s === 'disconnected')).toHaveLength(11);
      expect(seen.slice(4, -1).join(' ')).toBe(Array(11).fill('disconnected completed').join(' '));
    }
    expect(timersA.peak).toBe(1);
    expect(timersB.peak).toBe(1);
    expect(peakQueue).toBeLessThan(16);
    expect(sent).toBeGreaterThan(8000);
    expect(received).toBeGreaterThan(sent * 0.98);
  }, 60_000);
});
