/**
 * A full agent facing an ICE-lite peer (RFC 8445 §2.5) in virtual time. The
 * peer is hand-made (spec/helpers/liveness-kit.ts): it answers authenticated
 * Binding requests and echoes data, and never sends a check of its own.
 */
import { filter, interval, map, take } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { type ConnectionState, IceAgent, type IceAgentOptions, InvalidOptionError } from '../lib/index.js';
import { mulberry32, VirtualNetwork } from '../lib/testing/index.js';
import { type DatagramKind, LitePeer, TappedTransport } from './helpers/liveness-kit.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const states = { n: 'new', k: 'checking', c: 'connected', C: 'completed', f: 'failed', x: 'closed' };

function litePair(ts: TestScheduler, options: Partial<IceAgentOptions> = {}, answerWith487 = false) {
  const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
  const tapA = new TappedTransport(net.createHost('a', { addresses: ['10.0.0.1'] }), ts);
  const tapLite = new TappedTransport(net.createHost('lite', { addresses: ['10.0.0.2'] }), ts);
  const a = new IceAgent({
    role: 'controlling',
    remoteIceLite: true,
    transport: tapA,
    scheduler: ts,
    ...options,
  });
  const lite = new LitePeer(tapLite, ts, '10.0.0.2', answerWith487);
  return { net, tapA, tapLite, a, lite };
}

describe('ICE-lite peers', () => {
  it("requires the controlling role (RFC 8445 §6.1.1): role 'controlled' is an InvalidOptionError", () => {
    expect(() => new IceAgent({ role: 'controlled', remoteIceLite: true })).toThrow(InvalidOptionError);
    expect(() => new IceAgent({ role: 'controlled', remoteIceLite: true })).toThrow(/controlling/);
  });

  it('connects as fast as with a full peer: regular nomination, no waiting for checks from the peer', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, lite } = litePair(ts);
      ts.schedule(() => {
        a.gatherCandidates();
        lite.introduceTo(a);
      }, 0);
      // Check at 0 answered at 20; nominating check in the next Ta slot (50), answered at 70.
      expectObservable(a.connectionState$, '^ 1000ms !').toBe('(nk) 66ms (cC)', states);
      ts.schedule(() => a.stop(), 2000);
    });
  });

  it('keeps a session with a lite peer up for 10 virtual minutes, then fails 30 s after the peer goes silent', () => {
    const ts = newTestScheduler();
    const log: [ConnectionState, number][] = [];
    const sentByLite: DatagramKind[] = [];
    let echoes = 0;
    let lite!: LitePeer;
    ts.run(() => {
      const pair = litePair(ts, { random: mulberry32(3) });
      const { net, a, tapLite } = pair;
      lite = pair.lite;
      a.connectionState$.subscribe((s) => log.push([s, ts.now()]));
      a.data$.subscribe(() => echoes++);
      tapLite.sent$.subscribe((d) => sentByLite.push(d.kind));
      a.gatherCandidates();
      lite.introduceTo(a);
      ts.schedule(() => {
        interval(1000, ts)
          .pipe(take(599))
          .subscribe((n) => a.send(new TextEncoder().encode(`ping ${n}`)));
      }, 0);
      ts.schedule(() => {
        const stats = a.getStats();
        expect(stats.state).toBe('completed');
        expect(stats.role).toBe('controlling');
        expect(stats.requestsReceived).toBe(0); // the lite peer never checked us, and nothing waited for it
        expect(stats.consentResponsesReceived).toBe(stats.consentRequestsSent);
        net.setLink('a', 'lite', { down: true });
      }, 600_000);
      ts.schedule(() => a.stop(), 700_000);
    });
    const consentChecks = lite.requests.filter((r) => r.at > 100);
    expect(lite.requests.filter((r) => r.useCandidate)).toHaveLength(1); // one regular nomination
    // 10 minutes of consent checks 4–6 s apart.
    expect(consentChecks.length).toBeGreaterThanOrEqual(100);
    expect(consentChecks.length).toBeLessThanOrEqual(150);
    expect(new Set(sentByLite)).toEqual(new Set(['response', 'data']));
    expect(echoes).toBe(599);
    expect(log.map(([s]) => s)).toEqual([
      'new',
      'checking',
      'connected',
      'completed',
      'disconnected',
      'failed',
      'closed',
    ]);
    const [, disconnectedAt] = log[4] as [ConnectionState, number];
    const [, failedAt] = log[5] as [ConnectionState, number];
    const lastAnswer = (consentChecks.at(-1)?.at ?? 0) + 10; // the answer reaches a one latency later
    expect(failedAt).toBe(lastAnswer + 30_000);
    expect(disconnectedAt).toBeGreaterThan(600_000);
    // 5 s after the last answer, once the next check (4–6 s after the previous one) waited 500 ms.
    expect(disconnectedAt - lastAnswer).toBeGreaterThanOrEqual(5000);
    expect(disconnectedAt - lastAnswer).toBeLessThanOrEqual(6000 - 10 + 500);
  });

  it('never yields the controlling role to a lite peer that answers 487: the pair fails instead', () => {
    const roles = (remoteIceLite: boolean) => {
      const ts = newTestScheduler();
      const seen: string[] = [];
      let state = '';
      ts.run(() => {
        const { a, lite } = litePair(ts, { remoteIceLite }, true);
        a.role$.subscribe((r) => seen.push(r));
        a.gatherCandidates();
        lite.introduceTo(a);
        ts.schedule(() => {
          state = a.getStats().state;
          a.stop();
        }, 40_000); // past the PAC timer (39.5 s): RFC 8863 holds failure until then
      });
      return { seen, state };
    };
    expect(roles(true)).toEqual({ seen: ['controlling'], state: 'failed' });
    // Facing a full peer, the same answer would make the agent switch roles (RFC 8445 §7.2.5.1).
    expect(roles(false).seen).toContain('controlled');
  });

  it('sends consent checks to the lite peer on the 5 s ± 20 % schedule', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, lite, tapA } = litePair(ts, { random: () => 0.5 });
      a.gatherCandidates();
      lite.introduceTo(a);
      expectObservable(
        tapA.sent$.pipe(
          filter((d) => d.kind === 'check' && d.at > 100),
          map(() => 'c'),
        ),
        '^ 16000ms !',
      ).toBe('5070ms c 4999ms c 4999ms c');
      ts.schedule(() => a.stop(), 17_000);
    });
  });
});
