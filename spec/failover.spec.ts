/**
 * Failover without restart (issue #15): with renomination agreed, the
 * controlling agent keeps a backup pair warm and moves the path to it when
 * the selected one goes silent; data flows again within 1 s of the cut, and
 * neither side goes `disconnected` or `failed`. Virtual time.
 */
import { filter, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import { connectAgents, VirtualNetwork } from '../lib/testing/index.js';
import type { PacketSocket, Transport } from '../lib/transport/types.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

/** A transport whose socket on a given address goes deaf and mute once `cut(address)` names it. */
function cuttable(host: Transport) {
  const dead = new Set<string>();
  const wrap = (socket: PacketSocket): PacketSocket => ({
    address: socket.address,
    port: socket.port,
    family: socket.family,
    packets$: socket.packets$.pipe(filter(() => !dead.has(socket.address))),
    send: (data, port, to) => {
      if (!dead.has(socket.address)) socket.send(data, port, to);
    },
    get sendErrors() {
      return socket.sendErrors;
    },
    close: () => socket.close(),
  });
  const transport: Transport = {
    hostAddresses: () => host.hostAddresses(),
    bind: (at, ports) => host.bind(at, ports).pipe(map(wrap)),
  };
  return { transport, cut: (address: string) => dead.add(address) };
}

interface Outcome {
  states: { a: string[]; b: string[] };
  received: { at: number; text: string }[];
  selectedA: string[];
  selectedB: string[];
  cutAt: number;
  cutAddress: string;
  failovers: number;
}

/** a (10.0.0.1, controlling) and b (10.0.0.2 and 10.0.0.3); a sends every 100 ms; b's selected address dies at 2 s. */
function run(options: { failover: boolean; bRenomination: boolean }): Outcome {
  const ts = newTestScheduler();
  const out: Outcome = {
    states: { a: [], b: [] },
    received: [],
    selectedA: [],
    selectedB: [],
    cutAt: -1,
    cutAddress: '',
    failovers: 0,
  };
  ts.run(() => {
    const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
    const hostB = cuttable(net.createHost('b', { addresses: ['10.0.0.2', '10.0.0.3'] }));
    const a = new IceAgent({
      role: 'controlling',
      scheduler: ts,
      transport: net.createHost('a', { addresses: ['10.0.0.1'] }),
      renomination: true,
      failover: options.failover,
      random: () => 0.5,
    });
    const b = new IceAgent({
      role: 'controlled',
      scheduler: ts,
      transport: hostB.transport,
      renomination: options.bRenomination,
      random: () => 0.5,
    });
    connectAgents(a, b, { scheduler: ts });
    const ca = a.getLocalCredentials();
    const cb = b.getLocalCredentials();
    a.setRemoteCredentials(cb.ufrag, cb.pwd, { iceOptions: b.getLocalIceOptions() });
    b.setRemoteCredentials(ca.ufrag, ca.pwd, { iceOptions: a.getLocalIceOptions() });
    a.connectionState$.subscribe((s) => out.states.a.push(s));
    b.connectionState$.subscribe((s) => out.states.b.push(s));
    a.selectedPair$.subscribe((p) => out.selectedA.push(p.remote.address));
    b.selectedPair$.subscribe((p) => out.selectedB.push(p.local.address));
    b.data$.subscribe((d) => out.received.push({ at: ts.now(), text: Buffer.from(d).toString() }));
    for (let t = 500; t < 8000; t += 100) {
      ts.schedule(() => {
        if (a.getStats().selectedPair) a.send(Buffer.from(`t${t}`));
      }, t);
    }
    ts.schedule(() => {
      out.cutAt = ts.now();
      out.cutAddress = a.getStats().selectedPair?.remote.address ?? '';
      hostB.cut(out.cutAddress);
    }, 2000);
    ts.schedule(() => {
      out.failovers = a.getStats().failovers;
      a.stop();
      b.stop();
    }, 8000);
  });
  return out;
}

describe('failover without restart', () => {
  it('moves data to the backup within 1 s of the cut; no disconnected, no failed', () => {
    const out = run({ failover: true, bRenomination: true });
    const other = out.cutAddress === '10.0.0.2' ? '10.0.0.3' : '10.0.0.2';
    expect(out.selectedA).toEqual([out.cutAddress, other]);
    expect(out.selectedB).toEqual([out.cutAddress, other]);
    expect(out.failovers).toBe(1);
    // The gap: last datagram before the cut, first one after it.
    const after = out.received.filter((r) => r.at > out.cutAt);
    expect(after[0]?.at).toBeLessThanOrEqual(out.cutAt + 1000);
    // Everything sent from the failover on arrives (sent every 100 ms until 7900).
    expect(after.at(-1)?.text).toBe('t7900');
    for (const states of [out.states.a, out.states.b]) {
      expect(states).not.toContain('disconnected');
      expect(states).not.toContain('failed');
    }
  });

  it('without it the path is lost: disconnected, no data after the cut', () => {
    const out = run({ failover: false, bRenomination: true });
    expect(out.selectedA).toEqual([out.cutAddress]);
    expect(out.received.filter((r) => r.at > out.cutAt)).toEqual([]);
    expect(out.states.a).toContain('disconnected');
  });

  it('does nothing when the peer did not agree to renomination (a nomination is final)', () => {
    const out = run({ failover: true, bRenomination: false });
    expect(out.failovers).toBe(0);
    expect(out.selectedA).toEqual([out.cutAddress]);
  });

  it('is refused without renomination', () => {
    expect(() => new IceAgent({ role: 'controlling', failover: true })).toThrow(/renomination/);
  });
});
