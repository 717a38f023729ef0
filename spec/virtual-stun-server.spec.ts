/**
 * The virtual STUN server: Binding responses carry the source the server
 * saw, i.e. the NAT mapping, so each NAT type shows in the mapped addresses.
 */
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  buildPlainBindingRequest,
  buildStunMessage,
  decodeStun,
  verifyFingerprint,
} from '../lib/stun/message.js';
import { type StunMessageView, StunMethod } from '../lib/stun/types.js';
import { NAT_PRESETS, type NatBehaviors, VirtualNetwork } from '../lib/testing/index.js';
import type { PacketSocket } from '../lib/transport/types.js';
import { bindNow } from './helpers/raw-sockets.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

/** Decoded STUN messages a socket receives, with their arrival time. */
function responses(
  ts: TestScheduler,
  socket: PacketSocket,
): Array<{ time: number; message: StunMessageView }> {
  const got: Array<{ time: number; message: StunMessageView }> = [];
  socket.packets$.subscribe((p) => {
    const message = decodeStun(p.data);
    if (message) got.push({ time: ts.now(), message });
  });
  return got;
}

function mapped(r: { message: StunMessageView }): string {
  return `${r.message.xorMappedAddress?.address}:${r.message.xorMappedAddress?.port}`;
}

describe('virtual STUN server', () => {
  it('answers a Binding request with the source address it saw, one round trip later', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 15 });
      const stun = net.createStunServer('stun', { address: '198.51.100.1' });
      const client = bindNow(net.createHost('client', { addresses: ['198.51.100.50'] }));
      const got = responses(ts, client);
      const request = buildPlainBindingRequest();
      client.send(request.bytes, stun.port, stun.address);
      ts.flush();
      expect(got).toHaveLength(1);
      expect(got[0]?.time).toBe(30);
      expect(got[0]?.message).toMatchObject({ cls: 'success', method: StunMethod.Binding });
      expect(got[0]?.message.transactionId).toEqual(request.transactionId);
      expect(mapped(got[0] as { message: StunMessageView })).toBe(`198.51.100.50:${client.port}`);
      expect(stun).toMatchObject({ name: 'stun', address: '198.51.100.1', port: 3478 });
      expect(stun.stats).toEqual({ requests: 1, responses: 1, errorResponses: 0, ignored: 0 });
    });
  });

  describe.each([
    { nat: 'fullCone', sameMapping: true },
    { nat: 'restrictedCone', sameMapping: true },
    { nat: 'portRestrictedCone', sameMapping: true },
    { nat: 'symmetric', sameMapping: false },
  ] as const)('behind a $nat NAT', ({ nat, sameMapping }) => {
    it(`maps to the NAT's public address, ${sameMapping ? 'the same' : 'a different'} port per server`, () => {
      const ts = newTestScheduler();
      ts.run(() => {
        const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
        net.createNat('nat', { publicAddress: '203.0.113.1', ...(NAT_PRESETS[nat] as NatBehaviors) });
        const alice = bindNow(net.createHost('alice', { addresses: ['192.168.1.10'], behind: 'nat' }));
        const first = net.createStunServer('stun1', { address: '198.51.100.1' });
        const second = net.createStunServer('stun2', { address: '198.51.100.2', port: 19302 });
        const got = responses(ts, alice);
        alice.send(buildPlainBindingRequest().bytes, first.port, first.address);
        alice.send(buildPlainBindingRequest().bytes, second.port, second.address);
        ts.flush();
        // Two hops each way: alice → NAT → server.
        expect(got.map((r) => r.time)).toEqual([40, 40]);
        expect(got.map(mapped)).toEqual(
          sameMapping
            ? ['203.0.113.1:49152', '203.0.113.1:49152']
            : ['203.0.113.1:49152', '203.0.113.1:1024'],
        );
      });
    });
  });

  it('adds FINGERPRINT only when the request had one', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts });
      const stun = net.createStunServer('stun', { address: '198.51.100.1' });
      const client = bindNow(net.createHost('client', { addresses: ['198.51.100.50'] }));
      const got = responses(ts, client);
      client.send(buildPlainBindingRequest(undefined, { fingerprint: true }).bytes, stun.port, stun.address);
      client.send(buildPlainBindingRequest().bytes, stun.port, stun.address);
      ts.flush();
      expect(got.map((r) => r.message.hasFingerprint)).toEqual([true, false]);
      expect(verifyFingerprint(got[0]?.message.raw as Uint8Array)).toBe(true);
    });
  });

  it('answers 420 to unknown comprehension-required attributes, 400 to other methods, and ignores the rest', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts });
      const stun = net.createStunServer('stun', { address: '198.51.100.1' });
      const client = bindNow(net.createHost('client', { addresses: ['198.51.100.50'] }));
      const got = responses(ts, client);
      client.send(withUnknownAttribute(buildPlainBindingRequest().bytes, 0x7777), stun.port, stun.address);
      client.send(
        buildStunMessage({ method: StunMethod.Allocate, cls: 'request', attributes: [] }),
        stun.port,
        stun.address,
      );
      client.send(
        buildStunMessage({ method: StunMethod.Binding, cls: 'indication', attributes: [] }),
        3478,
        stun.address,
      );
      client.send(new TextEncoder().encode('not stun'), stun.port, stun.address);
      ts.flush();
      expect(got.map((r) => [r.message.cls, r.message.errorCode?.code])).toEqual([
        ['error', 420],
        ['error', 400],
      ]);
      expect(stun.stats).toEqual({ requests: 2, responses: 0, errorResponses: 2, ignored: 2 });
    });
  });

  it('stops answering once closed', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts });
      const stun = net.createStunServer('stun', { address: '198.51.100.1', port: 3479 });
      const client = bindNow(net.createHost('client', { addresses: ['198.51.100.50'] }));
      stun.close();
      client.send(buildPlainBindingRequest().bytes, 3479, stun.address);
      ts.flush();
      expect(net.stats.dropReasons.unbound).toBe(1);
    });
  });
});

/** Appends a 4-byte attribute of `type` (fixing the header length): a request with an attribute nobody knows. */
function withUnknownAttribute(message: Uint8Array, type: number): Uint8Array {
  const out = new Uint8Array(message.length + 8);
  out.set(message);
  const view = new DataView(out.buffer);
  view.setUint16(message.length, type);
  view.setUint16(message.length + 2, 4);
  view.setUint16(2, out.length - 20);
  return out;
}
