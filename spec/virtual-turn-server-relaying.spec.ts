/**
 * The virtual TURN server's relaying, driven by a raw client in virtual time:
 * permissions, channels, the data path both ways (through the client's NAT),
 * and the expiry of permissions, channels and allocations.
 */
import { describe, expect, it } from 'vitest';
import { StunMethod } from '../lib/stun/types.js';
import { VirtualNetwork } from '../lib/testing/index.js';
import { bindNow, record } from './helpers/raw-sockets.js';
import { RawTurnClient } from './helpers/raw-turn-client.js';
import { allocated, CREDENTIALS, PEER, SERVER } from './helpers/turn-world.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const text = new TextEncoder();
const untext = new TextDecoder();

describe('virtual TURN server: permissions, channels and data', () => {
  it('relays Send indications to permitted peers and their datagrams back as Data indications, through the client NAT', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, peer, at } = allocated(ts, { behindNat: true });
      const relayed = { address: SERVER, port: 49152 };
      const atPeer = record(peer);
      at(200, () => peer.send(text.encode('too early'), relayed.port, relayed.address));
      at(300, () => client.sendIndication(PEER, text.encode('no permission yet')));
      at(400, () => client.createPermission(PEER));
      at(500, () => client.sendIndication(PEER, text.encode('hello peer')));
      at(600, () => peer.send(text.encode('hello client'), relayed.port, relayed.address));
      ts.schedule(() => {
        expect(atPeer).toEqual([`${SERVER}:49152 hello peer`]);
        const data = client.received.filter((r) => r.stun?.method === StunMethod.Data);
        expect(
          data.map((r) => [r.time, r.stun?.cls, r.stun?.xorPeerAddress, untext.decode(r.stun?.data)]),
        ).toEqual([[630, 'indication', PEER, 'hello client']]);
        expect(server.stats).toMatchObject({
          activePermissions: 1,
          sendIndications: 2,
          relayedToPeers: 1,
          dataIndicationsSent: 1,
          droppedNoPermission: 2,
        });
        expect(server.allocations()[0]?.permissions).toEqual([
          { peer: PEER.address, expiresAt: 420 + 300_000 },
        ]);
      }, 1000);
    });
  });

  it('carries ChannelData both ways once a channel is bound, and refuses conflicting bindings', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, peer, at } = allocated(ts);
      const atPeer = record(peer);
      at(200, () => client.channelBind(0x4000, PEER));
      at(300, () => client.sendChannelData(0x4000, text.encode('over channel')));
      at(400, () => peer.send(text.encode('back on channel'), 49152, SERVER));
      at(500, () => client.channelBind(0x4001, PEER)); // peer already on 0x4000
      at(600, () => client.channelBind(0x4000, { address: PEER.address, port: 5001 })); // channel taken
      at(700, () => client.sendChannelData(0x4002, text.encode('unbound channel')));
      at(800, () => client.channelBind(0x4000, PEER)); // refresh
      ts.schedule(() => {
        expect(atPeer).toEqual([`${SERVER}:49152 over channel`]);
        const channelData = client.received.filter((r) => r.channelData);
        expect(
          channelData.map((r) => [r.time, r.channelData?.channel, untext.decode(r.channelData?.data)]),
        ).toEqual([[420, 0x4000, 'back on channel']]);
        expect(client.outcomes).toEqual([401, 'success', 'success', 400, 400, 'success']);
        expect(server.stats).toMatchObject({ activeChannels: 1, channelDataReceived: 2, channelDataSent: 1 });
        expect(server.allocations()[0]?.channels).toEqual([
          { channel: 0x4000, peer: PEER, expiresAt: 810 + 600_000 },
        ]);
      }, 1000);
    });
  });

  it('refuses denied peers (403), the other address family (443) and permissions beyond the limit (508)', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, at } = allocated(ts, {
        server: { maxPermissions: 1, denyPeer: (address) => address.startsWith('10.') },
      });
      at(200, () => client.createPermission({ address: '10.0.0.7', port: 1 }));
      at(300, () => client.createPermission({ address: '2001:db8::7', port: 1 }));
      at(400, () => client.createPermission(PEER));
      at(500, () => client.createPermission({ address: '198.51.100.21', port: 1 }));
      at(600, () => client.channelBind(0x4000, { address: '198.51.100.21', port: 1 }));
      at(700, () => client.createPermission(PEER)); // a refresh needs no room
      ts.schedule(() => {
        expect(client.outcomes).toEqual([401, 'success', 403, 443, 'success', 508, 508, 'success']);
        expect(client.messages.slice(2).every((m) => m.hasIntegrity)).toBe(true);
      }, 1000);
    });
  });

  it('allocates on relayAddress when it is set, and relays from there', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, peer, at } = allocated(ts, {
        server: { relayAddress: '198.51.100.3', relayPorts: { min: 40_000, max: 40_001 } },
      });
      const atPeer = record(peer);
      at(200, () => client.createPermission(PEER));
      at(300, () => client.sendIndication(PEER, text.encode('via relay address')));
      ts.schedule(() => {
        expect(client.messages[1]?.xorRelayedAddress).toEqual({ address: '198.51.100.3', port: 40_000 });
        expect(atPeer).toEqual(['198.51.100.3:40000 via relay address']);
      }, 1000);
    });
  });
});

describe('virtual TURN server: expiry in virtual time', () => {
  it('expires permissions after 300 s, channels after 600 s and allocations after their lifetime', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, events, at } = allocated(ts);
      at(200, () => client.createPermission(PEER));
      at(300, () => client.channelBind(0x4000, { address: '198.51.100.21', port: 7 }));
      at(500_000, () => client.refresh(3600));
      ts.schedule(() => {
        expect(events.map((e) => [e.time, e.type])).toEqual([
          [10, 'error-response'],
          [110, 'allocation-created'],
          [210, 'permission-created'],
          [310, 'permission-created'],
          [310, 'channel-bound'],
          [300_210, 'permission-expired'],
          [300_310, 'permission-expired'],
          [500_010, 'allocation-refreshed'],
          [600_310, 'channel-expired'],
          [4_100_010, 'allocation-deleted'],
        ]);
      }, 5_000_000);
    });
  });

  it('deletes an allocation exactly at the end of its lifetime (marble)', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      const server = net.createTurnServer('turn', { address: SERVER, ...CREDENTIALS, lifetime: 30 });
      const client = new RawTurnClient(
        ts,
        bindNow(net.createHost('client', { addresses: ['198.51.100.10'] })),
        server,
        'alice',
        'secret',
      );
      client.allocate([], { authenticate: false });
      ts.schedule(() => client.allocate(), 100);
      ts.schedule(() => client.refresh(), 20_000);
      // 401 at 10 ms, created at 110, refreshed at 20 010 (30 s more), deleted at 50 010.
      expectObservable(server.events$, '^ 60s !').toBe('10ms e 99ms a 19899ms r 29999ms d', {
        e: expect.objectContaining({ type: 'error-response', code: 401 }),
        a: expect.objectContaining({ type: 'allocation-created', lifetime: 30 }),
        r: expect.objectContaining({ type: 'allocation-refreshed', lifetime: 30 }),
        d: expect.objectContaining({ type: 'allocation-deleted', reason: 'expired' }),
      });
    });
  });

  it('close() deletes every allocation and completes events$', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { server, events, at } = allocated(ts);
      let completed = false;
      server.events$.subscribe({ complete: () => (completed = true) });
      at(1000, () => server.close());
      ts.flush();
      expect(events.at(-1)).toMatchObject({ type: 'allocation-deleted', reason: 'closed', time: 1000 });
      expect(completed).toBe(true);
      expect(server.stats.activeAllocations).toBe(0);
    });
  });
});
