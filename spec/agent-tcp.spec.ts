/**
 * ICE-TCP end to end: two rx-ice agents with the `tcp` option, on the virtual
 * network with UDP blocked (virtual time), and over real loopback TCP.
 */
import { asyncScheduler, firstValueFrom, VirtualTimeScheduler } from 'rxjs';
import { filter, take, toArray } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import { InvalidOptionError } from '../lib/errors.js';
import type { IceAgentOptions } from '../lib/options.js';
import { connectAgents } from '../lib/testing/connect.js';
import { VirtualNetwork } from '../lib/testing/virtual-network.js';
import { VirtualTcpNetwork, withTcp } from '../lib/testing/virtual-tcp.js';
import { withNodeTcp } from '../lib/transport/tcp.js';
import { UdpTransport } from '../lib/transport/udp.js';

const datagram = (i: number): Uint8Array => {
  const d = new Uint8Array(200);
  new DataView(d.buffer).setUint32(0, i);
  return d;
};
const indexOf = (d: Uint8Array): number => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(0);

function virtualPair(tcp: IceAgentOptions['tcp'], blockUdp = true) {
  const scheduler = new VirtualTimeScheduler();
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10 });
  const hostA = withTcp(net.createHost('a', { addresses: ['10.0.0.1'] }), tcpNet, { blockUdp });
  const hostB = withTcp(net.createHost('b', { addresses: ['10.0.0.2'] }), tcpNet, { blockUdp });
  const common = { scheduler, tcp, interfacePollInterval: 0 } as const;
  const a = new IceAgent({ role: 'controlling', transport: hostA, ...common });
  const b = new IceAgent({ role: 'controlled', transport: hostB, ...common });
  return { scheduler, net, tcpNet, a, b };
}

describe('ICE-TCP agents on the virtual network (UDP blocked)', () => {
  it("tcp: 'only' gathers an active (port 9), a passive and a simultaneous-open TCP candidate per address, and no UDP one", () => {
    const { scheduler, a, b } = virtualPair('only');
    a.gatherCandidates();
    scheduler.flush();
    const lines = a.getLocalCandidates().map((c) => c.candidate);
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => / tcp \d+ 10\.0\.0\.1 \d+ typ host tcptype so/.test(l))).toBe(true);
    expect(lines.some((l) => / tcp \d+ 10\.0\.0\.1 9 typ host tcptype active/.test(l))).toBe(true);
    expect(lines.some((l) => / tcp \d+ 10\.0\.0\.1 \d+ typ host tcptype passive/.test(l))).toBe(true);
    a.stop();
    b.stop();
  });

  it('connects over TCP only, carries 1,000 datagrams each way, none lost or reordered, and keeps consent for 60 s', () => {
    const { scheduler, tcpNet, a, b } = virtualPair('only');
    const atA: number[] = [];
    const atB: number[] = [];
    a.data$.subscribe((d) => atA.push(indexOf(d)));
    b.data$.subscribe((d) => atB.push(indexOf(d)));
    const states: string[] = [];
    a.connectionState$.subscribe((s) => states.push(s));
    connectAgents(a, b, { scheduler });
    scheduler.schedule(() => {
      for (let i = 0; i < 1000; i++) {
        scheduler.schedule(() => {
          a.send(datagram(i));
          b.send(datagram(i));
        }, i);
      }
    }, 2000);
    let stateAt60s: string | undefined;
    scheduler.schedule(() => {
      stateAt60s = states.at(-1);
      a.stop();
      b.stop();
    }, 60_000);
    scheduler.flush();
    expect(states).toContain('connected');
    expect(states).not.toContain('failed');
    expect(states).not.toContain('disconnected');
    expect(stateAt60s).toBe('completed'); // consent checks answered over the TCP connection
    expect(atB).toEqual([...Array(1000).keys()]);
    expect(atA).toEqual([...Array(1000).keys()]);
    expect(tcpNet.stats.connections).toBeGreaterThanOrEqual(1);
  });

  it('with tcp: true and UDP working, UDP is preferred; TCP candidates are gathered too', () => {
    const { scheduler, a, b } = virtualPair(true, false);
    let selected: string | undefined;
    a.selectedPair$.subscribe((p) => {
      selected = p.local.transport;
    });
    connectAgents(a, b, { scheduler });
    scheduler.schedule(() => {
      a.stop();
      b.stop();
    }, 3000);
    scheduler.flush();
    expect(selected).toBe('udp');
    expect(a.getLocalCandidates().filter((c) => c.transport === 'tcp')).toHaveLength(3);
  });

  it('with tcp: true and UDP blocked, the agents fall back to TCP', () => {
    const { scheduler, a, b } = virtualPair(true, true);
    let selected: string | undefined;
    a.selectedPair$.subscribe((p) => {
      selected = `${p.local.transport}/${p.local.tcpType}`;
    });
    connectAgents(a, b, { scheduler });
    scheduler.schedule(() => {
      a.stop();
      b.stop();
    }, 8000);
    scheduler.flush();
    expect(selected).toMatch(/^tcp\//);
  });

  it('without tcp, TCP remote candidates are counted unsupported (the default is unchanged)', () => {
    const { scheduler, a, b } = virtualPair(false, false);
    a.gatherCandidates();
    a.setRemoteCredentials('ufragX', 'passwordXXXXXXXXXXXXXXXX');
    a.addRemoteCandidate('candidate:1 1 tcp 1518280447 10.0.0.2 9000 typ host tcptype passive');
    scheduler.flush();
    expect(a.getStats().unsupportedRemoteCandidates).toBe(1);
    a.stop();
    b.stop();
  });
});

describe('tcp option validation', () => {
  const scheduler = new VirtualTimeScheduler();
  it('rejects bad values and impossible combinations', () => {
    const net = new VirtualNetwork({ scheduler });
    const host = net.createHost('h', { addresses: ['10.0.0.1'] });
    expect(() => new IceAgent({ role: 'controlling', tcp: 'yes' as never })).toThrow(InvalidOptionError);
    expect(() => new IceAgent({ role: 'controlling', transport: host, tcp: true })).toThrow(/listenTcp/);
    expect(() => new IceAgent({ role: 'controlled', lite: true, tcp: true })).toThrow(/lite/);
    expect(() => new IceAgent({ role: 'controlling', iceTransportPolicy: 'relay', tcp: true })).toThrow(
      /relay/,
    );
    expect(
      () => new IceAgent({ role: 'controlling', tcp: 'only', iceServers: [{ urls: 'stun:10.0.0.9:3478' }] }),
    ).toThrow(/iceServers/);
  });
});

describe('ICE-TCP agents over real loopback TCP', () => {
  it("tcp: 'only' on 127.0.0.1 connects and carries 1,000 datagrams each way, none lost or reordered", async () => {
    const loopback = (address: string) => address === '127.0.0.1';
    const transport = () => withNodeTcp(new UdpTransport());
    const common = { tcp: 'only', ipFilter: loopback, interfacePollInterval: 0 } as const;
    const a = new IceAgent({ role: 'controlling', transport: transport(), ...common });
    const b = new IceAgent({ role: 'controlled', transport: transport(), ...common });
    try {
      const atB = firstValueFrom(b.data$.pipe(take(1000), toArray()));
      const atA = firstValueFrom(a.data$.pipe(take(1000), toArray()));
      const connected = firstValueFrom(
        a.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')),
      );
      connectAgents(a, b, { scheduler: asyncScheduler });
      await connected;
      await firstValueFrom(b.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));
      for (let i = 0; i < 1000; i++) {
        a.send(datagram(i));
        b.send(datagram(i));
      }
      expect((await atB).map(indexOf)).toEqual([...Array(1000).keys()]);
      expect((await atA).map(indexOf)).toEqual([...Array(1000).keys()]);
      expect(a.getLocalCandidates().every((c) => c.transport === 'tcp')).toBe(true);
      expect(a.getStats().selectedPair?.local.transport).toBe('tcp');
      expect(a.getStats().tcp.droppedBufferFull + b.getStats().tcp.droppedBufferFull).toBe(0);
    } finally {
      a.stop();
      b.stop();
    }
  }, 20_000);
});
