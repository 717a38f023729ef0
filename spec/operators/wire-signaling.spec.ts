import { delay, map, type Observable, ReplaySubject, Subject } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { type Candidate, IceAgent, InvalidCandidateError } from '../../lib/index.js';
import { expectStates, VirtualNetwork } from '../../lib/testing/index.js';
import {
  addressScope,
  isSignalMessage,
  type SignalingAgent,
  type SignalMessage,
  wireSignaling,
} from '../../operators/index.js';
import { testScheduler } from './fixtures.js';

const remote = { ufrag: 'rmte', pwd: 'remotepasswordxxxxxxxx' };
const line = 'candidate:1 1 udp 2130706431 10.0.0.9 5000 typ host';

/** An agent double recording the calls wireSignaling makes. */
function recordingAgent(candidates$: Observable<Candidate>) {
  const calls: string[] = [];
  const agent: SignalingAgent = {
    candidates$,
    gatheringState$: new Subject(),
    getLocalCredentials: () => ({ ufrag: 'loca', pwd: 'localpasswordxxxxxxxxx' }),
    setRemoteCredentials: (ufrag, pwd) => {
      calls.push(`credentials ${ufrag} ${pwd}`);
    },
    addRemoteCandidate: (c) => {
      if (c.includes('bad')) throw new InvalidCandidateError('bad candidate');
      calls.push(`candidate ${c}`);
    },
    endOfCandidates: () => {
      calls.push('end-of-candidates');
    },
    gatherCandidates: () => {
      calls.push('gather');
    },
  };
  return { agent, calls };
}

describe('wireSignaling', () => {
  it('applies incoming messages to the agent and starts gathering', () => {
    const { agent, calls } = recordingAgent(new Subject());
    const incoming = new Subject<SignalMessage>();
    const sent: SignalMessage[] = [];
    wireSignaling(agent, incoming, { next: (m) => sent.push(m) });
    incoming.next({ type: 'credentials', ...remote });
    incoming.next({ type: 'candidate', candidate: line });
    incoming.next({ type: 'end-of-candidates' });
    expect(calls).toEqual([
      'gather',
      `credentials ${remote.ufrag} ${remote.pwd}`,
      `candidate ${line}`,
      'end-of-candidates',
    ]);
    // Sent on wiring, and again in full when the peer is first heard from (it may have missed it).
    const credentials = { type: 'credentials', ufrag: 'loca', pwd: 'localpasswordxxxxxxxxx' };
    expect(sent).toEqual([credentials, credentials]);
  });

  it('reports bad messages to onError and keeps going; ignores unknown types', () => {
    const { agent, calls } = recordingAgent(new Subject());
    const incoming = new Subject<unknown>();
    const onError = vi.fn();
    wireSignaling(
      agent,
      incoming as Observable<SignalMessage>,
      { next: () => {} },
      { onError, gather: false },
    );
    incoming.next({ type: 'candidate', candidate: 'bad' });
    incoming.next('not an object');
    incoming.next({ type: 'renegotiate', reason: 'from a newer peer' });
    incoming.next({ type: 'end-of-candidates' });
    expect(calls).toEqual(['end-of-candidates']);
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(InvalidCandidateError);
    expect(onError.mock.calls[1]?.[1]).toBe('not an object');
    incoming.error(new Error('socket closed'));
    expect(onError).toHaveBeenLastCalledWith(new Error('socket closed'));
  });

  it('cuts both directions on unsubscribe', () => {
    const candidates$ = new Subject<Candidate>();
    const { agent, calls } = recordingAgent(candidates$);
    const incoming = new Subject<SignalMessage>();
    const sent: SignalMessage[] = [];
    wireSignaling(agent, incoming, { next: (m) => sent.push(m) }, { gather: false }).unsubscribe();
    incoming.next({ type: 'end-of-candidates' });
    expect(calls).toEqual([]);
    expect(sent).toHaveLength(1); // the credentials sent on wiring
  });

  it('connects two agents over a JSON message channel in one line each', () => {
    const ts = testScheduler();
    ts.run((helpers) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      const transport = (name: string, address: string) => net.createHost(name, { addresses: [address] });
      const a = new IceAgent({ role: 'controlling', scheduler: ts, transport: transport('a', '10.0.0.1') });
      const b = new IceAgent({ role: 'controlled', scheduler: ts, transport: transport('b', '10.0.0.2') });
      // A signaling server 5 ms away that relays JSON text and keeps it for late joiners (a mailbox):
      // `a` sends its credentials and candidates the moment it is wired, before `b` listens.
      const toA = new ReplaySubject<string>();
      const toB = new ReplaySubject<string>();
      const channel = (text$: Observable<string>) =>
        text$.pipe(
          delay(5, ts),
          map((text) => JSON.parse(text) as unknown),
          map((m) => (isSignalMessage(m) ? m : { type: 'end-of-candidates' as const })),
        );
      const json = (to: ReplaySubject<string>) => ({
        next: (m: SignalMessage) => to.next(JSON.stringify(m)),
      });

      wireSignaling(a, channel(toA), json(toB), { candidates: addressScope('private') });
      wireSignaling(b, channel(toB), json(toA));

      // Checks start when the credentials arrive, 5 ms in; from there it is the connectAgents timeline.
      expectStates(helpers, a.connectionState$, 'n 4ms k 69ms (cC)', { subscription: '^ 200ms !' });
      expectStates(helpers, b.connectionState$, 'n 4ms k 59ms (cC)', { subscription: '^ 200ms !' });
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 300);
    });
  });

  it.each([
    ['a', 'b'],
    ['b', 'a'],
  ])(
    "connects over two plain Subjects, %s wired first (issue #11: the first one's signals had nobody listening)",
    (first) => {
      const ts = testScheduler();
      const states: Record<string, string[]> = { a: [], b: [] };
      ts.run(() => {
        const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
        const agents = {
          a: new IceAgent({
            role: 'controlling',
            scheduler: ts,
            transport: net.createHost('a', { addresses: ['10.0.0.1'] }),
          }),
          b: new IceAgent({
            role: 'controlled',
            scheduler: ts,
            transport: net.createHost('b', { addresses: ['10.0.0.2'] }),
          }),
        };
        agents.a.connectionState$.subscribe((s) => states.a?.push(s));
        agents.b.connectionState$.subscribe((s) => states.b?.push(s));
        const toA = new Subject<SignalMessage>();
        const toB = new Subject<SignalMessage>();
        const wireA = () => wireSignaling(agents.a, toA, toB);
        const wireB = () => wireSignaling(agents.b, toB, toA);
        if (first === 'a') {
          wireA();
          wireB();
        } else {
          wireB();
          wireA();
        }
        ts.schedule(() => {
          agents.a.stop();
          agents.b.stop();
        }, 3000);
      });
      expect(states.a).toContain('completed');
      expect(states.b).toContain('completed');
    },
  );
});
