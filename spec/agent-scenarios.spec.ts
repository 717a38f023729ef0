/**
 * Two agents connecting on the virtual network in virtual time, across roles,
 * trickle orders, role conflicts, a peer-reflexive path and a lossy link.
 */
import { filter, take } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { type IceAgent, type IceAgentOptions, type SelectedPair, serializeCandidate } from '../lib/index.js';
import { connectAgents, type SignalingOptions } from '../lib/testing/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

interface Outcome {
  readonly states: Record<'a' | 'b', string[]>;
  readonly selected: Record<'a' | 'b', SelectedPair | undefined>;
  readonly roles: Record<'a' | 'b', string>;
  readonly echoed: string[];
}

/** Runs a session for `until` virtual ms, exchanging one datagram each way once both are connected. */
function runSession(
  setup: (ts: TestScheduler) => { a: IceAgent; b: IceAgent; start: () => void },
  until = 5000,
): Outcome {
  const ts = newTestScheduler();
  const outcome: Outcome = {
    states: { a: [], b: [] },
    selected: { a: undefined, b: undefined },
    roles: { a: '', b: '' },
    echoed: [],
  };
  ts.run(() => {
    const { a, b, start } = setup(ts);
    for (const [name, agent] of [
      ['a', a],
      ['b', b],
    ] as const) {
      agent.connectionState$.subscribe((s) => outcome.states[name].push(s));
      agent.selectedPair$.subscribe((p) => {
        outcome.selected[name] = p;
      });
      agent.role$.subscribe((r) => {
        outcome.roles[name] = r;
      });
    }
    b.data$.subscribe((bytes) => b.send(bytes)); // echo
    a.data$.subscribe((bytes) => outcome.echoed.push(new TextDecoder().decode(bytes)));
    a.connectionState$
      .pipe(
        filter((s) => s === 'connected'),
        take(1),
      )
      .subscribe(() => ts.schedule(() => a.send(new TextEncoder().encode('ping')), 200));
    start();
    ts.schedule(() => {
      a.stop();
      b.stop();
    }, until);
  });
  return outcome;
}

function expectConnected(outcome: Outcome): void {
  expect(outcome.states.a).toContain('connected');
  expect(outcome.states.b).toContain('connected');
  expect(outcome.states.a).not.toContain('failed');
  expect(outcome.states.b).not.toContain('failed');
  const { a, b } = outcome.selected;
  expect(a && b).toBeTruthy();
  // Each side's selected pair is the mirror image of the other's.
  expect(`${a?.local.address}:${a?.local.port}`).toBe(`${b?.remote.address}:${b?.remote.port}`);
  expect(`${b?.local.address}:${b?.local.port}`).toBe(`${a?.remote.address}:${a?.remote.port}`);
  expect(outcome.echoed).toEqual(['ping']);
}

function signaled(
  options: Omit<SignalingOptions, 'scheduler'> = {},
  agents: { a?: Partial<IceAgentOptions>; b?: Partial<IceAgentOptions> } = {},
) {
  return (ts: TestScheduler) => {
    const { a, b } = virtualPair(ts, agents);
    return { a, b, start: () => connectAgents(a, b, { scheduler: ts, ...options }) };
  };
}

describe('sessions on the virtual network', () => {
  it('connects with a controlling and b controlled', () => {
    expectConnected(runSession(signaled()));
  });

  it('connects with the roles the other way round', () => {
    const outcome = runSession(signaled({}, { a: { role: 'controlled' }, b: { role: 'controlling' } }));
    // runSession sends from a; the controlled side may send once connected too.
    expectConnected(outcome);
    expect(outcome.roles).toEqual({ a: 'controlled', b: 'controlling' });
  });

  describe.each([
    { name: 'candidates and credentials together', candidateDelay: 0, credentialsDelay: 0 },
    { name: 'candidates long before credentials', candidateDelay: 0, credentialsDelay: 300 },
    { name: 'credentials long before candidates', candidateDelay: 300, credentialsDelay: 0 },
    { name: 'candidates and credentials interleaved', candidateDelay: 40, credentialsDelay: 70 },
  ])('trickle order: $name', ({ candidateDelay, credentialsDelay }) => {
    it('connects', () => {
      expectConnected(runSession(signaled({ candidateDelay, credentialsDelay })));
    });
  });

  it('connects when one side starts gathering late (remote candidates buffered before local ones exist)', () => {
    expectConnected(
      runSession((ts) => {
        const { a, b } = virtualPair(ts);
        return {
          a,
          b,
          start: () => {
            connectAgents(a, b, { scheduler: ts, gather: false });
            a.gatherCandidates();
            ts.schedule(() => b.gatherCandidates(), 500);
          },
        };
      }),
    );
  });

  it('resolves a role conflict when both start controlling (the lower tie-breaker yields)', () => {
    const outcome = runSession(
      signaled(
        {},
        { a: { role: 'controlling', tieBreaker: 2n }, b: { role: 'controlling', tieBreaker: 1n } },
      ),
    );
    expectConnected(outcome);
    expect(outcome.roles).toEqual({ a: 'controlling', b: 'controlled' });
  });

  it('resolves a role conflict when both start controlled (the higher tie-breaker takes control)', () => {
    const outcome = runSession(
      signaled({}, { a: { role: 'controlled', tieBreaker: 1n }, b: { role: 'controlled', tieBreaker: 2n } }),
    );
    expectConnected(outcome);
    expect(outcome.roles).toEqual({ a: 'controlled', b: 'controlling' });
  });

  it('connects over a peer-reflexive candidate when b never signals its candidates', () => {
    const outcome = runSession((ts) => {
      const { a, b } = virtualPair(ts);
      return {
        a,
        b,
        start: () => {
          const credsA = a.getLocalCredentials();
          const credsB = b.getLocalCredentials();
          a.setRemoteCredentials(credsB.ufrag, credsB.pwd);
          b.setRemoteCredentials(credsA.ufrag, credsA.pwd);
          a.candidates$.subscribe((c) => b.addRemoteCandidate(serializeCandidate(c)));
          a.gatherCandidates();
          b.gatherCandidates();
        },
      };
    });
    expectConnected(outcome);
    expect(outcome.selected.a?.remote.type).toBe('prflx');
  });

  it('connects across a link that loses 30% of datagrams', () => {
    const outcome = runSession((ts) => {
      const { net, a, b } = virtualPair(ts);
      net.setLink('a', 'b', { loss: 0.3 });
      return { a, b, start: () => connectAgents(a, b, { scheduler: ts }) };
    }, 20_000);
    expect(outcome.states.a).toContain('connected');
    expect(outcome.states.b).toContain('connected');
  });

  it('fails on both sides when the link is down, after end-of-candidates and the PAC timer', () => {
    const outcome = runSession((ts) => {
      const { net, a, b } = virtualPair(ts);
      net.setLink('a', 'b', { down: true });
      return { a, b, start: () => connectAgents(a, b, { scheduler: ts }) };
    }, 50_000);
    expect(outcome.states.a).toEqual(['new', 'checking', 'failed', 'closed']);
    expect(outcome.states.b).toEqual(['new', 'checking', 'failed', 'closed']);
  });
});

describe('ICE restart', () => {
  it('makes new credentials and a new candidate generation, keeps data flowing, and reconnects', () => {
    const ts = newTestScheduler();
    const log: string[] = [];
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      const generations: number[] = [];
      a.candidates$.subscribe((c) => generations.push(c.generation ?? -1));
      // Signaling that follows restarts: credentials are re-read whenever new candidates flow.
      const relay = (from: IceAgent, to: IceAgent) => {
        from.candidates$.subscribe((c) => {
          const { ufrag, pwd } = from.getLocalCredentials();
          to.setRemoteCredentials(ufrag, pwd);
          to.addRemoteCandidate(serializeCandidate(c));
        });
      };
      relay(a, b);
      relay(b, a);
      b.data$.subscribe((d) => log.push(`b got ${new TextDecoder().decode(d)} @${ts.now()}`));
      a.connectionState$.subscribe((s) => log.push(`a ${s} @${ts.now()}`));
      a.gatherCandidates();
      b.gatherCandidates();
      const before = a.getLocalCredentials();
      ts.schedule(() => {
        a.restart();
        expect(a.getLocalCredentials()).not.toEqual(before);
        a.send(new TextEncoder().encode('during restart'));
      }, 1000);
      ts.schedule(() => a.send(new TextEncoder().encode('after restart')), 2000);
      ts.schedule(() => {
        expect(generations).toEqual([0, 1]);
        expect(a.getStats().generation).toBe(1);
        a.stop();
        b.stop();
      }, 3000);
    });
    expect(log).toContain('b got during restart @1010');
    expect(log).toContain('b got after restart @2010');
    expect(log).not.toContain('a failed @');
    expect(log.filter((l) => l.startsWith('a connected'))).toHaveLength(1);
  });
});
