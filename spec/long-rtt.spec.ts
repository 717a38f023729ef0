/**
 * Paths whose round trip exceeds the first RTO (500 ms): a check cancelled
 * by a triggered check must still accept its late answer until it would have
 * timed out (RFC 8445 §7.2.5.4), or such paths never connect.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRANSMISSION, retransmissionSchedule } from '../lib/core/retransmission.js';
import { timeoutIfContinued } from '../lib/core/transactions.js';
import { connectAgents } from '../lib/testing/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

describe('checks over long round trips', () => {
  it('a cancelled check lives until its would-be timeout, wherever it is on the schedule', () => {
    const schedule = retransmissionSchedule(500, DEFAULT_RETRANSMISSION); // [0, 500, 1500, ..., 7900, 9500]
    const giveUpAt = schedule[schedule.length - 1];
    // Just sent (1 transmission, next at 500) or mid-way (3 transmissions, next at 3100): same end.
    expect(timeoutIfContinued({ attempts: 1, rto: 500, nextAt: 500 }, DEFAULT_RETRANSMISSION)).toBe(giveUpAt);
    expect(timeoutIfContinued({ attempts: 3, rto: 1600, nextAt: 3100 }, DEFAULT_RETRANSMISSION)).toBe(
      giveUpAt,
    );
    // Past its last retransmission: it ends when it was going to.
    expect(timeoutIfContinued({ attempts: 7, rto: 1600, nextAt: 9500 }, DEFAULT_RETRANSMISSION)).toBe(
      giveUpAt,
    );
  });

  it.each([300, 700])('two agents connect across a %i ms one-way latency', (latency) => {
    const ts = newTestScheduler();
    const states: Record<'a' | 'b', string[]> = { a: [], b: [] };
    ts.run(() => {
      const { a, b } = virtualPair(ts, { latency });
      a.connectionState$.subscribe((s) => states.a.push(s));
      b.connectionState$.subscribe((s) => states.b.push(s));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 20_000);
    });
    expect(states.a).toContain('connected');
    expect(states.b).toContain('connected');
    expect(states.a).not.toContain('failed');
  });
});
