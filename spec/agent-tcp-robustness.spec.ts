/**
 * ICE-TCP robustness at the agent level, in virtual time: a half-open
 * connection, a reset and a slow reader, each on one pair of a session that
 * has others. Two TCP-only pairs (UDP blocked) with `failover`: the broken
 * selected pair is replaced by the other, which carries data on; UDP + TCP
 * with UDP selected: breaking the TCP connections leaves the session alone.
 * Nothing is thrown, and `stop()` closes every connection and listener.
 * Also: a flood of connections that never authenticate, and every
 * connection reset without failover (consent fails, a restart reconnects).
 * Over real loopback TCP: spec/agent-tcp-loopback-reset.spec.ts.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import type { IceAgentOptions } from '../lib/options.js';
import { connectAgents } from '../lib/testing/connect.js';
import { VirtualNetwork } from '../lib/testing/virtual-network.js';
import { type VirtualTcpEnd, VirtualTcpNetwork, withTcp } from '../lib/testing/virtual-tcp.js';
import { connectWithRestarts } from './helpers/liveness-kit.js';

type Breakage = 'reset' | 'half-open' | 'slow reader';

const datagram = (i: number): Uint8Array => {
  const d = new Uint8Array(100);
  new DataView(d.buffer).setUint32(0, i);
  return d;
};
const indexOf = (d: Uint8Array): number => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(0);

/** a (10.0.0.1, controlling) and b (10.0.0.2, 10.0.0.3): each of b's addresses gives a TCP pair. */
function session(tcp: IceAgentOptions['tcp'], blockUdp: boolean) {
  const scheduler = new VirtualTimeScheduler();
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10 });
  const hostA = withTcp(net.createHost('a', { addresses: ['10.0.0.1'] }), tcpNet, { blockUdp });
  const hostB = withTcp(net.createHost('b', { addresses: ['10.0.0.2', '10.0.0.3'] }), tcpNet, { blockUdp });
  const common = { scheduler, tcp, interfacePollInterval: 0, renomination: true, random: () => 0.5 } as const;
  const a = new IceAgent({ role: 'controlling', transport: hostA, failover: true, ...common });
  const b = new IceAgent({ role: 'controlled', transport: hostB, ...common });
  connectAgents(a, b, { scheduler });
  const ca = a.getLocalCredentials();
  const cb = b.getLocalCredentials();
  a.setRemoteCredentials(cb.ufrag, cb.pwd, { iceOptions: b.getLocalIceOptions() });
  b.setRemoteCredentials(ca.ufrag, ca.pwd, { iceOptions: a.getLocalIceOptions() });
  const states = { a: [] as string[], b: [] as string[] };
  a.connectionState$.subscribe((s) => states.a.push(s));
  b.connectionState$.subscribe((s) => states.b.push(s));
  const atB: { at: number; i: number }[] = [];
  const atA: number[] = [];
  b.data$.subscribe((d) => atB.push({ at: scheduler.now(), i: indexOf(d) }));
  a.data$.subscribe((d) => atA.push(indexOf(d)));
  // a sends datagram i at 1000 + 10·i ms (i < 1000), b echoes each one back.
  b.data$.subscribe((d) => b.send(d));
  for (let i = 0; i < 1000; i++) {
    scheduler.schedule(
      () => {
        if (a.getStats().selectedPair) a.send(datagram(i));
      },
      1000 + 10 * i,
    );
  }
  return { scheduler, tcpNet, a, b, states, atA, atB };
}

/** The live connection end at `address` whose peer is `remote` (a pair's connection seen from one side). */
function endOf(tcpNet: VirtualTcpNetwork, address: string, remote: { address: string; port: number }) {
  return tcpNet.connections.find(
    (e) =>
      e.closeReason === undefined &&
      e.localAddress === address &&
      e.remoteAddress === remote.address &&
      e.remotePort === remote.port,
  );
}

function breakIt(end: VirtualTcpEnd, how: Breakage): void {
  if (how === 'reset') end.reset();
  else if (how === 'half-open') end.goSilent();
  else end.peer?.pauseReading(true); // b's side stops reading: a's writes pile up
}

describe('ICE-TCP: a broken selected connection with another TCP pair (UDP blocked, failover)', () => {
  it.each<Breakage>(['reset', 'half-open', 'slow reader'])(
    '%s: the session fails over to the other TCP pair and data flows on; nothing thrown; stop() releases all',
    (how) => {
      const { scheduler, tcpNet, a, b, states, atA, atB } = session('only', true);
      let broken: VirtualTcpEnd | undefined;
      let brokenRemote = '';
      const breakAt = 3000;
      scheduler.schedule(() => {
        const selected = a.getStats().selectedPair;
        expect(selected?.local.transport).toBe('tcp');
        brokenRemote = `${selected?.remote.address}:${selected?.remote.port}`;
        broken = selected && endOf(tcpNet, '10.0.0.1', selected.remote);
        expect(broken).toBeDefined();
        if (broken) breakIt(broken, how);
      }, breakAt);
      let selectedAfter: string | undefined;
      let bState: string | undefined;
      scheduler.schedule(() => {
        const selected = a.getStats().selectedPair;
        selectedAfter = `${selected?.remote.address}:${selected?.remote.port}`;
        bState = states.b.at(-1);
      }, 12_000);
      scheduler.schedule(() => {
        a.stop();
        b.stop();
      }, 40_000); // past consent expiry (30 s) of the broken pair: no late failure either
      scheduler.flush();

      // Failover: another pair took over within a second or two, and carried the rest.
      expect(selectedAfter).not.toBe(brokenRemote);
      expect(a.getStats().failovers).toBeGreaterThanOrEqual(1);
      const after = atB.filter((r) => r.at > breakAt);
      expect(after[0]?.at).toBeLessThanOrEqual(breakAt + 2000);
      const received = atB.map((r) => r.i);
      expect(received.at(-1)).toBe(999); // the last datagram made it
      expect(received).toEqual([...received].sort((x, y) => x - y)); // in order, no duplicates
      expect(new Set(received).size).toBe(received.length);
      expect(received.length).toBeGreaterThan(800); // only what was in flight on the broken pair is lost
      expect(atA.length).toBeGreaterThan(800); // b's echoes came back over the new pair too
      for (const s of [states.a, states.b]) expect(s).not.toContain('failed');
      expect(bState).toMatch(/connected|completed/);
      // Resources: every connection end closed, listeners closed.
      expect(tcpNet.connections.every((e) => e.closeReason !== undefined)).toBe(true);
      const refusedBefore = tcpNet.stats.refused;
      const passive = b.getStats().localCandidates.find((c) => c.tcpType === 'passive');
      tcpNet.connect('10.0.0.1', passive?.address ?? '', passive?.port ?? 0).subscribe({ error: () => {} });
      scheduler.flush();
      expect(tcpNet.stats.refused).toBe(refusedBefore + 1);
    },
  );
});

describe('ICE-TCP: UDP + TCP pairs, UDP selected, the TCP connections broken', () => {
  it.each<Breakage>(['reset', 'half-open', 'slow reader'])(
    '%s on every TCP connection leaves the UDP path and the session untouched',
    (how) => {
      const { scheduler, tcpNet, a, b, states, atB } = session(true, false);
      let tcpConnections = 0;
      scheduler.schedule(() => {
        expect(a.getStats().selectedPair?.local.transport).toBe('udp');
        const live = tcpNet.connections.filter(
          (e) => e.closeReason === undefined && e.localAddress === '10.0.0.1',
        );
        tcpConnections = live.length;
        for (const end of live) breakIt(end, how);
      }, 3000);
      scheduler.schedule(() => {
        a.stop();
        b.stop();
      }, 15_000);
      scheduler.flush();
      expect(tcpConnections).toBeGreaterThanOrEqual(1); // a TCP pair was checked: there was something to break
      expect(atB.map((r) => r.i)).toEqual([...Array(1000).keys()]);
      for (const s of [states.a, states.b]) {
        expect(s).not.toContain('disconnected');
        expect(s).not.toContain('failed');
      }
      expect(tcpNet.connections.every((e) => e.closeReason !== undefined)).toBe(true);
    },
  );
});

describe('ICE-TCP: connections that never authenticate', () => {
  it('a flood of idle and garbage connections on the passive candidate is capped, reset in bounded time, and the session still connects', () => {
    const { scheduler, tcpNet, a, b, states, atB } = session('only', true);
    a.gatherCandidates();
    const raw: { closed: () => boolean }[] = [];
    const garbageFrame = new Uint8Array(1002).fill(0xaa);
    garbageFrame.set([0x03, 0xe8]); // RFC 4571 length 1000
    scheduler.schedule(() => {
      const passive = b.getStats().localCandidates.find((c) => c.tcpType === 'passive');
      expect(passive).toBeDefined();
      // 120 connections from a stranger: one in six sends 20 garbage frames (no STUN) once accepted, the rest stay idle.
      for (let i = 0; i < 120; i++) {
        tcpNet.connect('10.0.0.9', passive?.address ?? '', passive?.port ?? 0).subscribe({
          next: (c) => {
            c.data$.subscribe();
            raw.push({ closed: () => c.closeReason !== undefined });
            if (i % 6 === 0) for (let k = 0; k < 20; k++) c.write(garbageFrame);
          },
          error: () => raw.push({ closed: () => true }),
        });
      }
    }, 1);
    let tcpAt5s: ReturnType<IceAgent['getStats']>['tcp'] | undefined;
    scheduler.schedule(() => {
      tcpAt5s = b.getStats().tcp;
    }, 5000);
    let tcpAt14s: ReturnType<IceAgent['getStats']>['tcp'] | undefined;
    scheduler.schedule(() => {
      tcpAt14s = b.getStats().tcp;
      a.stop();
      b.stop();
    }, 14_000);
    scheduler.flush();
    // The session connected over the pairs the flood could not block, and carried the data.
    expect(states.a).toContain('connected');
    expect(states.b).not.toContain('failed');
    expect(atB.map((r) => r.i).at(-1)).toBe(999);
    // Capped: at most maxConnections (100) held at once, the rest refused; the garbage ones reset early.
    expect(tcpAt5s?.connectionsRefused).toBeGreaterThanOrEqual(20);
    expect(tcpAt5s?.preAuthOverflows).toBeGreaterThanOrEqual(1);
    // Bounded time: every stranger's connection that got in was reset by the guard (10 s) or for its
    // bytes, or closed with the losing pairs' once checking completed (pruned also counts those).
    const tcp = tcpAt14s;
    const ended = (tcp?.preAuthTimeouts ?? 0) + (tcp?.preAuthOverflows ?? 0) + (tcp?.connectionsPruned ?? 0);
    expect(ended + (tcp?.connectionsRefused ?? 0)).toBeGreaterThanOrEqual(120);
    expect(raw).toHaveLength(120);
    expect(raw.every((r) => r.closed())).toBe(true);
  });
});

describe('ICE-TCP: every connection reset, no failover', () => {
  it('consent fails (no silent reconnect behind the peer’s back); an ICE restart opens new connections and connects again', () => {
    const scheduler = new VirtualTimeScheduler();
    const net = new VirtualNetwork({ scheduler, latency: 10 });
    const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10 });
    const host = (name: string, address: string) =>
      withTcp(net.createHost(name, { addresses: [address] }), tcpNet, { blockUdp: true });
    const common = { scheduler, tcp: 'only', interfacePollInterval: 0 } as const;
    const a = new IceAgent({ role: 'controlling', transport: host('a', '10.0.0.1'), ...common });
    const b = new IceAgent({ role: 'controlled', transport: host('b', '10.0.0.2'), ...common });
    const states: string[] = [];
    a.connectionState$.subscribe((s) => states.push(s));
    const received: number[] = [];
    b.data$.subscribe((d) => received.push(indexOf(d)));
    connectWithRestarts(a, b);
    let lostAt3s = 0;
    let reset = 0;
    scheduler.schedule(() => {
      const remote = a.getStats().selectedPair?.remote;
      expect(remote && endOf(tcpNet, '10.0.0.1', remote)).toBeDefined();
      // Every connection between them (the selected pair's and the other direction's) is reset.
      const live = tcpNet.connections.filter(
        (e) => e.closeReason === undefined && e.localAddress === '10.0.0.1',
      );
      reset = live.length;
      for (const end of live) end.reset();
    }, 3000);
    scheduler.schedule(() => {
      lostAt3s = a.getStats().tcp.connectionsLost + b.getStats().tcp.connectionsLost;
      a.send(datagram(1)); // goes nowhere: the pair has no connection now
    }, 3100);
    let stateBeforeRestart: string | undefined;
    scheduler.schedule(() => {
      stateBeforeRestart = a.getStats().state;
      a.restart();
    }, 40_000);
    scheduler.schedule(() => a.send(datagram(2)), 45_000);
    scheduler.schedule(() => {
      a.stop();
      b.stop();
    }, 46_000);
    scheduler.flush();
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(lostAt3s).toBe(2 * reset); // both ends saw each reset
    expect(stateBeforeRestart).toBe('failed');
    expect(states.slice(0, 6)).toEqual([
      'new',
      'checking',
      'connected',
      'completed',
      'disconnected',
      'failed',
    ]);
    expect(states.at(-2)).toBe('completed'); // reconnected after the restart, then closed by stop()
    expect(received).toEqual([2]);
  });
});
