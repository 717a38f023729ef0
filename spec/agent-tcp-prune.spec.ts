/**
 * ICE-TCP connections of the pairs that lost are closed once checking has
 * completed on a selected pair (RFC 6544 §7.1), in virtual time on the
 * virtual network with UDP blocked: without renomination only the selected
 * pair's connection stays; with renomination agreed (and failover) the valid
 * pairs keep theirs, since any may yet be nominated.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { filter, take } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import { connectAgents } from '../lib/testing/connect.js';
import { VirtualNetwork } from '../lib/testing/virtual-network.js';
import { VirtualTcpNetwork, withTcp } from '../lib/testing/virtual-tcp.js';

/** a (10.0.0.1, controlling) and b (10.0.0.2, 10.0.0.3), TCP only: several TCP pairs connect. */
function session(renomination: boolean) {
  const scheduler = new VirtualTimeScheduler();
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10 });
  const hostA = withTcp(net.createHost('a', { addresses: ['10.0.0.1'] }), tcpNet, { blockUdp: true });
  const hostB = withTcp(net.createHost('b', { addresses: ['10.0.0.2', '10.0.0.3'] }), tcpNet, {
    blockUdp: true,
  });
  const common = {
    scheduler,
    tcp: 'only',
    interfacePollInterval: 0,
    renomination,
    random: () => 0.5,
  } as const;
  const a = new IceAgent({ role: 'controlling', transport: hostA, failover: renomination, ...common });
  const b = new IceAgent({ role: 'controlled', transport: hostB, ...common });
  connectAgents(a, b, { scheduler });
  const ca = a.getLocalCredentials();
  const cb = b.getLocalCredentials();
  a.setRemoteCredentials(cb.ufrag, cb.pwd, { iceOptions: b.getLocalIceOptions() });
  b.setRemoteCredentials(ca.ufrag, ca.pwd, { iceOptions: a.getLocalIceOptions() });
  /** Connections open now (each seen from a's side). */
  const open = () =>
    tcpNet.connections.filter((e) => e.closeReason === undefined && e.localAddress === '10.0.0.1');
  return { scheduler, tcpNet, a, b, open };
}

describe('ICE-TCP: connections of losing pairs are closed once checking completes', () => {
  it('without renomination only the selected pair’s connection stays open, and it carries on', () => {
    const { scheduler, a, b, open } = session(false);
    let completedAt: number | undefined;
    a.connectionState$
      .pipe(
        filter((s) => s === 'completed'),
        take(1),
      )
      .subscribe(() => {
        completedAt = scheduler.now();
      });
    let peak = 0; // connections open at once, sampled every 5 ms of the first 5 s
    const sample = (): void => {
      peak = Math.max(peak, open().length);
    };
    for (let t = 0; t < 5000; t += 5) scheduler.schedule(sample, t);
    const received: number[] = [];
    b.data$.subscribe((d) => received.push(d[0] ?? -1));
    let after: ReturnType<typeof open> = [];
    let peerOpen = false;
    let prunedA = 0;
    let prunedB = 0;
    let state = '';
    a.connectionState$.subscribe((s) => {
      state = s;
    });
    scheduler.schedule(() => {
      after = open();
      peerOpen = after.every((e) => e.peer?.closeReason === undefined);
      prunedA = a.getStats().tcp.connectionsPruned;
      prunedB = b.getStats().tcp.connectionsPruned;
      for (let i = 0; i < 10; i++) a.send(new Uint8Array([i]));
    }, 5000);
    let stateAt30s = '';
    scheduler.schedule(() => {
      stateAt30s = state;
      a.stop();
      b.stop();
    }, 30_000);
    scheduler.flush();
    expect(completedAt).toBeDefined();
    expect(peak).toBeGreaterThan(1); // several pairs had connected
    expect(after).toHaveLength(1);
    expect(peerOpen).toBe(true);
    expect(prunedA + prunedB).toBeGreaterThanOrEqual(peak - 1);
    console.log(`prune: peak ${peak} connections, 1 left after completed at ${completedAt} ms`);
    expect(received).toEqual([...Array(10).keys()]);
    expect(stateAt30s).toBe('completed'); // consent over the one connection left
  });

  it('the connection left is the selected pair’s', () => {
    const { scheduler, a, b, open } = session(false);
    let match = false;
    scheduler.schedule(() => {
      const pair = a.getStats().selectedPair;
      const [end] = open();
      const remote = pair?.remote;
      // a's end of the pair: its remote end is the pair's remote candidate (or, on a's passive, the peer's source).
      match =
        open().length === 1 &&
        end !== undefined &&
        remote !== undefined &&
        (pair?.local.tcpType === 'passive'
          ? end.localPort === pair.local.port
          : end.remoteAddress === remote.address && end.remotePort === remote.port);
      a.stop();
      b.stop();
    }, 5000);
    scheduler.flush();
    expect(match).toBe(true);
  });

  it('with renomination agreed (failover on), the valid pairs keep their connections', () => {
    const { scheduler, a, b, open } = session(true);
    let openAfter = 0;
    let validPairs = 0;
    scheduler.schedule(() => {
      openAfter = open().length;
      validPairs = a.getStats().candidatePairs.filter((p) => p.valid).length;
      a.stop();
      b.stop();
    }, 5000);
    scheduler.flush();
    expect(validPairs).toBeGreaterThan(1);
    expect(openAfter).toBeGreaterThan(1);
  });
});
