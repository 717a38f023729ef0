/**
 * Marble tests pinning the agent's timing in virtual time: Ta pacing, the
 * retransmission schedule, a check's failure, the state sequence of a
 * successful session, and failure with and without end-of-candidates.
 */
import { filter, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { IceAgent } from '../lib/index.js';
import { connectAgents } from '../lib/testing/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

const states = { n: 'new', k: 'checking', c: 'connected', C: 'completed', f: 'failed', x: 'closed' } as const;
const REMOTE_CREDENTIALS = ['rmte', 'remote-password-0123456'.replace(/-/g, 'x')] as const;

/** An agent on 10.0.0.1 whose two remote candidates (10.0.0.9, no such host: ports 5000 'a' and 5001 'b') never answer. */
function agentFacingSilence(
  ts: ReturnType<typeof newTestScheduler>,
  endOfCandidates: boolean,
  extra: Partial<ConstructorParameters<typeof IceAgent>[0]> = {},
) {
  const { net, a } = virtualPair(ts, { a: extra });
  // Started from a scheduled action, so expectations set up before it see the first check at frame 0.
  const start = () => {
    a.gatherCandidates();
    a.setRemoteCredentials(...REMOTE_CREDENTIALS);
    a.addRemoteCandidate('candidate:1 1 udp 2130706431 10.0.0.9 5000 typ host');
    a.addRemoteCandidate('candidate:2 1 udp 2130706430 10.0.0.9 5001 typ host');
    if (endOfCandidates) a.endOfCandidates();
  };
  const checks$ = net.trace$.pipe(
    filter((t) => t.from.startsWith('10.0.0.1:')),
    map((t) => (t.to.endsWith(':5000') ? 'a' : 'b')),
  );
  return { a, checks$, start };
}

describe('timing in virtual time', () => {
  it('paces new checks one per Ta (50 ms) and retransmits at 500, 1500, 3100, 4700, 6300, 7900 ms', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, checks$, start } = agentFacingSilence(ts, true);
      // Pair 'a' starts at 0, pair 'b' one Ta later; each then follows the RTO schedule
      // (500 ms doubling, capped at 1600 ms): 0, 500, 1500, 3100, 4700, 6300, 7900.
      expectObservable(checks$, '^ 9999ms !').toBe(
        'a 49ms b 449ms a 49ms b 949ms a 49ms b 1549ms a 49ms b 1549ms a 49ms b 1549ms a 49ms b 1549ms a 49ms b',
      );
      ts.schedule(start, 0);
      ts.schedule(() => a.stop(), 10_000);
    });
  });

  it('honours a custom Ta', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, checks$, start } = agentFacingSilence(ts, true, { ta: 20 });
      expectObservable(checks$, '^ 100ms !').toBe('a 19ms b');
      ts.schedule(start, 0);
      ts.schedule(() => a.stop(), 200);
    });
  });

  it('with end-of-candidates, fails when the PAC timer expires (RFC 8863), not when the last check gives up', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, start } = agentFacingSilence(ts, true);
      // Pair 'b' (sent at 50) gives up at 50 + 9500 = 9550; both pairs failed and
      // end-of-candidates was signaled, but the PAC timer (started with the remote credentials
      // at 0) holds failure until 39 500 ms.
      expectObservable(a.connectionState$).toBe('(nk) 39496ms f 10499ms (x|)', { ...states });
      ts.schedule(start, 0);
      ts.schedule(() => a.stop(), 50_000);
    });
  });

  it('with a short pacTimeout, fails as soon as both pairs gave up', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, start } = agentFacingSilence(ts, true, { pacTimeout: 1000 });
      expectObservable(a.connectionState$).toBe('(nk) 9546ms f 10449ms (x|)', { ...states });
      ts.schedule(start, 0);
      ts.schedule(() => a.stop(), 20_000);
    });
  });

  it('without end-of-candidates waits candidateWait after the last failure, and never less than the PAC timer', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      // max(0 + 39 500 (PAC), 9550 + 5000) = 39 500
      const short = agentFacingSilence(ts, false, { candidateWait: 5000 });
      expectObservable(short.a.connectionState$, '^ 45000ms !').toBe('(nk) 39496ms f', { ...states });
      // max(39 500, 9550 + 40 000) = 49 550
      const long = agentFacingSilence(ts, false, { candidateWait: 40_000 });
      expectObservable(long.a.connectionState$, '^ 55000ms !').toBe('(nk) 49546ms f', { ...states });
      ts.schedule(short.start, 0);
      ts.schedule(long.start, 0);
      ts.schedule(() => {
        short.a.stop();
        long.a.stop();
      }, 60_000);
    });
  });

  it('runs a successful session through new → checking → connected → completed → closed', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, b } = virtualPair(ts, { latency: 10 });
      connectAgents(a, b, { scheduler: ts });
      // Checks cross at 0 → 10 ms; responses at 20 ms make the pair valid; the
      // nomination check goes out in the next Ta slot (50 ms) and reaches b at
      // 60 ms (b selects it), its response reaches a at 70 ms.
      expectObservable(b.connectionState$).toBe('(nk) 56ms (cC) 936ms (x|)', { ...states });
      expectObservable(a.connectionState$).toBe('(nk) 66ms (cC) 926ms (x|)', { ...states });
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 1000);
    });
  });

  it('delivers data one link latency after send()', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable, cold }) => {
      const { a, b } = virtualPair(ts, { latency: 10 });
      connectAgents(a, b, { scheduler: ts });
      const text = new TextDecoder();
      ts.schedule(() => a.send(new TextEncoder().encode('hello')), 100);
      expectObservable(b.data$.pipe(map((bytes) => text.decode(bytes))), '^ 200ms !').toBe('110ms h', {
        h: 'hello',
      });
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 300);
      expect(cold).toBeDefined();
    });
  });
});
