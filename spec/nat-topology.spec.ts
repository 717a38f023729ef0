/**
 * NAT boxes of the virtual network (RFC 4787) beyond one host: hairpinning,
 * private address realms, nested NATs, table limits, option checks.
 */
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../lib/errors.js';
import { NAT_PRESETS, type NatBehavior, type NatOptions, VirtualNetwork } from '../lib/testing/index.js';
import { PUBLIC, natWorld as world } from './helpers/nat-world.js';
import { asText, bindNow, bindPort, record, sendText } from './helpers/raw-sockets.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

describe('NAT hairpinning (RFC 4787 §6)', () => {
  /** alice and bob behind one NAT; each first talks to s1 so both have mappings. */
  function sameNat(ts: TestScheduler, options: Omit<NatOptions, 'publicAddress'>) {
    const w = world(ts, options);
    const bob = w.net.createHost('bob', { addresses: ['192.168.1.20'], behind: 'nat' });
    const b = bindNow(bob); // 49152 too: its mapping falls back to 1024
    sendText(w.a, 'a', w.s1a);
    sendText(b, 'b', w.s1a);
    return { ...w, b };
  }

  it('loops a datagram for the public address back in, from the sender’s external address', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, b, nat } = sameNat(ts, NAT_PRESETS.fullCone);
      ts.schedule(() => sendText(a, 'hairpin', { address: PUBLIC, port: 1024 }), 100);
      expectObservable(asText(b.packets$)).toBe('120ms x', { x: `${PUBLIC}:49152 hairpin` });
      ts.flush();
      expect(nat.stats.hairpinned).toBe(1);
    });
  });

  it('filters hairpinned datagrams like inbound ones', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b, nat } = sameNat(ts, NAT_PRESETS.portRestrictedCone);
      const atBob = record(b);
      const atAlice = record(a);
      // bob opens his filter to alice's external endpoint (his datagram is filtered at alice's mapping) ...
      ts.schedule(() => sendText(b, 'from bob', { address: PUBLIC, port: 49152 }), 50);
      // ... so alice's datagram to bob's external endpoint gets in.
      ts.schedule(() => sendText(a, 'from alice', { address: PUBLIC, port: 1024 }), 100);
      ts.flush();
      expect(atBob).toEqual([`${PUBLIC}:49152 from alice`]);
      expect(atAlice).toEqual([]);
      expect(nat.stats).toMatchObject({ hairpinned: 1, droppedFiltered: 1 });
    });
  });

  it('drops them when hairpinning is off', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net, a, b, nat } = sameNat(ts, { ...NAT_PRESETS.fullCone, hairpinning: false });
      const atBob = record(b);
      ts.schedule(() => sendText(a, 'hairpin', { address: PUBLIC, port: 1024 }), 100);
      ts.flush();
      expect(atBob).toEqual([]);
      expect(nat.stats).toMatchObject({ hairpinned: 0, droppedHairpin: 1 });
      expect(net.stats.dropReasons.filtered).toBe(1);
    });
  });
});

describe('NAT realms and limits', () => {
  it('hosts behind one NAT talk directly over their private addresses', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { net, a, nat } = world(ts, NAT_PRESETS.symmetric);
      const b = bindNow(net.createHost('bob', { addresses: ['192.168.1.20'], behind: 'nat' }));
      sendText(a, 'lan', b);
      expectObservable(asText(b.packets$)).toBe('10ms x', { x: '192.168.1.10:49152 lan' });
      ts.flush();
      expect(nat.stats.outbound).toBe(0);
    });
  });

  it('the same private address behind two NATs: two hosts, two public addresses', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net, a, s1a } = world(ts, NAT_PRESETS.fullCone);
      net.createNat('nat2', { publicAddress: '203.0.113.2', ...NAT_PRESETS.fullCone });
      const twin = bindNow(net.createHost('twin', { addresses: ['192.168.1.10'], behind: 'nat2' }));
      const seen = record(s1a);
      sendText(a, 'alice', s1a);
      sendText(twin, 'twin', s1a);
      ts.flush();
      expect(seen).toEqual([`${PUBLIC}:49152 alice`, '203.0.113.2:49152 twin']);
    });
  });

  it('NATs nest (carrier-grade NAT): each hop translates and adds its latency', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      net.createNat('cgn', { publicAddress: PUBLIC, ...NAT_PRESETS.portRestrictedCone });
      net.createNat('home', { publicAddress: '100.64.0.2', behind: 'cgn', ...NAT_PRESETS.fullCone });
      const a = bindNow(net.createHost('alice', { addresses: ['192.168.1.10'], behind: 'home' }));
      const server = bindPort(net.createHost('s1', { addresses: ['198.51.100.1'] }), 3478);
      sendText(a, 'out', server);
      server.packets$.subscribe((p) => server.send(p.data, p.port, p.address)); // echo
      expectObservable(asText(server.packets$)).toBe('30ms x', { x: `${PUBLIC}:49152 out` });
      expectObservable(asText(a.packets$)).toBe('60ms y', { y: '198.51.100.1:3478 out' });
    });
  });

  it('a full mapping table drops datagrams that need a new mapping', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net, a, s1a, s1b, s2a, nat } = world(ts, { ...NAT_PRESETS.symmetric, maxMappings: 2 });
      for (const to of [s1a, s1b, s2a]) sendText(a, 'x', to);
      sendText(a, 'again', s1a); // reuses its mapping
      ts.schedule(() => expect(nat.stats.activeMappings).toBe(2), 1000);
      ts.flush();
      expect(nat.stats).toMatchObject({
        activeMappings: 0,
        droppedNoPort: 1,
        outbound: 3,
        mappingsExpired: 2,
      });
      expect(net.stats.dropReasons.filtered).toBe(1);
    });
  });

  it('rejects bad NAT options, unknown NATs and taken names or addresses', () => {
    const net = new VirtualNetwork();
    net.createNat('nat', { publicAddress: PUBLIC, ...NAT_PRESETS.fullCone });
    const bad: Array<[string, Partial<NatOptions>]> = [
      ['a', { publicAddress: 'nope' }],
      ['b', { mapping: 'cone' as NatBehavior }],
      ['c', { filtering: 'open' as NatBehavior }],
      ['d', { mappingTimeout: 0 }],
      ['e', { externalPorts: { min: 10, max: 5 } }],
      ['f', { maxMappings: 0 }],
      ['g', { portAllocation: 'random' as 'preserve' }],
      ['h', { publicAddress: PUBLIC }],
      ['i', { behind: 'nowhere' }],
      ['nat', { publicAddress: '203.0.113.9' }],
    ];
    for (const [name, options] of bad) {
      const full = { publicAddress: '203.0.113.5', ...NAT_PRESETS.fullCone, ...options } as NatOptions;
      expect(() => net.createNat(name, full), name).toThrow(InvalidArgumentError);
    }
    expect(() => net.createHost('x', { addresses: ['10.0.0.1'], behind: 'nowhere' })).toThrow(
      InvalidArgumentError,
    );
    net.createHost('y', { addresses: ['10.0.0.1'], behind: 'nat' });
    expect(() => net.createHost('z', { addresses: ['10.0.0.1'], behind: 'nat' })).toThrow(
      InvalidArgumentError,
    );
    expect(() => net.createHost('nat', { addresses: ['10.0.0.2'] })).toThrow(InvalidArgumentError);
  });
});
