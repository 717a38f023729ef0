/**
 * Datagrams from a STUN/TURN server that the agent drops show on `trace$`
 * as `server` events with step `dropped` and the reason, as getStats()
 * counts them. The "server" here is a scripted socket on the virtual
 * network: it answers nothing properly, it only sends what it is told to.
 */
import { describe, expect, it } from 'vitest';
import { IceAgent, type PacketSocket, type TraceEvent } from '../lib/index.js';
import { buildStunMessage } from '../lib/stun/build.js';
import { FastScheduler, VirtualNetwork } from '../lib/testing/index.js';

const SERVER = '198.51.100.2';

function world() {
  const fs = new FastScheduler();
  const net = new VirtualNetwork({ scheduler: fs, latency: 5 });
  let server: PacketSocket | undefined;
  net
    .createHost('server', { addresses: [SERVER] })
    .bind(SERVER, { min: 3478, max: 3478 })
    .subscribe((s) => {
      server = s;
    });
  const agent = new IceAgent({
    role: 'controlling',
    scheduler: fs,
    transport: net.createHost('a', { addresses: ['198.51.100.20'] }),
    iceServers: [{ urls: `turn:${SERVER}:3478`, username: 'u', credential: 'p' }],
  });
  const events: TraceEvent[] = [];
  agent.trace$.subscribe((e) => events.push(e));
  const requests: { port: number; address: string }[] = [];
  server?.packets$.subscribe((p) => requests.push({ address: p.address, port: p.port }));
  return { fs, agent, events, requests, server: server as PacketSocket };
}

describe('trace$: datagrams from a TURN server that are dropped', () => {
  it('names each with its reason and size, and getStats() counts them', () => {
    const { fs, agent, events, requests, server } = world();
    agent.gatherCandidates();
    fs.advanceBy(10); // the Allocate request reached the "server"
    const client = requests[0];
    expect(client).toBeDefined();
    if (client === undefined) return;
    const garbage = Uint8Array.from([0x01, 0x01, 0x00, 0x04, 1, 2, 3, 4]); // first byte like STUN, but not STUN
    const request = buildStunMessage({
      method: 0x003,
      cls: 'request',
      transactionId: Buffer.alloc(12, 5),
      attributes: [],
    });
    const stray = buildStunMessage({
      method: 0x003,
      cls: 'success',
      transactionId: Buffer.alloc(12, 7),
      attributes: [],
    }); // Allocate success, no transaction
    const channel = Uint8Array.from([0x40, 0x01, 0x00, 0x02, 9, 9, 0, 0]); // ChannelData, channel never bound
    server.send(garbage, client.port, client.address);
    server.send(request, client.port, client.address);
    server.send(stray, client.port, client.address);
    server.send(channel, client.port, client.address);
    fs.advanceBy(10);
    const dropped = events.filter((e) => e.type === 'server' && e.step === 'dropped');
    expect(dropped.map((e) => (e.type === 'server' ? [e.reason, e.length] : []))).toEqual([
      ['unexpected', request.length],
      ['unmatched', stray.length],
      ['unknown-channel', channel.length],
    ]);
    expect(dropped[0]).toMatchObject({ url: `turn:${SERVER}:3478`, hostAddress: '198.51.100.20' });
    // Not STUN (RFC 8489 §5 framing): application data from a path no check validated.
    expect(events.find((e) => e.type === 'datagram-dropped')).toMatchObject({
      from: `${SERVER}:3478`,
      length: garbage.length,
      reason: 'unvalidated-source',
    });
    expect(agent.getStats()).toMatchObject({ turnDroppedPackets: 3, droppedDataPackets: 1 });
    agent.stop();
  });
});
