/**
 * Consent freshness (RFC 7675), the disconnected state and keepalives
 * (RFC 8445 §11) pinned in virtual time. Two agents 10 ms apart: b selects
 * the pair at 60 ms, a at 70 ms, so a's liveness timers count from 70 ms.
 */
import { filter, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { consentCheckDelay } from '../lib/core/liveness.js';
import { InvalidStateError } from '../lib/index.js';
import { buildBindingRequest, decodeStun, shortTermKey } from '../lib/stun/message.js';
import { connectAgents, mulberry32 } from '../lib/testing/index.js';
import { cycle, type DatagramKind, stopAll, tappedPair } from './helpers/liveness-kit.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const states = { n: 'new', k: 'checking', c: 'connected', C: 'completed', d: 'disconnected', f: 'failed' };
const bytes = (text: string) => new TextEncoder().encode(text);

describe('consentCheckDelay', () => {
  it('spreads checks over 5 s ± 20 %: random 0 → 4 s, 0.5 → 5 s, 1 → 6 s', () => {
    expect(consentCheckDelay(5000, () => 0)).toBe(4000);
    expect(consentCheckDelay(5000, () => 0.25)).toBe(4500);
    expect(consentCheckDelay(5000, () => 0.5)).toBe(5000);
    expect(consentCheckDelay(5000, () => 1)).toBe(6000);
  });

  it('clamps a broken random source into the same bounds', () => {
    expect(consentCheckDelay(5000, () => -3)).toBe(4000);
    expect(consentCheckDelay(5000, () => 7)).toBe(6000);
    expect(consentCheckDelay(5000, () => Number.NaN)).toBe(5000);
  });
});

describe('consent freshness in virtual time', () => {
  /** Marbles of what `a` sends of one kind, from `after` ms on. */
  function sentBy(tap: ReturnType<typeof tappedPair>['tapA'], kind: DatagramKind, after = 1000) {
    return tap.sent$.pipe(
      filter((d) => d.kind === kind && d.at >= after),
      map(() => kind[0] as string),
    );
  }

  it('sends a consent check every 4 s with random() = 0', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, b, tapA } = tappedPair(ts, { a: { random: () => 0 } });
      connectAgents(a, b, { scheduler: ts });
      expectObservable(sentBy(tapA, 'check'), '^ 17000ms !').toBe('4070ms c 3999ms c 3999ms c 3999ms c');
      ts.schedule(() => {
        expect(a.getStats().consentRequestsSent).toBe(4);
        expect(a.getStats().consentResponsesReceived).toBe(4);
        expect(a.getStats().consentRetransmissions).toBe(0);
        a.stop();
        b.stop();
      }, 17_000);
    });
  });

  it('sends a consent check every 6 s with random() = 1', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, b, tapA } = tappedPair(ts, { a: { random: () => 1 } });
      connectAgents(a, b, { scheduler: ts });
      expectObservable(sentBy(tapA, 'check'), '^ 19000ms !').toBe('6070ms c 5999ms c 5999ms c');
      ts.schedule(() => stopAll(a, b), 19_000);
    });
  });

  it('draws a fresh jitter for every check (random 0, 1, 0.5, 0.25 → 4, 6, 5, 4.5 s)', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, b, tapA } = tappedPair(ts, { a: { random: cycle(0, 1, 0.5, 0.25) } });
      connectAgents(a, b, { scheduler: ts });
      // 70 + 4000 = 4070, + 6000 = 10070, + 5000 = 15070, + 4500 = 19570, + 4000 = 23570
      expectObservable(sentBy(tapA, 'check'), '^ 24000ms !').toBe(
        '4070ms c 5999ms c 4999ms c 4499ms c 3999ms c',
      );
      ts.schedule(() => stopAll(a, b), 24_000);
    });
  });

  it('keeps every interval within [4 s, 6 s] with a seeded random source over 10 virtual minutes', () => {
    const ts = newTestScheduler();
    const times: number[] = [];
    ts.run(() => {
      const { a, b, tapA } = tappedPair(ts, { a: { random: mulberry32(7) } });
      tapA.sent$.pipe(filter((d) => d.kind === 'check' && d.at >= 1000)).subscribe((d) => times.push(d.at));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => stopAll(a, b), 600_000);
    });
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps.length).toBeGreaterThan(95);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(4000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(6000);
    const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
    expect(mean).toBeGreaterThan(4700);
    expect(mean).toBeLessThan(5300);
  });

  it('goes disconnected 5 s after the last response once a later check waited 500 ms, and back to completed when the link heals, with no new nomination', () => {
    const ts = newTestScheduler();
    const received: number[] = [];
    ts.run(({ expectObservable }) => {
      const { net, a, b, tapA } = tappedPair(ts, { a: { random: () => 0 }, b: { random: () => 0 } });
      connectAgents(a, b, { scheduler: ts });
      b.data$.subscribe(() => received.push(ts.now()));
      ts.schedule(() => net.setLink('a', 'b', { down: true }), 1000);
      ts.schedule(() => net.setLink('a', 'b', { down: false }), 12_000);
      // a's last response is at 70 (the nomination); its check at 4070 goes unanswered (retransmitted
      // at 4570, 5570, 7170; a new check at 8070): disconnected at max(70 + 5000, 4070 + 500) = 5070.
      // The check of 12070 is answered at 12090: completed again.
      expectObservable(a.connectionState$, '^ 14000ms !').toBe('(nk) 66ms (cC) 4996ms d 7019ms C', states);
      // b selected at 60: its check of 4060 is unanswered, so disconnected at 5060, until its check of
      // 12060 is answered at 12080.
      expectObservable(b.connectionState$, '^ 14000ms !').toBe('(nk) 56ms (cC) 4996ms d 7019ms C', states);
      expectObservable(tapA.sent$.pipe(filter((d) => d.kind === 'nomination')).pipe(map(() => 'u'))).toBe(
        '50ms u',
      );
      ts.schedule(() => a.send(bytes('while disconnected')), 10_000); // consent still holds: allowed (lost on the wire)
      ts.schedule(() => a.send(bytes('after')), 13_000);
      ts.schedule(() => {
        expect(a.getStats().consentRetransmissions).toBeGreaterThan(0);
        a.stop();
        b.stop();
      }, 15_000);
    });
    expect(received).toEqual([13_010]);
  });

  it('never flaps on a healthy link with 200 ms latency, checks 4 s or 6 s apart, over 10 virtual minutes', () => {
    /** What `a` and `b` went through in 10 minutes on a link of `latency` ms, with `random` for both. */
    const run = (random: () => number, latency: number) => {
      const ts = newTestScheduler();
      const seen: Record<'a' | 'b', string[]> = { a: [], b: [] };
      let answered = 0;
      ts.run(() => {
        const { a, b } = tappedPair(ts, { latency, a: { random }, b: { random } });
        a.connectionState$.subscribe((s) => seen.a.push(s));
        b.connectionState$.subscribe((s) => seen.b.push(s));
        connectAgents(a, b, { scheduler: ts });
        ts.schedule(() => {
          answered = a.getStats().consentResponsesReceived;
          stopAll(a, b);
        }, 600_000);
      });
      return { seen, answered };
    };
    for (const random of [() => 0, () => 1]) {
      // RTT 400 ms: each check is answered before its 500 ms RTO, whatever the time since the last answer.
      const { seen, answered } = run(random, 200);
      expect(seen.a).toEqual(['new', 'checking', 'connected', 'completed', 'closed']);
      expect(seen.b).toEqual(['new', 'checking', 'connected', 'completed', 'closed']);
      expect(answered).toBeGreaterThanOrEqual(random() === 0 ? 149 : 99);
    }
    // (The limit of the rule, an RTT over 500 ms with checks 6 s apart, is pinned in spec/liveness.spec.ts.)
  });

  it('fails 30 s after the last response, refuses send(), stops checking, and still answers checks', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { net, a, b, tapA } = tappedPair(ts, { a: { random: () => 0 }, b: { random: () => 0 } });
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => net.setLink('a', 'b', { down: true }), 1000);
      // Last response at 70 (the nomination): disconnected at 5070, consent expires at 30070.
      expectObservable(a.connectionState$, '^ 40000ms !').toBe('(nk) 66ms (cC) 4996ms d 24999ms f', states);
      expectObservable(
        tapA.sent$.pipe(
          filter((d) => d.at > 30_070 && d.kind !== 'response'),
          map(() => 'x'),
        ),
        '^ 40000ms !',
      ).toBe('');
      ts.schedule(() => expect(() => a.send(bytes('still consented'))).not.toThrow(), 30_000);
      ts.schedule(() => {
        expect(() => a.send(bytes('too late'))).toThrow(InvalidStateError);
        expect(() => a.send(bytes('too late'))).toThrow(/consent/);
        expect(a.getStats().failureReason).toBe('consent');
      }, 30_100);

      // A third host checks a after its consent expired: the authenticated request is answered.
      const c = net.createHost('c', { addresses: ['10.0.0.3'] });
      const answers: string[] = [];
      ts.schedule(() => {
        c.bind('10.0.0.3').subscribe((socket) => {
          socket.packets$.subscribe((p) => answers.push(decodeStun(p.data)?.cls ?? 'junk'));
          const { ufrag, pwd } = a.getLocalCredentials();
          const local = a.getLocalCandidates()[0];
          const { bytes: request } = buildBindingRequest({
            username: `${ufrag}:cccc`,
            key: shortTermKey(pwd),
            priority: 1_000_000,
            role: 'controlled',
            tieBreaker: 1n,
          });
          socket.send(request, local?.port ?? 0, local?.address ?? '');
        });
      }, 31_000);
      ts.schedule(() => {
        expect(answers).toEqual(['success']);
        a.stop();
        b.stop();
      }, 41_000);
    });
  });

  it('sends a keepalive after Tr (15 s) without data, counted from the last datagram of data', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, b, tapA } = tappedPair(ts);
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => a.send(bytes('data')), 20_000);
      // Selected at 70: idle until 15070 (keepalive), data at 20000, so the next ones are at 35000 and 50000.
      expectObservable(sentBy(tapA, 'keepalive', 0), '^ 60000ms !').toBe('15070ms k 19929ms k 14999ms k');
      ts.schedule(() => {
        expect(a.getStats().keepalivesSent).toBe(3);
        expect(b.getStats().indicationsReceived).toBe(3);
        a.stop();
        b.stop();
      }, 60_000);
    });
  });

  it('honours a custom keepaliveInterval', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, b, tapA } = tappedPair(ts, { a: { keepaliveInterval: 25_000 } });
      connectAgents(a, b, { scheduler: ts });
      expectObservable(sentBy(tapA, 'keepalive', 0), '^ 60000ms !').toBe('25070ms k 24999ms k');
      ts.schedule(() => stopAll(a, b), 60_000);
    });
  });

  it('honours a custom disconnectedTimeout', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { net, a, b } = tappedPair(ts, { a: { random: () => 0, disconnectedTimeout: 2000 } });
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => net.setLink('a', 'b', { down: true }), 1000);
      // 2 s after the last response (70) no check is out yet: the one of 4070 must wait its 500 ms RTO.
      expectObservable(a.connectionState$, '^ 8000ms !').toBe('(nk) 66ms (cC) 4496ms d', states);
      ts.schedule(() => stopAll(a, b), 9000);
    });
  });
});
