/**
 * The issue's agent matrix: two agents, each on the public network or behind
 * a full-cone, port-restricted-cone or symmetric NAT, with a STUN and a TURN
 * server on the virtual network, connect in virtual time over the path RFC
 * 4787 allows: directly unless one side is symmetric and the other filters by
 * port (port-restricted or symmetric), then only through TURN. Plus the
 * timing of gathering behind a NAT, as marbles.
 */
import { filter, map, take } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { type Candidate, IceAgent, type IceServer, type SelectedPair } from '../lib/index.js';
import { connectAgents, NAT_PRESETS, type VirtualHost, VirtualNetwork } from '../lib/testing/index.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

type Placement = 'public' | 'fullCone' | 'portRestrictedCone' | 'symmetric';

const STUN = { address: '198.51.100.1', port: 3478 };
const TURN = {
  address: '198.51.100.2',
  port: 3478,
  username: 'rx',
  password: 'ice-secret',
  realm: 'rx-ice.test',
};
const ICE_SERVERS: IceServer[] = [
  { urls: `stun:${STUN.address}:${STUN.port}` },
  {
    urls: `turn:${TURN.address}:${TURN.port}?transport=udp`,
    username: TURN.username,
    credential: TURN.password,
  },
];
const STUN_ONLY: IceServer[] = ICE_SERVERS.slice(0, 1);

/** Where a side's datagrams appear to come from on the public network (relay aside). */
function publicAddress(placement: Placement, index: number): string {
  return placement === 'public' ? `198.51.100.${10 + index}` : `203.0.113.${index}`;
}

/** Puts side `name` (index 1 or 2) on the network: a public host, or a private host behind its own NAT. */
function place(net: VirtualNetwork, name: string, placement: Placement, index: number): VirtualHost {
  if (placement === 'public') return net.createHost(name, { addresses: [publicAddress(placement, index)] });
  const nat = `nat-${name}`;
  net.createNat(nat, { publicAddress: publicAddress(placement, index), ...NAT_PRESETS[placement] });
  net.setLink(name, nat, { latency: 1 }); // the LAN hop
  return net.createHost(name, { addresses: [`192.168.${index}.10`], behind: nat });
}

/** RFC 4787: a symmetric NAT opens a new mapping per peer, which a port-dependent filter on the other side refuses. */
function needsRelay(a: Placement, b: Placement): boolean {
  const portFiltering = (p: Placement) => p === 'portRestrictedCone' || p === 'symmetric';
  return (a === 'symmetric' && portFiltering(b)) || (b === 'symmetric' && portFiltering(a));
}

interface Outcome {
  readonly states: Record<'a' | 'b', string[]>;
  readonly selected: Record<'a' | 'b', SelectedPair | undefined>;
  readonly echoed: string[];
  readonly candidateTypes: Record<'a' | 'b', string[]>;
  /** TURN allocations left a second after both agents stopped. */
  allocationsAfterStop: number;
}

/** Connects agent a (controlling, side 1) and b (controlled, side 2), pings once connected, stops both at `until`. */
function runMatrixSession(
  a: Placement,
  b: Placement,
  iceServers: readonly IceServer[] = ICE_SERVERS,
  until = 15_000,
): Outcome {
  const ts = newTestScheduler();
  const outcome: Outcome = {
    states: { a: [], b: [] },
    selected: { a: undefined, b: undefined },
    echoed: [],
    candidateTypes: { a: [], b: [] },
    allocationsAfterStop: -1,
  };
  ts.run(() => {
    const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
    net.createStunServer('stun', STUN);
    const turn = net.createTurnServer('turn', TURN);
    const agent = (side: 'a' | 'b', placement: Placement, index: number) =>
      new IceAgent({
        role: side === 'a' ? 'controlling' : 'controlled',
        scheduler: ts,
        transport: place(net, side, placement, index),
        iceServers,
        random: () => 0.5,
      });
    const agents = { a: agent('a', a, 1), b: agent('b', b, 2) };
    for (const side of ['a', 'b'] as const) {
      const x = agents[side];
      x.connectionState$.subscribe((s) => outcome.states[side].push(s));
      x.selectedPair$.subscribe((p) => {
        outcome.selected[side] = p;
      });
      x.candidates$.subscribe((c) => outcome.candidateTypes[side].push(c.type));
    }
    agents.b.data$.subscribe((bytes) => agents.b.send(bytes)); // echo
    agents.a.data$.subscribe((bytes) => outcome.echoed.push(new TextDecoder().decode(bytes)));
    agents.a.connectionState$
      .pipe(
        filter((s) => s === 'connected'),
        take(1),
      )
      .subscribe(() => ts.schedule(() => agents.a.send(new TextEncoder().encode('ping')), 200));
    connectAgents(agents.a, agents.b, { scheduler: ts });
    ts.schedule(() => {
      agents.a.stop();
      agents.b.stop();
    }, until);
    ts.schedule(() => {
      outcome.allocationsAfterStop = turn.stats.activeAllocations;
    }, until + 1000);
  });
  return outcome;
}

const usesRelay = (pair: SelectedPair | undefined) =>
  pair?.local.type === 'relay' || pair?.remote.type === 'relay';

const PLACEMENTS: Placement[] = ['public', 'fullCone', 'portRestrictedCone', 'symmetric'];
const COMBINATIONS = PLACEMENTS.flatMap((a, i) => PLACEMENTS.slice(i).map((b) => ({ a, b })));

describe('agent matrix: NAT × NAT with STUN and TURN', () => {
  describe.each(COMBINATIONS)('$a ↔ $b', ({ a, b }) => {
    const relay = needsRelay(a, b);
    it(`connects ${relay ? 'only through TURN' : 'directly'}`, () => {
      const outcome = runMatrixSession(a, b);
      for (const side of ['a', 'b'] as const) {
        expect(outcome.states[side], side).toContain('connected');
        expect(outcome.states[side], side).not.toContain('failed');
      }
      expect(outcome.echoed).toEqual(['ping']);
      const { a: pairA, b: pairB } = outcome.selected;
      expect(usesRelay(pairA)).toBe(relay);
      expect(usesRelay(pairB)).toBe(relay);
      if (!relay) {
        // Each side's datagrams come from its public face: its own address, or its NAT's.
        expect(pairA?.remote.address).toBe(publicAddress(b, 2));
        expect(pairB?.remote.address).toBe(publicAddress(a, 1));
        expect(pairA?.remote.type).toMatch(b === 'public' ? /^host$/ : /^(srflx|prflx)$/);
        expect(pairB?.remote.type).toMatch(a === 'public' ? /^host$/ : /^(srflx|prflx)$/);
      } else {
        // Relayed on one side at least; the other side's remote is that relayed address.
        const relayedSide = pairA?.local.type === 'relay' ? pairA : pairB;
        const other = relayedSide === pairA ? pairB : pairA;
        expect(other?.remote.address).toBe(relayedSide?.local.address);
        expect(relayedSide?.local.address).toBe(TURN.address);
      }
      // Behind a NAT the agent learns its NAT's address from STUN, and every agent gets a relayed address.
      for (const [side, placement] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const types = outcome.candidateTypes[side];
        expect(types, side).toContain('relay');
        expect(types.includes('srflx'), side).toBe(placement !== 'public');
      }
      expect(outcome.allocationsAfterStop).toBe(0); // stop() deallocates
    });
  });

  it.each([
    { a: 'symmetric', b: 'symmetric' },
    { a: 'portRestrictedCone', b: 'symmetric' },
  ] as const)('$a ↔ $b fails without TURN', ({ a, b }) => {
    const outcome = runMatrixSession(a, b, STUN_ONLY, 60_000);
    expect(outcome.states.a).toContain('failed');
    expect(outcome.states.b).toContain('failed');
    expect(outcome.echoed).toEqual([]);
  });

  it('without servers, two public hosts connect host ↔ host, and NATed ones do not connect at all', () => {
    const open = runMatrixSession('public', 'public', []);
    expect(open.selected.a?.local.type).toBe('host');
    expect(open.selected.a?.remote.type).toBe('host');
    expect(open.echoed).toEqual(['ping']);
    const closed = runMatrixSession('fullCone', 'fullCone', [], 60_000);
    expect(closed.states.a).toContain('failed');
  });
});

describe('gathering behind a NAT (marbles)', () => {
  /** One agent behind a port-restricted NAT: LAN hop 1 ms, WAN hop 10 ms, so 22 ms to a server and back. */
  function gatheringAgent(ts: TestScheduler): IceAgent {
    const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
    net.createStunServer('stun', STUN);
    net.createTurnServer('turn', TURN);
    return new IceAgent({
      role: 'controlling',
      scheduler: ts,
      transport: place(net, 'a', 'portRestrictedCone', 1),
      iceServers: ICE_SERVERS,
      random: () => 0.5,
    });
  }

  it('host at once, srflx after one round trip to the STUN server, relay after two to the TURN server (401, then Allocate)', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const agent = gatheringAgent(ts);
      agent.gatherCandidates();
      const describe = (c: Candidate) =>
        `${c.type} ${c.address}:${c.port}${c.relatedAddress ? ` raddr ${c.relatedAddress}:${c.relatedPort}` : ''}`;
      expectObservable(agent.candidates$.pipe(map(describe)), '^ 1s !').toBe('h 21ms s 21ms r', {
        h: 'host 192.168.1.10:49152',
        s: 'srflx 203.0.113.1:49152 raddr 192.168.1.10:49152', // raddr: its base
        r: `relay ${TURN.address}:49152 raddr 203.0.113.1:49152`, // raddr: the mapped address the server saw
      });
      expectObservable(agent.gatheringState$, '^ 1s !').toBe('g 43ms c', { g: 'gathering', c: 'complete' });
      ts.schedule(() => agent.stop(), 2000); // after the observation window
    });
  });
});
