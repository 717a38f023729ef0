/**
 * A known session for the timeline tests, in virtual time: agent a (controlling, 10.0.0.1) and
 * b (controlled, 10.0.0.2) gather host and relayed candidates from a virtual TURN server, connect,
 * keep consent for a while; a is also told of a remote candidate nobody answers on (10.0.0.9), so
 * its pair retransmits and times out.
 */
import { IceAgent, type TraceEvent } from '../../lib/index.js';
import { connectAgents, createAgentPair, FastScheduler, VirtualNetwork } from '../../lib/testing/index.js';

const TURN = {
  address: '198.51.100.2',
  port: 3478,
  username: 'rx',
  password: 'ice-secret',
  realm: 'rx.test',
};

/** The traces of both agents after `until` ms of virtual time. */
export function tracedSession(until = 12_000): { a: TraceEvent[]; b: TraceEvent[] } {
  const fs = new FastScheduler();
  const net = new VirtualNetwork({ scheduler: fs, latency: 10 });
  net.createTurnServer('turn', TURN);
  net.createHost('ghost', { addresses: ['10.0.0.9'] });
  const iceServers = [
    { urls: `turn:${TURN.address}:${TURN.port}`, username: TURN.username, credential: TURN.password },
  ];
  const agent = (name: string, address: string, role: 'controlling' | 'controlled') =>
    new IceAgent({
      role,
      scheduler: fs,
      transport: net.createHost(name, { addresses: [address] }),
      random: () => 0.5,
      iceServers,
    });
  const a = agent('a', '10.0.0.1', 'controlling');
  const b = agent('b', '10.0.0.2', 'controlled');
  const traces = { a: [] as TraceEvent[], b: [] as TraceEvent[] };
  a.trace$.subscribe((e) => traces.a.push(e));
  b.trace$.subscribe((e) => traces.b.push(e));
  connectAgents(a, b, { scheduler: fs });
  a.addRemoteCandidate('candidate:9 1 udp 2130706431 10.0.0.9 40000 typ host');
  fs.advanceTo(until);
  a.stop();
  b.stop();
  return traces;
}

/**
 * A session that fails, traced on a: `unreachable` (the link between the hosts is down: checks
 * retransmit and time out) or `rejected` (a has a wrong remote password: b answers 401).
 */
export function failingSession(kind: 'unreachable' | 'rejected'): TraceEvent[] {
  const fs = new FastScheduler();
  const { a, b, net } = createAgentPair(fs, { a: { random: () => 0.5 }, b: { random: () => 0.5 } });
  const events: TraceEvent[] = [];
  a.trace$.subscribe((e) => events.push(e));
  if (kind === 'unreachable') {
    net.setLink('a', 'b', { down: true });
    connectAgents(a, b, { scheduler: fs });
  } else {
    const ca = a.getLocalCredentials();
    const cb = b.getLocalCredentials();
    a.setRemoteCredentials(cb.ufrag, `${cb.pwd.slice(0, -1)}${cb.pwd.endsWith('x') ? 'y' : 'x'}`);
    b.setRemoteCredentials(ca.ufrag, ca.pwd);
    a.candidates$.subscribe((c) => b.addRemoteCandidate(c));
    b.candidates$.subscribe((c) => a.addRemoteCandidate(c));
    a.gatheringState$.subscribe((s) => s === 'complete' && b.endOfCandidates());
    b.gatheringState$.subscribe((s) => s === 'complete' && a.endOfCandidates());
    a.gatherCandidates();
    b.gatherCandidates();
  }
  fs.advanceTo(60_000);
  a.stop();
  b.stop();
  return events;
}
