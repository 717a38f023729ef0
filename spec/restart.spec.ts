/**
 * ICE restart (RFC 8445 §9) in virtual time: data keeps flowing (no datagram
 * lost) while the new generation checks, candidates and stats say which
 * generation they belong to, and consent and keepalives run on whichever
 * session carries the data.
 */
import { filter, interval, map, take } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { ConnectionState, IceAgent, SelectedPair } from '../lib/index.js';
import {
  connectWithRestarts,
  pairWithUnansweredRestart,
  stopAll,
  tappedPair,
} from './helpers/liveness-kit.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `from` sends `${tag}${n}` every `every` ms from `start` to `end`; returns what `to` received. */
function stream(
  ts: TestScheduler,
  from: IceAgent,
  to: IceAgent,
  tag: string,
  o: { every: number; start: number; end: number },
) {
  const received: string[] = [];
  to.data$.subscribe((d) => received.push(decoder.decode(d)));
  const count = Math.floor((o.end - o.start) / o.every);
  ts.schedule(() => {
    interval(o.every, ts)
      .pipe(take(count))
      .subscribe((n) => from.send(encoder.encode(`${tag}${n}`)));
  }, o.start);
  return { received, expected: Array.from({ length: count }, (_, n) => `${tag}${n}`) };
}

function recordStates(agent: IceAgent): ConnectionState[] {
  const states: ConnectionState[] = [];
  agent.connectionState$.subscribe((s) => states.push(s));
  return states;
}

describe('ICE restart', () => {
  it('loses no datagram in either direction while restarting, and reports the new generation', () => {
    const ts = newTestScheduler();
    const generations: number[] = [];
    let states: ConnectionState[] = [];
    let aToB!: ReturnType<typeof stream>;
    let bToA!: ReturnType<typeof stream>;
    ts.run(() => {
      const { a, b } = tappedPair(ts);
      a.candidates$.subscribe((c) => generations.push(c.generation ?? -1));
      states = recordStates(a);
      connectWithRestarts(a, b);
      aToB = stream(ts, a, b, 'a', { every: 10, start: 200, end: 3000 });
      bToA = stream(ts, b, a, 'b', { every: 10, start: 200, end: 3000 });
      const before = a.getLocalCredentials();
      ts.schedule(() => a.restart(), 1000);
      ts.schedule(() => {
        expect(a.getLocalCredentials()).not.toEqual(before);
        const stats = a.getStats();
        expect(stats.generation).toBe(1);
        expect(stats.localCandidates.map((c) => c.generation)).toEqual([1]);
        expect(stats.selectedPair?.local.generation).toBe(1);
        expect(stats.selectedPair?.remote.generation).toBe(1); // b restarted too: its candidates are generation 1
        expect(stats.droppedDataPackets).toBe(0);
        expect(b.getStats().droppedDataPackets).toBe(0);
        a.stop();
        b.stop();
      }, 4000);
    });
    expect(generations).toEqual([0, 1]);
    expect(aToB.received).toEqual(aToB.expected);
    expect(bToA.received).toEqual(bToA.expected);
    // Never disconnected or failed; the new generation reconnects, then completes.
    expect(states).toEqual(['new', 'checking', 'connected', 'completed', 'connected', 'completed', 'closed']);
  });

  it('moves data to a better path found after a network change without losing a datagram on the old one', () => {
    const ts = newTestScheduler();
    const paths: string[] = [];
    let aToB!: ReturnType<typeof stream>;
    let bToA!: ReturnType<typeof stream>;
    ts.run(() => {
      const { a, b, tapB } = tappedPair(ts, {
        latency: 10,
        addressesA: ['10.0.0.1', 'fd00::1'],
        addressesB: ['10.0.0.2', 'fd00::2'],
        b: { interfacePollInterval: 500 },
      });
      tapB.setAddresses(['10.0.0.2']); // b's IPv6 address is not up yet
      a.selectedPair$.subscribe((p: SelectedPair) => paths.push(`${p.local.address}-${p.remote.address}`));
      connectWithRestarts(a, b);
      aToB = stream(ts, a, b, 'a', { every: 5, start: 200, end: 5000 });
      bToA = stream(ts, b, a, 'b', { every: 5, start: 200, end: 5000 });
      ts.schedule(() => tapB.setAddresses(['fd00::2', '10.0.0.2']), 1200); // found by b's poll at 1500
      ts.schedule(() => a.restart(), 3000); // the app restarts to use the better path
      ts.schedule(() => {
        expect(a.getStats().droppedDataPackets).toBe(0);
        expect(b.getStats().droppedDataPackets).toBe(0);
        a.stop();
        b.stop();
      }, 6000);
    });
    expect(paths).toEqual(['10.0.0.1-10.0.0.2', 'fd00::1-fd00::2']);
    expect(aToB.received).toEqual(aToB.expected);
    expect(bToA.received).toEqual(bToA.expected);
  });

  it('keeps consent and keepalives running on the old pair while the new generation cannot connect', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      // a restarts at 1000 but its new credentials never reach b: the old pair carries on.
      const { net, a, b, tapA } = pairWithUnansweredRestart(ts, 1000, {
        a: { random: () => 0 },
        b: { random: () => 0 },
      });
      // With no answer by 2000 the new session keeps b's generation and checks it once (b answers:
      // its session checks only its own ufrag), but nominates nothing: b never confirmed that it knows
      // a's new credentials, so b could not keep consent on such a pair. Consent checks keep going out
      // on the old pair every 4 s (selected at 70) ...
      expectObservable(
        tapA.sent$.pipe(
          filter((d) => d.kind === 'check' && d.at > 1000 && d.at < 20_000),
          map(() => 'c'),
        ),
      ).toBe('2000ms c 2069ms c 3999ms c 3999ms c 3999ms c');
      // ... and keepalives after 15 s without data.
      expectObservable(
        tapA.sent$.pipe(
          filter((d) => d.kind === 'keepalive' && d.at < 20_000),
          map(() => 'k'),
        ),
      ).toBe('15070ms k');
      // (Signaling here is synchronous: checking has begun by the time the expectation subscribes.)
      // The old pair's liveness is what the application sees: still completed at 60 s; the link dies
      // then, so the check of 60070 goes unanswered and consent, last refreshed by the answer to the
      // check of 56070 at 56090, goes disconnected at max(56090 + 5000, 60070 + 500) = 61090 and
      // expires at 86090.
      ts.schedule(() => {
        expect(a.getStats().generation).toBe(1);
        expect(a.getStats().selectedPair).toBeUndefined(); // the new session selected nothing: the old pair carries data
        expect(() => a.send(encoder.encode('old pair'))).not.toThrow();
        net.setLink('a', 'b', { down: true });
      }, 60_000);
      expectObservable(a.connectionState$, '^ 95000ms !').toBe('k 69ms (cC) 61016ms d 24999ms f', {
        k: 'checking',
        c: 'connected',
        C: 'completed',
        d: 'disconnected',
        f: 'failed',
      });
      ts.schedule(() => stopAll(a, b), 96_000);
    });
  });

  it('recovers from consent failure with a restart once the path is back', () => {
    const ts = newTestScheduler();
    let states: ConnectionState[] = [];
    const received: string[] = [];
    ts.run(() => {
      const { net, a, b } = tappedPair(ts);
      states = recordStates(a);
      connectWithRestarts(a, b);
      b.data$.subscribe((d) => received.push(decoder.decode(d)));
      ts.schedule(() => net.setLink('a', 'b', { down: true }), 1000);
      ts.schedule(() => net.setLink('a', 'b', { down: false }), 35_000);
      ts.schedule(() => {
        expect(a.getStats().state).toBe('failed');
        a.restart();
      }, 40_000);
      ts.schedule(() => a.send(encoder.encode('back')), 41_000);
      ts.schedule(() => stopAll(a, b), 42_000);
    });
    expect(states.slice(0, 6)).toEqual([
      'new',
      'checking',
      'connected',
      'completed',
      'disconnected',
      'failed',
    ]);
    expect(states).toContain('connected');
    expect(states.at(-2)).toBe('completed');
    expect(received).toEqual(['back']);
  });

  it('a controlled side that restarts while its answer to the nomination is on the wire keeps that pair', () => {
    // b selects the pair when a's USE-CANDIDATE check arrives (RFC 8445 §7.3.1.5) and restarts at once,
    // its answer still 10 ms from a. The old session carries the selected pair, so it stays on: a
    // selects the same pair when the answer lands, data flows over it until the new generation
    // nominates, and nothing is lost either way.
    const ts = newTestScheduler();
    let restartedAt = -1;
    let selectedA: string[] = [];
    let aToB!: ReturnType<typeof stream>;
    let bToA!: ReturnType<typeof stream>;
    ts.run(() => {
      const { a, b } = tappedPair(ts);
      selectedA = [];
      a.selectedPair$.subscribe((p) => selectedA.push(`${p.local.address}-${p.remote.address}`));
      b.trace$.subscribe((event) => {
        if (event.type !== 'request-received' || !event.useCandidate || restartedAt >= 0) return;
        restartedAt = ts.now();
        ts.schedule(() => b.restart(), 0);
      });
      connectWithRestarts(a, b);
      aToB = stream(ts, a, b, 'a', { every: 10, start: 100, end: 3000 });
      bToA = stream(ts, b, a, 'b', { every: 10, start: 100, end: 3000 });
      ts.schedule(() => {
        for (const agent of [a, b]) {
          const stats = agent.getStats();
          // a answers b's new credentials with a restart of its own (nothing says they answer a's), and
          // b follows that answer: both end on generation 1, on a pair of generation-1 candidates.
          expect(stats.generation).toBe(1);
          expect(stats.state).toBe('completed');
          expect(stats.droppedDataPackets).toBe(0);
          expect(stats.selectedPair?.local.generation).toBe(1);
          expect(stats.selectedPair?.remote.generation).toBe(1);
        }
        stopAll(a, b);
      }, 4000);
    });
    expect(restartedAt).toBeGreaterThan(0);
    expect(restartedAt).toBeLessThan(100); // before either side sent data
    expect(selectedA[0]).toBe('10.0.0.1-10.0.0.2');
    expect(aToB.received).toEqual(aToB.expected);
    expect(bToA.received).toEqual(bToA.expected);
  });
});
