import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent } from '../../lib/index.js';
import { FastScheduler, replaySession, VirtualNetwork } from '../../lib/testing/index.js';
import { VirtualTcpNetwork, withTcp } from '../../lib/testing/virtual-tcp.js';
import { kinds, recorded, recordedExchange, start } from './record-kit.js';

/** Real sockets, real time: a hang guard, not an assertion (the agents connect in well under a second when idle). */
const REAL_TCP_TIMEOUT = 90_000;

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const text = (s: string) => new TextEncoder().encode(s);

describe('record and replay of ICE-TCP sessions', () => {
  it(
    "replays a tcp: 'only' session over real TCP on 127.0.0.1, with data both ways",
    async () => {
      const loopback = { ipFilter: (a: string) => a === '127.0.0.1', tcp: 'only' } as const;
      const { lines, replay } = await recordedExchange(loopback, stops);
      expect(replay.outputs.filter((o) => o.k === 'sent')).toEqual([]); // no UDP at all
      expect(replay.outputs.filter((o) => o.k === 'tcp-write').length).toBeGreaterThanOrEqual(7);
      expect(kinds(lines)).toMatchObject({
        'tcp-listening': expect.any(Number),
        'tcp-data': expect.any(Number),
      });
      expect((kinds(lines)['tcp-connected'] ?? 0) + (kinds(lines)['tcp-accepted'] ?? 0)).toBeGreaterThan(0);
    },
    REAL_TCP_TIMEOUT,
  );

  it('replays a virtual-network TCP session (UDP blocked) byte for byte, at the same virtual times', () => {
    const scheduler = new FastScheduler();
    const net = new VirtualNetwork({ scheduler, latency: 10 });
    const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10 });
    const hostA = withTcp(net.createHost('a', { addresses: ['10.0.0.1'] }), tcpNet, { blockUdp: true });
    const hostB = withTcp(net.createHost('b', { addresses: ['10.0.0.2'] }), tcpNet, { blockUdp: true });
    const a = recorded({ role: 'controlling', scheduler, transport: hostA, tcp: true });
    const b = new IceAgent({ role: 'controlled', scheduler, transport: hostB, tcp: true });
    const atA: string[] = [];
    a.agent.data$.subscribe((d) => atA.push(new TextDecoder().decode(d)));
    start(a.agent, b);
    scheduler.advanceBy(5000);
    b.send(text('hello over tcp'));
    a.agent.send(text('and back'));
    scheduler.advanceBy(20_000);
    b.stop(); // the peer closes its connections first: the recorded agent sees them end
    scheduler.advanceBy(1000);
    a.agent.stop();

    expect(atA).toEqual(['hello over tcp']);
    expect(kinds(a.lines)['tcp-end']).toBeGreaterThan(0);
    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    const writes = replay.outputs.filter((o) => o.k === 'tcp-write');
    expect(writes.length).toBeGreaterThan(3);
    expect(replay.outputs.some((o) => o.k === 'tcp-close' || o.k === 'tcp-release')).toBe(true);
    expect(replaySession(a.lines).outputs).toEqual(replay.outputs);
  });

  it('replays a slow reader: the buffered amounts the agent read are recorded and given back', () => {
    const scheduler = new FastScheduler();
    const net = new VirtualNetwork({ scheduler, latency: 10 });
    const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10 });
    const hostA = withTcp(net.createHost('a', { addresses: ['10.0.0.1'] }), tcpNet, { blockUdp: true });
    const hostB = withTcp(net.createHost('b', { addresses: ['10.0.0.2'] }), tcpNet, { blockUdp: true });
    const a = recorded({ role: 'controlling', scheduler, transport: hostA, tcp: 'only' });
    const b = new IceAgent({ role: 'controlled', scheduler, transport: hostB, tcp: 'only' });
    start(a.agent, b);
    scheduler.advanceBy(5000);
    expect(a.agent.getStats().selectedPair).toBeDefined();
    for (const end of tcpNet.connections) if (end.localAddress === '10.0.0.2') end.pauseReading(true);
    for (let i = 0; i < 300; i++) a.agent.send(new Uint8Array(1000).fill(i));
    scheduler.advanceBy(2000);
    a.agent.stop();
    b.stop();

    expect(kinds(a.lines)['tcp-buffered']).toBeGreaterThan(0);
    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
  });
});
