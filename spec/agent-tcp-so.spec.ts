/**
 * ICE-TCP simultaneous open (RFC 6544 §4.5, §7.1) on the virtual network:
 * the network's model of crossing SYNs, the paced retries of a `so` socket,
 * and two agents connecting over their `so` candidates only.
 */
import { firstValueFrom, type Observable, Subscription, throwError, VirtualTimeScheduler } from 'rxjs';
import { delay, filter, take, toArray } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import { serializeCandidate } from '../lib/candidate.js';
import { mulberry32 } from '../lib/testing/prng.js';
import { VirtualNetwork } from '../lib/testing/virtual-network.js';
import { VirtualTcpNetwork, withTcp } from '../lib/testing/virtual-tcp.js';
import { TcpPacketSocket } from '../lib/transport/tcp-packet-socket.js';
import type { TcpConnection, TcpPortReservation } from '../lib/transport/types.js';

const reserve = (net: VirtualTcpNetwork, address: string): TcpPortReservation => {
  let got: TcpPortReservation | undefined;
  net.reserve(address, { min: 7000, max: 7010 }).subscribe((r) => {
    got = r;
  });
  if (got === undefined) throw new Error('no reservation');
  return got;
};

interface Outcome {
  connection?: TcpConnection;
  error?: string;
  at?: number;
}
const watch = (scheduler: VirtualTimeScheduler, connect: Observable<TcpConnection>): Outcome => {
  const outcome: Outcome = {};
  connect.subscribe({
    next: (connection) => {
      outcome.connection = connection;
      outcome.at = scheduler.now();
    },
    error: (e: Error) => {
      outcome.error = e.message;
      outcome.at = scheduler.now();
    },
  });
  return outcome;
};

describe('virtual TCP: simultaneous open', () => {
  it('two connects between reserved ports whose SYNs cross make one connection', () => {
    const scheduler = new VirtualTimeScheduler();
    const net = new VirtualTcpNetwork({ scheduler, latency: 10 });
    const a = reserve(net, '10.0.0.1');
    const b = reserve(net, '10.0.0.2');
    const atA = watch(scheduler, net.connect(a.address, b.address, b.port, a.port));
    scheduler.schedule(() => {
      const atB = watch(scheduler, net.connect(b.address, a.address, a.port, b.port));
      scheduler.schedule(() => {
        expect(atB.connection?.remotePort).toBe(a.port);
        expect(atB.connection?.localPort).toBe(b.port);
      }, 100);
    }, 5); // B's SYN leaves while A's is still in flight
    scheduler.flush();
    expect(atA.error).toBeUndefined();
    expect(atA.connection?.localPort).toBe(a.port);
    expect(atA.connection?.remotePort).toBe(b.port);
    expect(net.stats).toMatchObject({ connections: 1, crossed: 1, refused: 0 });
    // One connection: what A writes, B reads.
    const read: number[] = [];
    const ends = net.connections;
    ends[1]?.data$.subscribe((d) => read.push(...d));
    ends[0]?.write(new Uint8Array([1, 2, 3]));
    scheduler.flush();
    expect(read).toEqual([1, 2, 3]);
  });

  it('a connect to a port with nobody connecting back is refused after a round trip', () => {
    const scheduler = new VirtualTimeScheduler();
    const net = new VirtualTcpNetwork({ scheduler, latency: 10 });
    const a = reserve(net, '10.0.0.1');
    const b = reserve(net, '10.0.0.2');
    const atA = watch(scheduler, net.connect(a.address, b.address, b.port, a.port));
    scheduler.flush();
    expect(atA.error).toMatch(/ECONNREFUSED/);
    expect(atA.at).toBe(20);
    expect(net.stats).toMatchObject({ connections: 0, refused: 1 });
  });

  it('to a filtered address the SYN is dropped and the connect waits until the peer’s SYN crosses it', () => {
    const scheduler = new VirtualTimeScheduler();
    const net = new VirtualTcpNetwork({ scheduler, latency: 10, filtered: ['10.0.0.2'] });
    const a = reserve(net, '10.0.0.1');
    const b = reserve(net, '10.0.0.2');
    const atA = watch(scheduler, net.connect(a.address, b.address, b.port, a.port));
    let atB: Outcome = {};
    scheduler.schedule(() => {
      atB = watch(scheduler, net.connect(b.address, a.address, a.port, b.port));
    }, 3000);
    scheduler.flush();
    expect(atA.connection?.remotePort).toBe(b.port);
    expect(atB.connection?.remotePort).toBe(a.port);
    expect(atA.at).toBe(3020); // B's SYN left at 3000, crossed at 3010, SYN-ACK back at 3020
    expect(net.stats).toMatchObject({ connections: 1, crossed: 1, dropped: 1, refused: 0 });
  });

  it('to a filtered address with nobody connecting back the connect times out', () => {
    const scheduler = new VirtualTimeScheduler();
    const net = new VirtualTcpNetwork({ scheduler, latency: 10, filtered: ['10.0.0.2'], synTimeout: 5000 });
    const a = reserve(net, '10.0.0.1');
    const atA = watch(scheduler, net.connect(a.address, '10.0.0.2', 7000, a.port));
    scheduler.flush();
    expect(atA.error).toMatch(/ETIMEDOUT/);
    expect(atA.at).toBe(5010);
  });
});

describe('TcpPacketSocket: a simultaneous-open candidate', () => {
  it('repeats a refused connect, paced 50–150 ms apart, for a bounded number of attempts', () => {
    const scheduler = new VirtualTimeScheduler();
    const attempts: number[] = [];
    const refuse = (): Observable<TcpConnection> => {
      attempts.push(scheduler.now());
      return throwError(() => new Error('ECONNREFUSED'));
    };
    let released = 0;
    const reservation = {
      address: '10.0.0.1',
      port: 7000,
      family: 'IPv4' as const,
      release: () => released++,
    };
    const socket = TcpPacketSocket.simultaneousOpen(reservation, refuse, {
      simultaneousOpen: { scheduler, random: mulberry32(7), maxAttempts: 20 },
    });
    expect(socket.tcpType).toBe('so');
    expect(socket.port).toBe(7000);
    socket.send(new Uint8Array([1]), 7001, '10.0.0.2');
    scheduler.flush();
    expect(attempts).toHaveLength(20);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] ?? 0));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(50);
      expect(gap).toBeLessThan(150);
    }
    expect(new Set(gaps).size).toBeGreaterThan(5); // jittered, so two sides' attempts drift
    expect(socket.counters).toMatchObject({ connectRetries: 19, connectFailures: 1, connectionsOpened: 0 });
    // Spent: the path is dropped, and a later check tries again.
    socket.send(new Uint8Array([1]), 7001, '10.0.0.2');
    expect(attempts).toHaveLength(21);
    socket.close();
    expect(released).toBe(1);
  });

  it('stops retrying once closed', () => {
    const scheduler = new VirtualTimeScheduler();
    let attempts = 0;
    const refuse = (): Observable<TcpConnection> => {
      attempts++;
      return throwError(() => new Error('ECONNREFUSED'));
    };
    const reservation = { address: '10.0.0.1', port: 7000, family: 'IPv4' as const, release: () => {} };
    const socket = TcpPacketSocket.simultaneousOpen(reservation, refuse, {
      simultaneousOpen: { scheduler, random: () => 0.5 },
    });
    socket.send(new Uint8Array([1]), 7001, '10.0.0.2');
    scheduler.schedule(() => socket.close(), 1000);
    scheduler.flush();
    expect(attempts).toBe(10); // at 0, 100, …, 900 ms
  });
});

/** Two agents with tcp: 'only' that signal only their `so` candidates; B learns A's `lateToB` ms late. */
function soOnlyPair(filtered: readonly string[], lateToB: number) {
  const scheduler = new VirtualTimeScheduler();
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10, filtered });
  const hostA = withTcp(net.createHost('a', { addresses: ['10.0.0.1'] }), tcpNet, { blockUdp: true });
  const hostB = withTcp(net.createHost('b', { addresses: ['10.0.0.2'] }), tcpNet, { blockUdp: true });
  const common = { scheduler, tcp: 'only', interfacePollInterval: 0 } as const;
  const a = new IceAgent({ role: 'controlling', transport: hostA, random: mulberry32(1), ...common });
  const b = new IceAgent({ role: 'controlled', transport: hostB, random: mulberry32(2), ...common });
  const signaling = new Subscription();
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    const { ufrag, pwd } = from.getLocalCredentials();
    to.setRemoteCredentials(ufrag, pwd);
    signaling.add(
      from.candidates$
        .pipe(
          filter((c) => c.tcpType === 'so'),
          delay(to === b ? lateToB : 0, scheduler),
        )
        .subscribe((c) => to.addRemoteCandidate(serializeCandidate(c))),
    );
  }
  a.gatherCandidates();
  b.gatherCandidates();
  return { scheduler, tcpNet, a, b, signaling };
}

describe('agents over simultaneous-open candidates only (virtual, UDP blocked)', () => {
  for (const [name, filtered] of [
    ['direct (refused attempts are retried until the SYNs cross)', []],
    ['both behind SYN-dropping NATs (the first SYNs wait and cross)', ['10.0.0.1', '10.0.0.2']],
  ] as const) {
    it(`connects so↔so over one connection, B starting 500 ms late: ${name}`, async () => {
      const { scheduler, tcpNet, a, b, signaling } = soOnlyPair(filtered, 500);
      const selected = firstValueFrom(a.selectedPair$);
      const received = firstValueFrom(b.data$.pipe(take(3), toArray()));
      let stateAt: number | undefined;
      a.connectionState$.pipe(filter((s) => s === 'connected')).subscribe(() => {
        stateAt = scheduler.now();
        for (const i of [1, 2, 3]) a.send(new Uint8Array([i]));
      });
      let tcpStats = a.getStats().tcp;
      scheduler.schedule(() => {
        tcpStats = a.getStats().tcp;
        signaling.unsubscribe();
        a.stop();
        b.stop();
      }, 15_000);
      scheduler.flush();
      const pair = await selected;
      expect(pair.local.tcpType).toBe('so');
      expect(pair.remote.tcpType).toBe('so');
      expect(stateAt).toBeDefined();
      expect((await received).map((d) => d[0])).toEqual([1, 2, 3]);
      expect(tcpNet.stats.connections).toBe(1);
      expect(tcpNet.stats.crossed).toBe(1);
      if (filtered.length > 0) expect(tcpNet.stats.refused).toBe(0);
      else expect(tcpNet.stats.refused).toBeGreaterThan(0);
      expect(tcpStats.connectionsOpened).toBe(1);
      if (filtered.length > 0) expect(tcpStats.connectRetries).toBe(0);
      else expect(tcpStats.connectRetries).toBeGreaterThan(0);
      console.log(`so↔so ${name}: connected at ${stateAt} ms, ${tcpStats.connectRetries} retries at A`);
    });
  }
});
