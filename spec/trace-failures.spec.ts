/**
 * Precise failure reasons of an agent, with the `failed` trace event naming
 * them, and the STUN/TURN server steps on `trace$`: a TURN allocation
 * refused under the relay policy (`turn-refused`, code 401), no usable local
 * candidate, no remote candidate; server-reflexive and relayed candidates.
 */
import { describe, expect, it } from 'vitest';
import { FAILURE_DESCRIPTIONS, IceAgent, type IceAgentOptions, type TraceEvent } from '../lib/index.js';
import { FastScheduler, NAT_PRESETS, VirtualNetwork } from '../lib/testing/index.js';

const TURN = {
  address: '198.51.100.2',
  port: 3478,
  username: 'rx',
  password: 'ice-secret',
  realm: 'rx.test',
};
const STUN = { address: '198.51.100.3', port: 3478 };

function world() {
  const fs = new FastScheduler();
  const net = new VirtualNetwork({ scheduler: fs, latency: 10 });
  net.createTurnServer('turn', TURN);
  net.createStunServer('stun', STUN);
  const agent = (name: string, address: string, options: Partial<IceAgentOptions> = {}) => {
    const a = new IceAgent({
      role: 'controlling',
      scheduler: fs,
      transport: net.createHost(name, { addresses: [address] }),
      ...options,
    });
    const events: TraceEvent[] = [];
    a.trace$.subscribe((e) => events.push(e));
    return { agent: a, events };
  };
  return { fs, net, agent };
}

/** Gives `agent` the remote's credentials and end-of-candidates, with `candidates` signaled. */
function signal(agent: IceAgent, candidates: string[] = []): void {
  agent.setRemoteCredentials('rmte', 'p'.repeat(22));
  for (const c of candidates) agent.addRemoteCandidate(c);
  agent.endOfCandidates();
}

const failedEvent = (events: TraceEvent[]) => events.filter((e) => e.type === 'connection-state').at(-1);

describe('failure reasons', () => {
  it('relay policy and the TURN server refuses the allocation (401): turn-refused, with the code in the failed event', () => {
    const { fs, agent } = world();
    const turn = { urls: `turn:${TURN.address}:${TURN.port}`, username: TURN.username, credential: 'wrong' };
    const { agent: a, events } = agent('a', '198.51.100.20', {
      iceServers: [turn],
      iceTransportPolicy: 'relay',
    });
    a.gatherCandidates();
    signal(a, ['candidate:1 1 udp 2130706431 198.51.100.30 4000 typ host']);
    fs.advanceTo(60_000);
    expect(a.getStats()).toMatchObject({ state: 'failed', failureReason: 'turn-refused' });
    expect(failedEvent(events)).toMatchObject({
      state: 'failed',
      failureReason: 'turn-refused',
      code: 401,
      reason: FAILURE_DESCRIPTIONS['turn-refused'],
      at: 39_500,
    });
    const server = events.filter((e) => e.type === 'server');
    expect(server.map((e) => [e.step, e.method, e.code])).toEqual([
      ['started', undefined, undefined],
      ['request', 'Allocate', undefined],
      ['response', 'Allocate', 401], // the challenge: realm and nonce
      ['request', 'Allocate', undefined],
      ['response', 'Allocate', 401], // the wrong password
      ['error', undefined, 401],
    ]);
    expect(server[1]?.transactionId).toBe(server[2]?.transactionId);
    expect(server[3]?.transactionId).not.toBe(server[1]?.transactionId);
    expect(server.at(-1)).toMatchObject({ kind: 'turn-allocate', hostAddress: '198.51.100.20' });
    a.stop();
  });

  it('no usable local candidate (every address filtered out): no-local-candidates', () => {
    const { fs, agent } = world();
    const { agent: a, events } = agent('a', '198.51.100.20', { ipFilter: () => false });
    a.gatherCandidates();
    signal(a, ['candidate:1 1 udp 2130706431 198.51.100.30 4000 typ host']);
    fs.advanceTo(60_000);
    expect(a.getStats().failureReason).toBe('no-local-candidates');
    expect(failedEvent(events)).toMatchObject({ failureReason: 'no-local-candidates' });
    a.stop();
  });

  it('no remote candidate signaled and no check from the peer: no-remote-candidates, not before the PAC timer', () => {
    const { fs, agent } = world();
    const { agent: a, events } = agent('a', '198.51.100.20');
    a.gatherCandidates();
    signal(a);
    fs.advanceTo(39_499);
    expect(a.getStats().state).toBe('new');
    fs.advanceTo(60_000);
    expect(a.getStats().failureReason).toBe('no-remote-candidates');
    expect(failedEvent(events)).toMatchObject({ failureReason: 'no-remote-candidates', at: 39_500 });
    a.stop();
  });
});

describe('server steps on trace$', () => {
  it('a STUN server maps the address, a TURN server allocates a relayed one', () => {
    const { fs, net } = world();
    net.createNat('nat', { publicAddress: '203.0.113.1', ...NAT_PRESETS.portRestrictedCone });
    const turn = {
      urls: `turn:${TURN.address}:${TURN.port}`,
      username: TURN.username,
      credential: TURN.password,
    };
    const stun = { urls: `stun:${STUN.address}:${STUN.port}` };
    const a = new IceAgent({
      role: 'controlling',
      scheduler: fs,
      transport: net.createHost('a', { addresses: ['192.168.1.10'], behind: 'nat' }),
      iceServers: [stun, turn],
    });
    const events: TraceEvent[] = [];
    a.trace$.subscribe((e) => events.push(e));
    a.gatherCandidates();
    fs.advanceTo(2000);
    const server = events.filter((e) => e.type === 'server');
    const steps = server
      .filter((e) => e.method === undefined)
      .map((e) => `${e.url} ${e.step} ${e.address ?? ''}`);
    expect(steps).toEqual(
      expect.arrayContaining([
        `stun:${STUN.address}:${STUN.port} started `,
        expect.stringMatching(
          new RegExp(`^stun:${STUN.address}:${STUN.port} mapped 203\\.0\\.113\\.1:\\d+$`),
        ),
        `turn:${TURN.address}:${TURN.port} started `,
        expect.stringMatching(
          new RegExp(`^turn:${TURN.address}:${TURN.port} allocated ${TURN.address}:\\d+$`),
        ),
      ]),
    );
    // Every request got its answer: Binding (STUN), Allocate twice (challenge, then authenticated).
    const wire = server
      .filter((e) => e.method !== undefined)
      .map((e) => `${e.step} ${e.method} ${e.code ?? ''}`);
    expect(wire).toEqual(
      expect.arrayContaining([
        'request Binding ',
        'response Binding ',
        'response Allocate 401',
        'response Allocate ',
      ]),
    );
    for (const request of server.filter((e) => e.step === 'request')) {
      expect(server.some((e) => e.step === 'response' && e.transactionId === request.transactionId)).toBe(
        true,
      );
    }
    const types = events.filter((e) => e.type === 'local-candidate').map((e) => e.candidateType);
    expect(types).toEqual(expect.arrayContaining(['host', 'srflx', 'relay']));
    expect(events.filter((e) => e.type === 'gathering-state').map((e) => e.state)).toEqual([
      'gathering',
      'complete',
    ]);
    a.stop();
  });
});
