/**
 * PairLiveness on its own: plain functions of time, driven by hand. And the
 * validation of the liveness options.
 */
import { describe, expect, it } from 'vitest';
import { candidatePriority } from '../lib/candidate.js';
import type { Candidate } from '../lib/candidate-types.js';
import {
  type LivenessConfig,
  type LivenessOutput,
  PairLiveness,
  resolveLivenessConfig,
} from '../lib/core/liveness.js';
import { createPair } from '../lib/core/pair.js';
import { DEFAULT_RETRANSMISSION } from '../lib/core/retransmission.js';
import { IceAgent, InvalidOptionError } from '../lib/index.js';
import { resolveOptions } from '../lib/options.js';

function host(address: string): Candidate {
  return {
    foundation: '1',
    component: 1,
    transport: 'udp',
    priority: candidatePriority('host', 65535, 1),
    address,
    port: 5000,
    type: 'host',
    extensions: [],
  };
}

/** A liveness started at `start` and an output recording what it sent, by time. */
function harness(overrides: Partial<LivenessConfig> = {}, o: { answer?: boolean } = {}) {
  const start = 0;
  const config = resolveLivenessConfig({ random: () => 0.5, ...overrides }, DEFAULT_RETRANSMISSION);
  const pair = createPair(1, { candidate: host('10.0.0.1'), socketId: 1 }, host('10.0.0.2'), 'controlling');
  const sent: string[] = [];
  let serial = 0;
  let now = start;
  const output: LivenessOutput = {
    sendConsentCheck: () => {
      const key = `tx${++serial}`;
      sent.push(`${now} check ${key}`);
      return { key, bytes: new Uint8Array([serial]) };
    },
    resendConsentCheck: (bytes) => sent.push(`${now} resend tx${bytes[0]}`),
    sendKeepalive: () => sent.push(`${now} keepalive`),
  };
  const liveness = new PairLiveness(pair, config, start);
  /**
   * Advances time deadline by deadline up to `until`, like the agent's single
   * timer does; with `dataEvery`, application data goes out that often.
   */
  const runUntil = (until: number, dataEvery?: number) => {
    const lastData = () => (dataEvery ? Math.floor(now / dataEvery) * dataEvery : Number.NEGATIVE_INFINITY);
    for (let steps = 0; steps < 10_000; steps++) {
      const next = Math.min(
        liveness.nextDeadline(now, lastData()) ?? Number.POSITIVE_INFINITY,
        dataEvery ? lastData() + dataEvery : Number.POSITIVE_INFINITY,
      );
      if (next === Number.POSITIVE_INFINITY) break; // consent expired: nothing more to do
      expect(next).toBeGreaterThan(now); // never a deadline in the past: no busy loop
      if (next > until) break;
      now = next;
      liveness.handleTimeout(now, lastData(), output);
      if (o.answer && serial > 0) liveness.handleResponse(`tx${serial}`, now);
    }
    now = until;
  };
  return { liveness, sent, runUntil, at: () => now };
}

describe('PairLiveness', () => {
  it('checks every 5 s (random 0.5) and retransmits an unanswered check at +500, +1500, +3100 ms until the next one', () => {
    const { sent, runUntil } = harness();
    runUntil(10_000);
    expect(sent).toEqual([
      '5000 check tx1',
      '5500 resend tx1',
      '6500 resend tx1',
      '8100 resend tx1',
      '9700 resend tx1',
      '10000 check tx2',
    ]);
  });

  it('is disconnected 5 s after the last answer once a later check waited 500 ms, and connected again on any answer', () => {
    const { liveness, runUntil } = harness(); // selected at 0 (counts as an answer); tx1 at 5000
    runUntil(5499);
    expect(liveness.isDisconnected(5499)).toBe(false); // 5 s passed, but tx1 has not waited its RTO yet
    runUntil(5500);
    expect(liveness.isDisconnected(5500)).toBe(true); // max(0 + 5000, 5000 + 500)
    runUntil(7000);
    liveness.handleResponse('tx1', 7000); // a late answer to the first check still counts
    expect(liveness.isDisconnected(7000)).toBe(false);
    expect(liveness.lastResponseAt).toBe(7000);
    runUntil(11_999); // tx2 at 10000
    expect(liveness.isDisconnected(11_999)).toBe(false);
    runUntil(12_000);
    expect(liveness.isDisconnected(12_000)).toBe(true); // max(7000 + 5000, 10000 + 500)
  });

  it('needs both: disconnectedTimeout since the last answer, and one RTO of a check sent since', () => {
    // Timeout longer than the check period: tx1 (5000) has waited long enough, the clock since 0 decides.
    const long = harness({ disconnectedTimeout: 8000 });
    long.runUntil(6500); // tx1 at 5000, resent at 5500 and 6500; next resend at 8100
    expect(long.liveness.nextDeadline(6500, Number.NEGATIVE_INFINITY)).toBe(8000); // the deadline is reported
    long.runUntil(7999);
    expect(long.liveness.isDisconnected(7999)).toBe(false);
    long.runUntil(8000);
    expect(long.liveness.isDisconnected(8000)).toBe(true);
    // Timeout shorter than the check period: 1 s after the answer nothing is out; tx1 must wait 500 ms.
    const short = harness({ disconnectedTimeout: 1000 });
    short.runUntil(4999);
    expect(short.liveness.isDisconnected(4999)).toBe(false);
    short.runUntil(5000);
    expect(short.liveness.nextDeadline(5000, Number.NEGATIVE_INFINITY)).toBe(5500);
    expect(short.liveness.isDisconnected(5499)).toBe(false);
    short.runUntil(5500);
    expect(short.liveness.isDisconnected(5500)).toBe(true);
  });

  it('counts only checks sent since the last answer when an older one is answered late', () => {
    const { liveness, runUntil } = harness();
    runUntil(11_000); // tx1 at 5000, tx2 at 10000
    liveness.handleResponse('tx1', 11_000);
    // tx2 went out before that answer: it does not count, whatever its age. tx3 goes out at 15000.
    runUntil(15_999);
    expect(liveness.isDisconnected(15_999)).toBe(false);
    runUntil(16_000);
    expect(liveness.isDisconnected(16_000)).toBe(true); // max(11000 + 5000, 15000 + 500)
    liveness.handleResponse('tx2', 16_100); // any answer reconnects, even to a check older than the last answer
    expect(liveness.isDisconnected(16_100)).toBe(false);
  });

  it('never flaps when every check is answered within its 500 ms RTO, 4 s or 6 s apart; does past it', () => {
    /** Disconnected episodes over 10 minutes when each check is answered `rtt` ms after it went out. */
    const episodes = (random: () => number, rtt: number) => {
      const config = resolveLivenessConfig({ random }, DEFAULT_RETRANSMISSION);
      const pair = createPair(
        1,
        { candidate: host('10.0.0.1'), socketId: 1 },
        host('10.0.0.2'),
        'controlling',
      );
      const liveness = new PairLiveness(pair, config, 0);
      const answers: { key: string; at: number }[] = [];
      let now = 0;
      let serial = 0;
      const output: LivenessOutput = {
        sendConsentCheck: () => {
          const key = `tx${++serial}`;
          answers.push({ key, at: now + rtt });
          return { key, bytes: new Uint8Array([serial]) };
        },
        resendConsentCheck: () => undefined,
        sendKeepalive: () => undefined,
      };
      let count = 0;
      let down = false;
      while (now < 600_000) {
        const next = Math.min(
          liveness.nextDeadline(now, now) ?? Number.POSITIVE_INFINITY,
          answers[0]?.at ?? Number.POSITIVE_INFINITY,
        );
        now = next;
        const answer = answers[0];
        if (answer !== undefined && answer.at === now) {
          answers.shift();
          liveness.handleResponse(answer.key, now);
        } else {
          liveness.handleTimeout(now, now, output);
        }
        const isDown = liveness.isDisconnected(now);
        if (isDown && !down) count++;
        down = isDown;
      }
      return { count, checks: serial };
    };
    for (const random of [() => 0, () => 1]) {
      expect(episodes(random, 499).count).toBe(0);
      expect(episodes(random, 499).checks).toBeGreaterThanOrEqual(99);
    }
    // 4 s apart the 5 s clock since the last answer never runs out; 6 s apart an answer slower than
    // the RTO comes too late: every check is a (1 ms) episode.
    expect(episodes(() => 0, 501).count).toBe(0);
    const slow = episodes(() => 1, 501);
    expect(slow.count).toBeGreaterThanOrEqual(slow.checks - 1); // the last check may still be waiting at 10 min
    expect(slow.count).toBeGreaterThanOrEqual(98);
  });

  it('expires consent 30 s after the last answer and then sends nothing more', () => {
    const { liveness, sent, runUntil } = harness();
    runUntil(29_999);
    expect(liveness.consentExpired(29_999)).toBe(false);
    expect(liveness.consentExpired(30_000)).toBe(true);
    const before = sent.length;
    liveness.handleTimeout(30_000, Number.NEGATIVE_INFINITY, {
      sendConsentCheck: () => {
        throw new Error('no check after expiry');
      },
      resendConsentCheck: () => {
        throw new Error('no resend after expiry');
      },
      sendKeepalive: () => {
        throw new Error('no keepalive after expiry');
      },
    });
    expect(sent.length).toBe(before);
  });

  it('forgets checks older than the consent lifetime: the table of pending checks stays bounded', () => {
    const { liveness, runUntil } = harness({ consentTimeout: 3_600_000 });
    runUntil(3_000_000); // 600 unanswered checks
    expect(liveness.owns('tx600')).toBe(true);
    expect(liveness.owns('tx584')).toBe(false); // at most 16 remembered
    expect(liveness.owns('tx1')).toBe(false);
  });

  it('sends a keepalive after Tr without data, and none while data flows', () => {
    const idle = harness({}, { answer: true });
    idle.runUntil(46_000);
    expect(idle.sent.filter((s) => s.endsWith('keepalive'))).toEqual([
      '15000 keepalive',
      '30000 keepalive',
      '45000 keepalive',
    ]);
    const busy = harness({}, { answer: true });
    busy.runUntil(46_000, 1000);
    expect(busy.sent.filter((s) => s.endsWith('keepalive'))).toEqual([]);
  });
});

describe('liveness options', () => {
  const error = (options: object) => {
    try {
      resolveOptions({ role: 'controlling', ...options });
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it('defaults: disconnected after 5 s, Tr 15 s, Math.random, full peer, polling every 5 s', () => {
    const o = resolveOptions({ role: 'controlling' });
    expect(o.disconnectedTimeout).toBe(5000);
    expect(o.keepaliveInterval).toBe(15_000);
    expect(o.random).toBe(Math.random);
    expect(o.remoteIceLite).toBe(false);
    expect(o.interfacePollInterval).toBe(5000);
    expect(resolveOptions({ role: 'controlling', interfacePollInterval: 0 }).interfacePollInterval).toBe(0);
  });

  it.each([
    { disconnectedTimeout: 50 },
    { disconnectedTimeout: 1.5 },
    { keepaliveInterval: 14_999 }, // RFC 8445 §11: Tr must not be below 15 s
    { random: 0.5 },
    { remoteIceLite: 'yes' },
    { interfacePollInterval: -1 },
    { interfacePollInterval: 50 },
  ])('rejects %o with an InvalidOptionError naming the option', (options) => {
    const e = error(options);
    expect(e).toBeInstanceOf(InvalidOptionError);
    expect((e as Error).message).toContain(Object.keys(options)[0]);
  });

  it('rejects remoteIceLite with the controlled role', () => {
    expect(() => new IceAgent({ role: 'controlled', remoteIceLite: true })).toThrow(InvalidOptionError);
    expect(resolveOptions({ role: 'controlling', remoteIceLite: true }).remoteIceLite).toBe(true);
  });
});
