/**
 * ICE-TCP robustness over real loopback TCP: a session with a TCP pair on
 * 127.0.0.1 and one on ::1 and `failover`; the selected pair's connection is
 * reset (RST), the other pair takes over and carries the data on; `stop()`
 * closes every connection.
 */
import { asyncScheduler, interval, map, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import { connectAgents } from '../lib/testing/connect.js';
import { withNodeTcp } from '../lib/transport/tcp.js';
import type { TcpConnection, Transport } from '../lib/transport/types.js';
import { UdpTransport } from '../lib/transport/udp.js';

const datagram = (i: number): Uint8Array => {
  const d = new Uint8Array(100);
  new DataView(d.buffer).setUint32(0, i);
  return d;
};
const indexOf = (d: Uint8Array): number => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(0);

describe('ICE-TCP over real loopback TCP: a reset of the selected connection', () => {
  it('with a TCP pair on 127.0.0.1 and one on ::1, the reset one is replaced by the other; data flows on', async () => {
    const connections: TcpConnection[] = [];
    /** Real TCP whose connections (opened and accepted) are kept for the test to break. */
    const recording = (): Transport => {
      const t = withNodeTcp(new UdpTransport());
      return {
        hostAddresses: () => t.hostAddresses(),
        bind: (address, ports) => t.bind(address, ports),
        connectTcp: (local, address, port) =>
          t.connectTcp(local, address, port).pipe(tap((c) => connections.push(c))),
        listenTcp: (address, ports) =>
          t.listenTcp(address, ports).pipe(
            map((l) => ({
              address: l.address,
              port: l.port,
              family: l.family,
              connections$: l.connections$.pipe(tap((c) => connections.push(c))),
              close: () => l.close(),
            })),
          ),
      };
    };
    const loopback = (address: string) => address === '127.0.0.1' || address === '::1';
    const common = { tcp: 'only', ipFilter: loopback, interfacePollInterval: 0, renomination: true } as const;
    const a = new IceAgent({ role: 'controlling', transport: recording(), failover: true, ...common });
    const b = new IceAgent({ role: 'controlled', transport: recording(), ...common });
    const states: string[] = [];
    a.connectionState$.subscribe((s) => states.push(`a:${s}`));
    b.connectionState$.subscribe((s) => states.push(`b:${s}`));
    const received: number[] = [];
    b.data$.subscribe((d) => received.push(indexOf(d)));
    let sent = 0;
    const sending = interval(20).subscribe(() => {
      if (a.getStats().selectedPair) a.send(datagram(sent++));
    });
    try {
      connectAgents(a, b, { scheduler: asyncScheduler });
      const ca = a.getLocalCredentials();
      const cb = b.getLocalCredentials();
      a.setRemoteCredentials(cb.ufrag, cb.pwd, { iceOptions: b.getLocalIceOptions() });
      b.setRemoteCredentials(ca.ufrag, ca.pwd, { iceOptions: a.getLocalIceOptions() });
      await until(() => received.length >= 20);
      const selected = a.getStats().selectedPair;
      expect(selected?.local.transport).toBe('tcp');
      const remote = selected?.remote;
      const carrier = connections.find(
        (c) =>
          c.closeReason === undefined && c.remoteAddress === remote?.address && c.remotePort === remote.port,
      );
      expect(carrier).toBeDefined();
      carrier?.reset();
      const sentAtReset = sent;
      // Hang guard only (the test timeout): the backup takes over after FAILOVER_SILENCE (600 ms).
      await until(() => received.some((i) => i >= sentAtReset + 20));
      const after = a.getStats().selectedPair?.remote;
      expect(`${after?.address}:${after?.port}`).not.toBe(`${remote?.address}:${remote?.port}`);
      expect(a.getStats().failovers).toBeGreaterThanOrEqual(1);
      expect(a.getStats().tcp.connectionsLost + b.getStats().tcp.connectionsLost).toBeGreaterThanOrEqual(1);
      expect(received).toEqual([...received].sort((x, y) => x - y)); // in order
      expect(states.filter((s) => s.endsWith('failed'))).toEqual([]);
    } finally {
      sending.unsubscribe();
      a.stop();
      b.stop();
    }
    await until(() => connections.every((c) => c.closeReason !== undefined));
  }, 30_000);
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
