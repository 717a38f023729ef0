/**
 * The STUN/data demultiplexing rule (issue #10, "silent data loss"): a
 * datagram is STUN only if it is framed as STUN (20-byte header, top two bits
 * zero, length field a multiple of 4 matching the datagram, magic cookie);
 * every other datagram from a validated path reaches `data$`, whatever its
 * first byte. Real STUN-looking garbage is dropped and counted as malformed.
 */
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { IceAgent as Agent, type IceAgent } from '../lib/index.js';
import { connectAgents, createAgentPair, VirtualNetwork } from '../lib/testing/index.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

/** 300 datagrams of 200 bytes whose first bytes run through 0–255 (and 0–43 again). */
function datagrams(): Uint8Array[] {
  return Array.from({ length: 300 }, (_, i) => {
    const bytes = new Uint8Array(200);
    for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 7 + j * 13) & 0xff;
    bytes[0] = i & 0xff;
    // Make the STUN-range ones as STUN-like as possible without being STUN: magic cookie, no framing.
    if (bytes[0] < 4) bytes.set([0x21, 0x12, 0xa4, 0x42], 4);
    return bytes;
  });
}

/** Sends every datagram from `a` to `b` once both are connected; checks they all arrive, in order, intact. */
function sendAll(ts: TestScheduler, a: IceAgent, b: IceAgent, at: number, check: () => void): void {
  const sent = datagrams();
  const received: Uint8Array[] = [];
  b.data$.subscribe((d) => received.push(new Uint8Array(d)));
  ts.schedule(() => {
    for (const d of sent) a.send(d);
  }, at);
  ts.schedule(() => {
    expect(received.length).toBe(300);
    expect(received.map((d) => d[0])).toEqual(sent.map((d) => d[0]));
    expect(received).toEqual(sent);
    expect(b.getStats().malformedPackets).toBe(0);
    expect(b.getStats().packetsReceived).toBe(300);
    check();
    a.stop();
    b.stop();
  }, at + 1000);
}

describe('STUN/data demultiplexing', () => {
  it('delivers 300 direct datagrams whose first bytes cover 0–255, including 0–3', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = createAgentPair(ts, { connect: true });
      sendAll(ts, a, b, 1000, () => {});
    });
  });

  it('delivers 300 relayed datagrams whose first bytes cover 0–255, including 0–3', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      const turn = net.createTurnServer('turn', {
        address: '198.51.100.2',
        port: 3478,
        username: 'rx',
        password: 'ice-secret',
        realm: 'rx.test',
      });
      const iceServers = [{ urls: 'turn:198.51.100.2:3478', username: 'rx', credential: 'ice-secret' }];
      const agent = (name: string, address: string) =>
        new Agent({
          role: name === 'a' ? 'controlling' : 'controlled',
          scheduler: ts,
          transport: net.createHost(name, { addresses: [address] }),
          iceServers,
          iceTransportPolicy: 'relay',
        });
      const a = agent('a', '198.51.100.20');
      const b = agent('b', '198.51.100.30');
      connectAgents(a, b, { scheduler: ts });
      sendAll(ts, a, b, 2000, () => {
        expect(a.getStats().selectedPair?.local.type).toBe('relay');
        expect(turn.stats.channelDataReceived).toBeGreaterThanOrEqual(300);
      });
    });
  });

  it('counts datagrams framed as STUN that do not decode as malformed, never delivers them', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = createAgentPair(ts, { connect: true });
      const received: Uint8Array[] = [];
      b.data$.subscribe((d) => received.push(d));
      ts.schedule(() => {
        for (let i = 0; i < 10; i++) {
          // A Binding request header, length 8, magic cookie; one attribute claiming 200 bytes of value.
          const garbage = new Uint8Array(28);
          garbage.set([0x00, 0x01, 0x00, 0x08, 0x21, 0x12, 0xa4, 0x42]);
          garbage.fill(i + 1, 8, 20); // transaction id
          garbage.set([0x00, 0x06, 0x00, 0xc8, 0x61, 0x62, 0x63, 0x64], 20); // USERNAME, length 200
          a.send(garbage);
        }
      }, 1000);
      ts.schedule(() => {
        expect(received).toEqual([]);
        expect(b.getStats().malformedPackets).toBe(10);
        expect(b.getStats().state).toBe('completed'); // nothing else broke
        a.stop();
        b.stop();
      }, 1500);
    });
  });
});
