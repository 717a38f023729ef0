/**
 * The virtual TURN server driven by a raw client (messages built with
 * lib/stun) in virtual time: long-term authentication, Allocate, Refresh,
 * errors, options.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../lib/errors.js';
import { buildStunMessage, verifyIntegrity } from '../lib/stun/message.js';
import { StunMethod } from '../lib/stun/types.js';
import { type TurnServerOptions, VirtualNetwork } from '../lib/testing/index.js';
import { bindNow } from './helpers/raw-sockets.js';
import { RawTurnClient } from './helpers/raw-turn-client.js';
import { allocated, CREDENTIALS, SERVER, turnWorld as world } from './helpers/turn-world.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

describe('virtual TURN server: Allocate and authentication', () => {
  it('challenges with 401 REALM NONCE, then allocates a relayed address under MESSAGE-INTEGRITY', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, events } = allocated(ts, { behindNat: true });
      ts.schedule(() => {
        const [challenge, success] = client.received;
        expect(challenge?.time).toBe(40);
        expect(challenge?.stun).toMatchObject({
          cls: 'error',
          errorCode: { code: 401 },
          realm: CREDENTIALS.realm,
          hasIntegrity: false,
        });
        expect(challenge?.stun?.nonce).toMatch(/^nonce-[0-9a-f]{8}-20$/);
        expect(success?.time).toBe(140);
        expect(success?.stun).toMatchObject({
          cls: 'success',
          method: StunMethod.Allocate,
          xorRelayedAddress: { address: SERVER, port: 49152 },
          xorMappedAddress: { address: '203.0.113.1', port: 49152 },
          lifetime: 600,
          hasIntegrity: true,
        });
        expect(verifyIntegrity(success?.stun?.raw as Uint8Array, client.key)).toBe(true);
        expect(server.allocations()).toEqual([
          {
            client: { address: '203.0.113.1', port: 49152 },
            relayed: { address: SERVER, port: 49152 },
            username: 'alice',
            expiresAt: 120 + 600_000,
            permissions: [],
            channels: [],
          },
        ]);
        expect(server.stats).toMatchObject({ requests: 2, activeAllocations: 1, errorResponses: { 401: 1 } });
        expect(events.map((e) => [e.time, e.type])).toEqual([
          [20, 'error-response'],
          [120, 'allocation-created'],
        ]);
      }, 1000);
    });
  });

  it('answers a wrong password with 401 and signed requests lacking REALM or NONCE with 400', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, at } = allocated(ts, { clientPassword: 'wrong' });
      at(200, () => {
        const unsigned = buildStunMessage({
          method: StunMethod.Allocate,
          cls: 'request',
          attributes: [
            { kind: 'username', value: 'alice' },
            { kind: 'requestedTransport', value: 17 },
          ],
          integrity: { key: client.key },
        });
        client.socket.send(unsigned, client.server.port, client.server.address);
      });
      ts.flush();
      expect(client.outcomes).toEqual([401, 401, 400]);
    });
  });

  it('answers a stale nonce with 438 and a fresh nonce, which then works (expireNonces and nonceLifetime)', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, at } = allocated(ts, { server: { nonceLifetime: 60 } });
      at(200, () => server.expireNonces());
      at(300, () => client.refresh());
      at(400, () => client.refresh());
      at(70_000, () => client.refresh()); // that nonce was issued at 310 ms: stale at 60 310 ms
      at(70_100, () => client.refresh());
      ts.schedule(() => {
        expect(client.outcomes).toEqual([401, 'success', 438, 'success', 438, 'success']);
        const nonces = client.messages.map((m) => m.nonce).filter((n) => n !== undefined);
        expect(new Set(nonces).size).toBe(3);
      }, 80_000);
    });
  });

  it('repeats its answer to a retransmitted Allocate and answers another Allocate with 437', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, at } = world(ts);
      client.allocate([], { authenticate: false });
      let transactionId: Uint8Array | undefined;
      at(100, () => {
        transactionId = client.allocate();
      });
      at(200, () => client.allocate([], { transactionId }));
      at(300, () => client.allocate());
      ts.schedule(() => {
        expect(client.outcomes).toEqual([401, 'success', 'success', 437]);
        const [, first, second] = client.messages;
        expect(second?.raw).toEqual(first?.raw);
        expect(server.stats.allocationsCreated).toBe(1);
      }, 1000);
    });
  });

  it('rejects a missing REQUESTED-TRANSPORT (400), TCP (442) and methods it does not know (400)', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, at } = world(ts);
      client.allocate([], { authenticate: false });
      at(100, () => client.request(StunMethod.Allocate, []));
      at(200, () => client.request(StunMethod.Allocate, [{ kind: 'requestedTransport', value: 6 }]));
      at(300, () => client.request(0x00b, []));
      ts.flush();
      expect(client.outcomes).toEqual([401, 400, 442, 400]);
    });
  });

  it('answers 486 beyond the allocation quota and 508 beyond capacity or relay ports', () => {
    for (const [server, code] of [
      [{ allocationQuota: 1 }, 486],
      [{ maxAllocations: 1 }, 508],
      [{ relayPorts: { min: 50_000, max: 50_000 } }, 508],
    ] as const) {
      const ts = newTestScheduler();
      ts.run(() => {
        const { clientHost, client, at } = allocated(ts, { server });
        const second = new RawTurnClient(ts, bindNow(clientHost), client.server, 'alice', 'secret');
        second.allocate([], { authenticate: false });
        at(100, () => second.allocate());
        ts.schedule(() => expect(second.outcomes).toEqual([401, code]), 1000);
      });
    }
  });

  it('answers Binding requests like a STUN server', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server } = world(ts);
      client.request(StunMethod.Binding, [], { authenticate: false });
      ts.flush();
      expect(client.last).toMatchObject({
        cls: 'success',
        xorMappedAddress: { address: '198.51.100.10', port: 49152 },
      });
      expect(server.stats).toMatchObject({ bindingRequests: 1, requests: 0 });
    });
  });
});

describe('virtual TURN server: Refresh', () => {
  it('grants max(default, min(requested, max)) and moves the expiry', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, at } = allocated(ts, { server: { lifetime: 60, maxLifetime: 120 } });
      const lifetimes: Array<number | undefined> = [];
      const expiries: number[] = [];
      for (const [i, requested] of [10, 90, 5000, undefined].entries()) {
        at(1000 * (i + 1), () => client.refresh(requested));
        at(1000 * (i + 1) + 50, () => {
          lifetimes.push(client.last?.lifetime);
          expiries.push(server.allocations()[0]?.expiresAt ?? -1);
        });
      }
      ts.schedule(() => {
        expect(lifetimes).toEqual([60, 90, 120, 60]);
        expect(expiries).toEqual([61_010, 92_010, 123_010, 64_010]);
      }, 10_000);
    });
  });

  it('LIFETIME 0 deletes the allocation and frees its relayed port; a Refresh without allocation gets 437', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, events, net, at } = allocated(ts);
      at(200, () => client.refresh(0));
      at(300, () => client.refresh());
      at(400, () => client.allocate());
      ts.schedule(() => {
        expect(client.outcomes).toEqual([401, 'success', 'success', 437, 'success']);
        expect(client.messages[2]).toMatchObject({ lifetime: 0, hasIntegrity: true });
        expect(client.last?.xorRelayedAddress).toEqual({ address: SERVER, port: 49152 });
        expect(events.filter((e) => e.type === 'allocation-deleted')).toEqual([
          {
            type: 'allocation-deleted',
            time: 210,
            client: { address: '198.51.100.10', port: 49152 },
            relayed: { address: SERVER, port: 49152 },
            reason: 'refresh',
          },
        ]);
        expect(server.stats).toMatchObject({
          allocationsCreated: 2,
          allocationsDeleted: 1,
          activeAllocations: 1,
        });
        expect(net.stats.dropped).toBe(0);
      }, 1000);
    });
  });
});

describe('virtual TURN server: copies of a request (RFC 8489 §6.3.1)', () => {
  it('answers a copy with the first response and does not run it again: a late Refresh LIFETIME 0 spares the new allocation', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, events, at } = allocated(ts);
      const deallocate = Buffer.alloc(12, 0x5a);
      const refresh0 = () =>
        client.request(StunMethod.Refresh, [{ kind: 'lifetime', value: 0 }], { transactionId: deallocate });
      at(200, refresh0);
      at(300, () => client.allocate()); // the new allocation on the same 5-tuple
      at(400, refresh0); // the network's duplicate of the Refresh, late
      ts.schedule(() => {
        expect(client.outcomes).toEqual([401, 'success', 'success', 'success', 'success']);
        const answers = client.received.filter(
          (r) => r.stun !== undefined && Buffer.from(r.stun.transactionId).equals(deallocate),
        );
        expect(answers).toHaveLength(2);
        expect(Buffer.from(answers[1]?.stun?.raw ?? [])).toEqual(Buffer.from(answers[0]?.stun?.raw ?? []));
        expect(events.filter((e) => e.type === 'allocation-deleted')).toHaveLength(1);
        expect(server.stats).toMatchObject({
          allocationsCreated: 2,
          allocationsDeleted: 1,
          activeAllocations: 1,
        });
      }, 1000);
    });
  });
});

describe('virtual TURN server: options', () => {
  it('rejects invalid options', () => {
    const net = new VirtualNetwork();
    const bad: Array<Partial<TurnServerOptions>> = [
      { username: '' },
      { realm: 'x'.repeat(200) },
      { lifetime: 0 },
      { lifetime: 100, maxLifetime: 50 },
      { relayPorts: { min: 9, max: 1 } },
      { port: 70_000 },
      { maxPermissions: 0 },
      { denyPeer: 'no' as unknown as () => boolean },
      { address: 'nowhere' },
      { relayAddress: 'nowhere' },
    ];
    for (const options of bad) {
      const create = () => net.createTurnServer('turn', { address: SERVER, ...CREDENTIALS, ...options });
      expect(create, JSON.stringify(options)).toThrow(InvalidArgumentError);
    }
    // Nothing was left half-made: the name and the address are still free.
    expect(net.createTurnServer('turn', { address: SERVER, ...CREDENTIALS }).address).toBe(SERVER);
  });
});
