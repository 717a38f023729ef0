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

  it('is disconnected 5 s after the first unanswered check, and connected again on any answer', () => {
    const { liveness, runUntil } = harness();
    runUntil(9999);
    expect(liveness.isDisconnected(9999)).toBe(false);
    runUntil(10_000);
    expect(liveness.isDisconnected(10_000)).toBe(true);
    runUntil(12_000);
    liveness.handleResponse('tx1', 12_000); // a late answer to the first check still counts
    expect(liveness.isDisconnected(12_000)).toBe(false);
    expect(liveness.lastResponseAt).toBe(12_000);
  });

  it('counts the outage from the newest check still unanswered when an older one is answered late', () => {
    const { liveness, runUntil } = harness();
    runUntil(11_000); // tx1 at 5000, tx2 at 10000
    liveness.handleResponse('tx1', 11_000);
    expect(liveness.isDisconnected(14_999)).toBe(false);
    expect(liveness.isDisconnected(15_000)).toBe(true); // tx2 unanswered since 10000
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
