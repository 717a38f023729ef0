/**
 * NAT boxes of the virtual network (RFC 4787), driven with raw virtual
 * sockets in virtual time: mapping and filtering behaviours, port
 * allocation, mapping timeout.
 */
import fc from 'fast-check';
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { NAT_PRESETS, type NatBehavior, type TraceEvent, VirtualNetwork } from '../lib/testing/index.js';
import { PUBLIC, natWorld as world } from './helpers/nat-world.js';
import { asText, bindNow, bindPort, record, sendText } from './helpers/raw-sockets.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const behaviors: NatBehavior[] = ['endpoint-independent', 'address-dependent', 'address-and-port-dependent'];

describe('NAT mapping behaviour (RFC 4787 §4.1)', () => {
  it.each([
    // s1:3478, s1:3479 (same address, other port), s2:3478 (other address)
    { mapping: 'endpoint-independent', ports: [49152, 49152, 49152] },
    { mapping: 'address-dependent', ports: [49152, 49152, 1024] },
    { mapping: 'address-and-port-dependent', ports: [49152, 1024, 1025] },
  ] as const)('$mapping: external ports per destination $ports', ({ mapping, ports }) => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, s1a, s1b, s2a, nat } = world(ts, { mapping, filtering: 'endpoint-independent' });
      const seen = [record(s1a), record(s1b), record(s2a)];
      for (const to of [s1a, s1b, s2a]) sendText(a, 'hi', to);
      ts.flush();
      expect(seen).toEqual(ports.map((port) => [`${PUBLIC}:${port} hi`]));
      expect(nat.stats).toMatchObject({ mappingsCreated: new Set(ports).size, outbound: 3 });
    });
  });

  it('keeps one mapping per destination key, whatever the order of destinations (property)', () => {
    const destinations = fc.array(fc.constantFrom(0, 1, 2, 3), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(fc.constantFrom(...behaviors), destinations, (mapping, order) => {
        const ts = newTestScheduler();
        ts.run(() => {
          const net = new VirtualNetwork({ scheduler: ts, latency: 1 });
          net.createNat('nat', { publicAddress: PUBLIC, mapping, filtering: 'endpoint-independent' });
          const a = bindNow(net.createHost('alice', { addresses: ['192.168.1.10'], behind: 'nat' }));
          const sockets = ['198.51.100.1', '198.51.100.2'].flatMap((address, i) => {
            const server = net.createHost(`s${i + 1}`, { addresses: [address] });
            return [bindPort(server, 3478), bindPort(server, 3479)];
          });
          const portsSeen = sockets.map(() => new Set<number>());
          for (const [i, socket] of sockets.entries()) {
            socket.packets$.subscribe((p) => portsSeen[i]?.add(p.port));
          }
          for (const i of order) sendText(a, 'x', sockets[i] as (typeof sockets)[number]);
          ts.flush();
          const key = (i: number) =>
            mapping === 'endpoint-independent' ? '' : mapping === 'address-dependent' ? i >> 1 : i;
          // Each destination always sees one external port; as many ports in all as mapping keys.
          for (const ports of portsSeen) expect(ports.size).toBeLessThanOrEqual(1);
          const allPorts = new Set(portsSeen.flatMap((ports) => [...ports]));
          expect(allPorts.size).toBe(new Set(order.map(key)).size);
        });
      }),
      { numRuns: 60 },
    );
  });

  it("'sequential' port allocation ignores the internal port", () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, s1a, s2a } = world(ts, { ...NAT_PRESETS.symmetric, portAllocation: 'sequential' });
      const seen = [record(s1a), record(s2a)];
      sendText(a, 'x', s1a);
      sendText(a, 'x', s2a);
      ts.flush();
      expect(seen).toEqual([[`${PUBLIC}:1024 x`], [`${PUBLIC}:1025 x`]]);
    });
  });

  it('lists live mappings with their destination and expiry', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, s1a, nat } = world(ts, NAT_PRESETS.symmetric);
      sendText(a, 'x', s1a);
      const snapshot: ReturnType<typeof nat.mappings> = [];
      ts.schedule(() => snapshot.push(...nat.mappings()), 1000);
      ts.flush();
      expect(nat.mappings()).toEqual([]); // flush ran past the expiry
      expect(snapshot).toEqual([
        {
          internal: { address: '192.168.1.10', port: 49152 },
          external: { address: PUBLIC, port: 49152 },
          destination: { address: '198.51.100.1', port: 3478 },
          createdAt: 10,
          expiresAt: 120_010,
        },
      ]);
    });
  });
});

describe('NAT filtering behaviour (RFC 4787 §5)', () => {
  it.each([
    { filtering: 'endpoint-independent', admitted: ['s1:3478', 's1:3479', 's2:3478'] },
    { filtering: 'address-dependent', admitted: ['s1:3478', 's1:3479'] },
    { filtering: 'address-and-port-dependent', admitted: ['s1:3478'] },
  ] as const)('$filtering lets in $admitted after alice sent to s1:3478', ({ filtering, admitted }) => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, s1a, s1b, s2a, nat } = world(ts, { mapping: 'endpoint-independent', filtering });
      const got = record(a);
      sendText(a, 'open', s1a);
      const mapped = { address: PUBLIC, port: 49152 };
      ts.schedule(() => {
        sendText(s1a, 's1:3478', mapped);
        sendText(s1b, 's1:3479', mapped);
        sendText(s2a, 's2:3478', mapped);
      }, 100);
      ts.flush();
      expect(got.map((line) => line.split(' ')[1])).toEqual(admitted);
      expect(nat.stats.droppedFiltered).toBe(3 - admitted.length);
      expect(nat.stats.inbound).toBe(admitted.length);
    });
  });

  it('drops datagrams to a public port without a mapping, and private addresses are unroutable from outside', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net, s1a, nat } = world(ts, NAT_PRESETS.fullCone);
      const events: TraceEvent[] = [];
      net.trace$.subscribe((e) => events.push(e));
      sendText(s1a, 'knock', { address: PUBLIC, port: 49152 });
      sendText(s1a, 'direct', { address: '192.168.1.10', port: 49152 });
      ts.flush();
      expect(events.map((e) => [e.time, e.toHost, e.dropped])).toEqual([
        [0, undefined, 'unroutable'],
        [10, 'nat', 'filtered'],
      ]);
      expect(nat.stats.droppedNoMapping).toBe(1);
      expect(net.stats.dropReasons).toMatchObject({ filtered: 1, unroutable: 1 });
    });
  });
});

describe('NAT mapping timeout (RFC 4787 §4.3)', () => {
  const eventLetters = map((e: { type: string }) => (e.type === 'mapping-created' ? 'c' : 'e'));

  it('a mapping expires `mappingTimeout` after the last outbound datagram; inbound traffic does not refresh it', () => {
    const ts = newTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { a, s1a, nat } = world(ts, { ...NAT_PRESETS.fullCone, mappingTimeout: 30_000 });
      // alice's only datagram reaches the NAT at 10 ms: the mapping lives until 30 010 ms.
      sendText(a, 'open', s1a);
      const mapped = { address: PUBLIC, port: 49152 };
      cold('10s a 9999ms b 9998ms c d').subscribe((v) => sendText(s1a, v, mapped));
      expectObservable(nat.events$.pipe(eventLetters)).toBe('10ms c 29999ms e');
      // a, b and c (at the NAT 30 009 ms) get in; d reaches it at 30 010 ms, when the mapping is gone.
      expectObservable(asText(a.packets$).pipe(map((line) => line.slice(-1)))).toBe(
        '10020ms a 9999ms b 9998ms c',
      );
    });
  });

  it('outbound traffic keeps a mapping alive', () => {
    const ts = newTestScheduler();
    ts.run(({ cold, expectObservable }) => {
      const { a, s1a, nat } = world(ts, { ...NAT_PRESETS.fullCone, mappingTimeout: 30_000 });
      cold('a 19999ms b 19999ms c').subscribe((v) => sendText(a, v, s1a));
      const mapped = { address: PUBLIC, port: 49152 };
      cold('65s x 4999ms y').subscribe((v) => sendText(s1a, v, mapped));
      // Last refresh at 40 010 ms: expiry at 70 010 ms, when y arrives.
      expectObservable(nat.events$.pipe(eventLetters)).toBe('10ms c 69999ms e');
      expectObservable(asText(a.packets$).pipe(map((line) => line.slice(-1)))).toBe('65020ms x');
    });
  });

  it('a new datagram after expiry gets a new mapping (and the old filter state is gone)', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, s1a, nat } = world(ts, { ...NAT_PRESETS.portRestrictedCone, mappingTimeout: 1000 });
      const seen = record(s1a);
      sendText(a, 'one', s1a);
      ts.schedule(() => sendText(a, 'two', s1a), 5000);
      ts.flush();
      expect(seen).toEqual([`${PUBLIC}:49152 one`, `${PUBLIC}:49152 two`]);
      expect(nat.stats).toMatchObject({ mappingsCreated: 2, mappingsExpired: 2, activeMappings: 0 });
    });
  });
});
