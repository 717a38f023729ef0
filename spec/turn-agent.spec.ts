/**
 * The agent's STUN/TURN client in virtual time, against the virtual STUN and
 * TURN servers of `rx-ice/testing`: gathering completion and errors$, the
 * relay policy, server error codes, permission failures, stale nonces,
 * refreshes, channels, restart (allocations renewed unless in use), a server
 * gone after allocation, and deallocation on stop.
 */

import { interval, take, throwError } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { IceAgent, type IceAgentOptions, type IceServerError } from '../lib/index.js';
import { connectAgents, type TurnServerOptions, VirtualNetwork } from '../lib/testing/index.js';
import { ServerGathering } from '../lib/turn/gathering.js';
import { DEFAULT_SERVER_RETRANSMISSION } from '../lib/turn/transactions.js';
import { parseIceServers } from '../lib/turn/urls.js';
import { connectWithRestarts } from './helpers/liveness-kit.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const TURN = {
  address: '198.51.100.2',
  port: 3478,
  username: 'rx',
  password: 'ice-secret',
  realm: 'rx.test',
};
const turnUrl = (password = TURN.password) => ({
  urls: `turn:${TURN.address}:${TURN.port}`,
  username: TURN.username,
  credential: password,
});
const states = { n: 'new', g: 'gathering', c: 'complete' };

function network(ts: TestScheduler, turn: Partial<TurnServerOptions> = {}) {
  const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
  const server = net.createTurnServer('turn', { ...TURN, ...turn });
  return { net, turn: server };
}

function agentOn(
  net: VirtualNetwork,
  ts: TestScheduler,
  name: string,
  address: string,
  options: Partial<IceAgentOptions> = {},
): IceAgent {
  return new IceAgent({
    role: name === 'a' ? 'controlling' : 'controlled',
    scheduler: ts,
    transport: net.createHost(name, { addresses: [address] }),
    random: () => 0.5,
    ...options,
  });
}

function collect(agent: IceAgent) {
  const errors: IceServerError[] = [];
  const types: string[] = [];
  agent.errors$.subscribe((e) => errors.push(e));
  agent.candidates$.subscribe((c) => types.push(c.type));
  return { errors, types };
}

describe('server-reflexive gathering', () => {
  it('completes gathering after 4.7 s without an unreachable STUN server, reporting stun-timeout', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      const a = agentOn(net, ts, 'a', '10.0.0.1', { iceServers: [{ urls: 'stun:10.0.0.99:3478' }] });
      expectObservable(a.gatheringState$, '^ 5000ms !').toBe('(ng) 4696ms c', states);
      expectObservable(a.errors$, '^ 5000ms !').toBe('4700ms e', {
        e: {
          url: 'stun:10.0.0.99:3478',
          kind: 'stun-timeout',
          code: undefined,
          reason: 'no answer to the Binding request after 4 transmission(s)',
          hostAddress: '10.0.0.1',
          fatal: true,
        },
      });
      ts.schedule(() => a.gatherCandidates(), 0);
      ts.schedule(() => {
        const stats = a.getStats();
        expect(stats).toMatchObject({ serverErrors: 1, serverRequestsSent: 1, serverRetransmissions: 3 });
        expect(stats.iceServers).toEqual([
          expect.objectContaining({
            url: 'stun:10.0.0.99:3478',
            state: 'failed',
            host: expect.stringMatching(/^10\.0\.0\.1:/),
          }),
        ]);
        expect(a.getLocalCandidates().map((c) => c.type)).toEqual(['host']);
        a.stop();
      }, 6000);
    });
  });

  it('drops a reflexive address equal to the host address (no NAT) but reports it in stats', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      net.createStunServer('stun', { address: '198.51.100.1' });
      const a = agentOn(net, ts, 'a', '198.51.100.20', { iceServers: [{ urls: 'stun:198.51.100.1' }] });
      const { types } = collect(a);
      a.gatherCandidates();
      ts.schedule(() => {
        const stats = a.getStats();
        expect(stats.gatheringState).toBe('complete');
        expect(types).toEqual(['host']);
        expect(stats.redundantCandidates).toBe(1);
        expect(stats.iceServers[0]).toMatchObject({ state: 'succeeded', rtt: 20 });
        expect(stats.iceServers[0]?.mapped).toBe(stats.iceServers[0]?.host);
        a.stop();
      }, 100);
    });
  });
});

describe('TURN through the virtual server', () => {
  it('relay policy: two agents announce only relayed candidates, connect through TURN, bind channels, deallocate on stop', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { net, turn } = network(ts);
      const options = { iceServers: [turnUrl()], iceTransportPolicy: 'relay' as const };
      const a = agentOn(net, ts, 'a', '198.51.100.20', options);
      const b = agentOn(net, ts, 'b', '198.51.100.30', options);
      const seenA = collect(a);
      const seenB = collect(b);
      // host sockets bound but unannounced; the relayed candidate after 401 + Allocate (2 round trips, 40 ms)
      expectObservable(a.gatheringState$, '^ 100ms !').toBe('g 39ms c', states);
      const received: string[] = [];
      b.data$.subscribe((d) => received.push(new TextDecoder().decode(d)));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        for (let i = 0; i < 50; i++) a.send(new TextEncoder().encode(`m${i}`));
      }, 2000);
      ts.schedule(() => {
        expect(seenA.types).toEqual(['relay']);
        expect(seenB.types).toEqual(['relay']);
        expect(seenA.errors).toEqual([]);
        expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
        expect(a.getStats().selectedPair?.local.type).toBe('relay');
        expect(turn.stats.activeChannels).toBe(2);
        expect(turn.stats.channelDataReceived).toBeGreaterThanOrEqual(50);
        const stats = a.getStats();
        expect(stats).toMatchObject({ turnAllocations: 1, turnChannelBinds: 1 });
        expect(stats.turnPermissions).toBeGreaterThanOrEqual(1);
        expect(stats.relayedPacketsSent).toBeGreaterThanOrEqual(50);
        a.stop();
        b.stop();
      }, 3000);
      ts.schedule(() => {
        expect(turn.stats.activeAllocations).toBe(0);
        expect(turn.stats.allocationsDeleted).toBe(2);
      }, 3100);
    });
  });

  it('refreshes the allocation, permissions and channel through a stale nonce, data still flowing after 11 minutes', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net, turn } = network(ts, { nonceLifetime: 100 });
      const options = { iceServers: [turnUrl()], iceTransportPolicy: 'relay' as const };
      const a = agentOn(net, ts, 'a', '198.51.100.20', options);
      const b = agentOn(net, ts, 'b', '198.51.100.30', options);
      const received: number[] = [];
      b.data$.subscribe(() => received.push(ts.now()));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => a.send(new TextEncoder().encode('still there')), 660_000);
      ts.schedule(() => {
        expect(received).toEqual([660_000 + 30]); // a → server, relay → relay, server → b: 10 ms each
        expect(turn.stats.errorResponses[438]).toBeGreaterThan(0);
        expect(turn.stats.allocationsExpired).toBe(0);
        const stats = a.getStats();
        expect(stats.turnRefreshes).toBeGreaterThanOrEqual(1);
        expect(stats.turnPermissions).toBeGreaterThanOrEqual(3);
        expect(stats.turnChannelBinds).toBeGreaterThanOrEqual(2);
        expect(stats.serverErrors).toBe(0);
        a.stop();
        b.stop();
      }, 661_000);
    });
  });

  it.each([
    ['wrong password', {}, 'wrong', 401],
    ['quota reached', { allocationQuota: 1 }, TURN.password, 486],
    ['no capacity', { maxAllocations: 1 }, TURN.password, 508],
  ])(
    '%s: a turn-allocate error event, gathering completes with the host candidate',
    (_n, turnOptions, password, code) => {
      const ts = newTestScheduler();
      ts.run(() => {
        const { net } = network(ts, turnOptions);
        // Another agent of the same user holds the one allocation allowed.
        const first = agentOn(net, ts, 'z', '198.51.100.99', { iceServers: [turnUrl()] });
        first.gatherCandidates();
        const a = agentOn(net, ts, 'a', '198.51.100.20', { iceServers: [turnUrl(password)] });
        const { errors, types } = collect(a);
        ts.schedule(() => a.gatherCandidates(), 100);
        ts.schedule(() => {
          expect(errors).toEqual([
            expect.objectContaining({
              kind: 'turn-allocate',
              code,
              fatal: true,
              url: `turn:${TURN.address}:${TURN.port}`,
            }),
          ]);
          expect(types).toEqual(['host']);
          expect(a.getStats()).toMatchObject({
            gatheringState: 'complete',
            serverErrors: 1,
            turnAllocations: 0,
          });
          a.stop();
          first.stop();
        }, 1000);
      });
    },
  );

  it('a refused permission (403) is an error event, never a crash; the agent goes on', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net } = network(ts, { denyPeer: (address) => address === '198.51.100.30' });
      const a = agentOn(net, ts, 'a', '198.51.100.20', { iceServers: [turnUrl()] });
      const b = agentOn(net, ts, 'b', '198.51.100.30');
      const { errors } = collect(a);
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        expect(errors.length).toBeGreaterThan(0);
        expect(errors[0]).toMatchObject({
          kind: 'turn-permission',
          code: 403,
          peer: '198.51.100.30',
          fatal: false,
        });
        expect(a.getStats().state).toMatch(/connected|completed/); // host ↔ host works
        a.stop();
        b.stop();
      }, 5000);
    });
  });

  it('restart deallocates an allocation no pair uses (LIFETIME 0) and allocates afresh for the new generation', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net, turn } = network(ts);
      const a = agentOn(net, ts, 'a', '198.51.100.20', {
        iceServers: [turnUrl()],
        iceTransportPolicy: 'relay',
      });
      const { errors } = collect(a);
      const events: string[] = [];
      turn.events$.subscribe((e) => {
        if (e.type === 'allocation-created') events.push(`${e.time} created ${e.relayed.port}`);
        if (e.type === 'allocation-deleted') events.push(`${e.time} deleted ${e.relayed.port} ${e.reason}`);
      });
      const candidates: string[] = [];
      a.candidates$.subscribe((c) => candidates.push(`${c.generation} ${c.type} ${c.address}:${c.port}`));
      const gathering: string[] = [];
      a.gatheringState$.subscribe((g) => gathering.push(`${ts.now()} ${g}`));
      a.gatherCandidates();
      ts.schedule(() => a.restart(), 1000);
      ts.schedule(() => {
        // The Refresh LIFETIME 0 reaches the server first; the new Allocate (401, then authenticated) follows.
        expect(events).toEqual(['30 created 49152', '1010 deleted 49152 refresh', '1030 created 49152']);
        expect(candidates).toEqual([`0 relay ${TURN.address}:49152`, `1 relay ${TURN.address}:49152`]);
        expect(gathering).toEqual([
          '0 new',
          '0 gathering',
          '40 complete',
          '1000 new',
          '1000 gathering',
          '1040 complete',
        ]);
        expect(turn.stats).toMatchObject({
          allocationsCreated: 2,
          allocationsDeleted: 1,
          activeAllocations: 1,
        });
        expect(errors).toEqual([]);
        const stats = a.getStats();
        expect(stats).toMatchObject({ turnAllocations: 2, turnDeallocations: 1, gatheringState: 'complete' });
        expect(stats.iceServers.map((s) => s.state)).toEqual(['succeeded']);
        expect(stats.localCandidates.map((c) => `${c.generation} ${c.type}`)).toEqual(['1 relay']);
        a.stop();
      }, 2000);
    });
  });

  it('restart while data flows over a host pair: the unused allocation is renewed, no datagram lost', () => {
    const ts = newTestScheduler();
    const received: string[] = [];
    let sent = 0;
    ts.run(() => {
      const { net, turn } = network(ts);
      const a = agentOn(net, ts, 'a', '198.51.100.20', { iceServers: [turnUrl()] });
      const b = agentOn(net, ts, 'b', '198.51.100.30');
      const { errors } = collect(a);
      const relayed: string[] = [];
      a.candidates$.subscribe((c) => c.type === 'relay' && relayed.push(`${c.generation} ${c.port}`));
      b.data$.subscribe((d) => received.push(new TextDecoder().decode(d)));
      connectWithRestarts(a, b);
      ts.schedule(() => {
        interval(10, ts)
          .pipe(take(200))
          .subscribe(() => a.send(new TextEncoder().encode(`m${sent++}`)));
      }, 500);
      ts.schedule(() => a.restart(), 1000);
      ts.schedule(() => {
        expect(relayed).toEqual(['0 49152', '1 49152']);
        expect(turn.stats).toMatchObject({
          allocationsCreated: 2,
          allocationsDeleted: 1,
          activeAllocations: 1,
        });
        expect(errors).toEqual([]);
        const stats = a.getStats();
        expect(stats.selectedPair?.local).toMatchObject({ type: 'host', generation: 1 });
        expect(stats.turnDeallocations).toBe(1);
        expect(b.getStats().droppedDataPackets).toBe(0);
        a.stop();
        b.stop();
      }, 3000);
    });
    expect(sent).toBe(200);
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
  });

  it('restart while data flows over a relayed pair: the allocation in use survives, no datagram lost', () => {
    const ts = newTestScheduler();
    const received: string[] = [];
    let sent = 0;
    ts.run(() => {
      const { net, turn } = network(ts);
      const options = { iceServers: [turnUrl()], iceTransportPolicy: 'relay' as const };
      const a = agentOn(net, ts, 'a', '198.51.100.20', options);
      const b = agentOn(net, ts, 'b', '198.51.100.30', options);
      const seenA = collect(a);
      const seenB = collect(b);
      const relayed: string[] = [];
      a.candidates$.subscribe((c) => relayed.push(`${c.generation} ${c.type} ${c.port}`));
      const deleted: string[] = [];
      turn.events$.subscribe((e) => e.type === 'allocation-deleted' && deleted.push(e.reason));
      b.data$.subscribe((d) => received.push(new TextDecoder().decode(d)));
      connectWithRestarts(a, b);
      ts.schedule(() => {
        interval(10, ts)
          .pipe(take(200))
          .subscribe(() => a.send(new TextEncoder().encode(`m${sent++}`)));
      }, 500);
      ts.schedule(() => a.restart(), 1000); // b restarts too on a's new credentials
      ts.schedule(() => {
        expect(relayed).toEqual(['0 relay 49152', '1 relay 49152']); // the same allocation, re-announced
        expect(deleted).toEqual([]);
        expect(turn.stats).toMatchObject({
          allocationsCreated: 2,
          allocationsDeleted: 0,
          activeAllocations: 2,
        });
        expect(seenA.errors).toEqual([]);
        expect(seenB.errors).toEqual([]);
        const stats = a.getStats();
        expect(stats.generation).toBe(1);
        expect(stats.selectedPair?.local).toMatchObject({ type: 'relay', generation: 1 });
        expect(stats.turnDeallocations).toBe(0);
        expect(b.getStats().droppedDataPackets).toBe(0);
        a.stop();
        b.stop();
      }, 3000);
    });
    expect(sent).toBe(200);
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
  });

  it('a TURN server gone after allocation: the refresh fails, the relayed candidate and its pairs are retired', () => {
    const ts = newTestScheduler();
    const states: string[] = [];
    let failedAt: number | undefined;
    ts.run(() => {
      // 30 s lifetimes: refreshed at half-time (15 s) and retried while the allocation has time left;
      // the refresh is fatal before consent (30 s without an answer after 12 s) would expire.
      const { net, turn } = network(ts, { lifetime: 30, maxLifetime: 30 });
      const options = { iceServers: [turnUrl()], iceTransportPolicy: 'relay' as const };
      const a = agentOn(net, ts, 'a', '198.51.100.20', options);
      const b = agentOn(net, ts, 'b', '198.51.100.30', options);
      const { errors } = collect(a);
      a.connectionState$.subscribe((s) => {
        states.push(s);
        if (s === 'failed') failedAt = ts.now();
      });
      const received: string[] = [];
      b.data$.subscribe((d) => received.push(new TextDecoder().decode(d)));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        a.send(new TextEncoder().encode('before'));
        expect(a.getStats().selectedPair?.local.type).toBe('relay');
      }, 10_000);
      ts.schedule(() => turn.close(), 12_000);
      ts.schedule(() => {
        expect(received).toEqual(['before']);
        expect(errors.map((e) => `${e.kind} ${e.fatal}`)).toEqual([
          'turn-refresh false', // no answer after 4 transmissions; retrying
          'turn-refresh false',
          'turn-refresh true', // no time left before the allocation expires
        ]);
        const stats = a.getStats();
        expect(stats.localCandidates).toEqual([]);
        expect(stats.candidatePairs).toEqual([]);
        expect(stats.selectedPair).toBeUndefined();
        expect(stats).toMatchObject({ state: 'failed', failureReason: 'local-address' });
        expect(stats.iceServers.map((s) => s.state)).toEqual(['failed']);
        expect(() => a.send(new Uint8Array(1))).toThrow(/failed/);
        a.stop();
        b.stop();
      }, 36_000);
    });
    expect(states).toEqual(['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed']);
    expect(failedAt).toBeLessThan(36_000); // by the retirement, not by consent expiry (~42 s)
  });

  it('restart tries a failed TURN server again', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      const a = agentOn(net, ts, 'a', '198.51.100.20', {
        iceServers: [turnUrl()],
        iceTransportPolicy: 'relay',
      });
      const { errors, types } = collect(a);
      a.gatherCandidates();
      ts.schedule(() => net.createTurnServer('turn', TURN), 6000); // the server comes up after the first attempt failed
      ts.schedule(() => a.restart(), 7000);
      ts.schedule(() => {
        expect(errors).toEqual([expect.objectContaining({ kind: 'turn-allocate', code: undefined })]);
        expect(types).toEqual(['relay']);
        expect(a.getStats().iceServers.map((s) => s.state)).toEqual(['succeeded']);
        a.stop();
      }, 8000);
    });
  });
});

describe('ServerGathering: names', () => {
  it('reports a name that does not resolve as a dns error and settles', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const errors: IceServerError[] = [];
      let progress = 0;
      const gathering = new ServerGathering({
        servers: parseIceServers([{ urls: 'stun:stun.invalid' }]),
        gatherReflexive: true,
        scheduler: ts,
        retransmission: DEFAULT_SERVER_RETRANSMISSION,
        lookup: () => throwError(() => new Error('getaddrinfo ENOTFOUND stun.invalid')),
        hooks: {
          reflexive: () => {},
          relayed: () => {},
          error: (e) => errors.push(e),
          progress: () => progress++,
        },
      });
      gathering.hostSocketsDone();
      expect(gathering.settled).toBe(true);
      expect(progress).toBeGreaterThan(0);
      expect(errors).toEqual([
        {
          url: 'stun:stun.invalid',
          kind: 'dns',
          reason: 'cannot resolve stun.invalid: getaddrinfo ENOTFOUND stun.invalid',
          fatal: true,
        },
      ]);
      expect(gathering.stats().counters.serverErrors).toBe(1);
    });
  });
});
