import fc from 'fast-check';
import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { BindError, InvalidArgumentError, InvalidOptionError } from '../lib/errors.js';
import {
  FastScheduler,
  mulberry32,
  type TraceEvent,
  type VirtualHost,
  VirtualNetwork,
} from '../lib/testing/index.js';
import type { PacketSocket, PortRange } from '../lib/transport/types.js';

const text = new TextEncoder();
const untext = new TextDecoder();

function testScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Binds synchronously; fails the test when `bind` did not emit synchronously. */
function bindNow(host: VirtualHost, address: string, ports?: PortRange): PacketSocket {
  let socket: PacketSocket | undefined;
  host.bind(address, ports).subscribe((s) => {
    socket = s;
  });
  if (socket === undefined) throw new Error('bind did not emit synchronously');
  return socket;
}

function bindError(host: VirtualHost, address: string, ports?: PortRange): unknown {
  let error: unknown;
  host.bind(address, ports).subscribe({ error: (e: unknown) => (error = e) });
  return error;
}

/** Two hosts with one socket each. */
function pair(net: VirtualNetwork) {
  const alice = net.createHost('alice', { addresses: ['10.0.0.1', 'fd00::1'] });
  const bob = net.createHost('bob', { addresses: ['10.0.0.2', 'fd00::2'] });
  return { alice, bob, a: bindNow(alice, '10.0.0.1'), b: bindNow(bob, '10.0.0.2') };
}

const asText = map(
  (p: { data: Uint8Array; address: string; port: number }) =>
    `${p.address}:${p.port} ${untext.decode(p.data)}`,
);

describe('VirtualNetwork timing (TestScheduler)', () => {
  it('delivers a datagram exactly `latency` virtual ms after it was sent', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      const { a, b } = pair(net);
      a.send(text.encode('hello'), b.port, '10.0.0.2');
      expectObservable(b.packets$.pipe(asText)).toBe('10ms x', { x: `10.0.0.1:${a.port} hello` });
    });
  });

  it('uses per-link latency for sends made later in virtual time, both ways', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts });
      const { a, b } = pair(net);
      net.setLink('alice', 'bob', { latency: 3 });
      cold('a 4ms b').subscribe((v) => a.send(text.encode(v), b.port, b.address));
      cold('2ms c').subscribe((v) => b.send(text.encode(v), a.port, a.address));
      expectObservable(b.packets$.pipe(asText)).toBe('3ms x 4ms y', {
        x: `10.0.0.1:${a.port} a`,
        y: `10.0.0.1:${a.port} b`,
      });
      expectObservable(a.packets$.pipe(asText)).toBe('5ms z', { z: `10.0.0.2:${b.port} c` });
    });
  });

  it('defaults to 5 ms latency on asyncScheduler, which TestScheduler.run drives', () => {
    testScheduler().run(({ expectObservable }) => {
      const net = new VirtualNetwork();
      const { a, b } = pair(net);
      a.send(text.encode('x'), b.port, b.address);
      expectObservable(b.packets$.pipe(map(() => 'x'))).toBe('5ms x');
    });
  });

  it('resolves link conditions per field: pair, host wildcard, global wildcard, defaults', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 1 });
      const { a, b } = pair(net);
      const carol = net.createHost('carol', { addresses: ['10.0.0.3'] });
      const c = bindNow(carol, '10.0.0.3');
      net.setLink('*', '*', { latency: 20 });
      net.setLink('*', 'carol', { latency: 7 });
      net.setLink('bob', 'alice', { loss: 0 }); // latency still from the wildcards
      net.setLink('alice', 'bob', { latency: 2 }); // merged into the pair
      a.send(text.encode('ab'), b.port, b.address);
      a.send(text.encode('ac'), c.port, c.address);
      b.send(text.encode('ba'), a.port, a.address);
      expectObservable(b.packets$.pipe(map(() => 'x'))).toBe('2ms x');
      expectObservable(c.packets$.pipe(map(() => 'x'))).toBe('7ms x');
      expectObservable(a.packets$.pipe(map(() => 'x'))).toBe('2ms x');
    });
  });

  it('traces deliveries and drops with their virtual time', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 4 });
      const { a, b } = pair(net);
      expectObservable(net.trace$).toBe('4ms t', {
        t: {
          time: 4,
          from: `10.0.0.1:${a.port}`,
          to: `10.0.0.2:${b.port}`,
          fromHost: 'alice',
          toHost: 'bob',
          bytes: 3,
        } satisfies TraceEvent,
      });
      a.send(text.encode('abc'), b.port, b.address);
    });
  });
});

describe('VirtualNetwork losses and drops', () => {
  it('loss 1.0 drops everything', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, loss: 1 });
      const { alice, a, b } = pair(net);
      for (let i = 0; i < 20; i++) a.send(text.encode('x'), b.port, b.address);
      expectObservable(b.packets$).toBe('');
      ts.flush();
      expect(net.stats).toMatchObject({ sent: 20, delivered: 0, dropped: 20, dropReasons: { loss: 20 } });
      expect(alice.stats).toEqual({ sent: 20, received: 0, dropped: 20 });
    });
  });

  /** Which of `n` datagrams arrive over a link with `loss`. */
  function survivors(seed: number, loss: number, n = 1000): number[] {
    const ts = testScheduler();
    const arrived: number[] = [];
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts, seed });
      const { a, b } = pair(net);
      net.setLink('alice', 'bob', { loss });
      b.packets$.subscribe((p) => arrived.push(new DataView(p.data.buffer).getUint16(0)));
      const buf = new Uint8Array(2);
      for (let i = 0; i < n; i++) {
        new DataView(buf.buffer).setUint16(0, i);
        a.send(buf, b.port, b.address);
      }
      ts.flush();
      expect(net.stats.delivered).toBe(arrived.length);
      expect(net.stats.dropReasons.loss).toBe(n - arrived.length);
    });
    return arrived;
  }

  it('seeded loss is deterministic', () => {
    const first = survivors(42, 0.3);
    expect(survivors(42, 0.3)).toEqual(first);
    expect(survivors(43, 0.3)).not.toEqual(first);
  });

  it('seeded loss drops approximately the given share of 1000 datagrams', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(0.05, 0.3, 0.5, 0.9), (seed, loss) => {
        const lost = 1000 - survivors(seed, loss).length;
        const sd = Math.sqrt(1000 * loss * (1 - loss));
        expect(Math.abs(lost - 1000 * loss)).toBeLessThan(5 * sd);
      }),
      { numRuns: 20 },
    );
  });

  it('a down link drops everything until it is brought back up', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 1 });
      const { a, b } = pair(net);
      net.setLink('alice', 'bob', { down: true });
      cold('a 9ms b').subscribe((v) => {
        if (v === 'b') net.setLink('bob', 'alice', { down: false });
        a.send(text.encode(v), b.port, b.address);
      });
      expectObservable(b.packets$.pipe(map((p) => untext.decode(p.data)))).toBe('11ms b');
      ts.flush();
      expect(net.stats.dropReasons.down).toBe(1);
    });
  });

  it('drops and counts datagrams to an unknown address or an unbound port', () => {
    const ts = testScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts });
      const { alice, bob, a, b } = pair(net);
      const events: TraceEvent[] = [];
      net.trace$.subscribe((e) => events.push(e));
      a.send(text.encode('nobody'), 5000, '192.0.2.99');
      a.send(text.encode('no port'), 5000, '10.0.0.2');
      a.send(text.encode('closed'), b.port, b.address);
      b.close(); // closes before the datagram arrives
      ts.flush();
      expect(net.stats).toEqual({
        sent: 3,
        delivered: 0,
        dropped: 3,
        duplicated: 0,
        dropReasons: { loss: 0, down: 0, unroutable: 1, unbound: 2, filtered: 0 },
      });
      expect(alice.stats.dropped).toBe(3);
      expect(bob.stats.received).toBe(0);
      expect(events.map((e) => [e.time, e.dropped, e.toHost])).toEqual([
        [0, 'unroutable', undefined],
        [5, 'unbound', 'bob'],
        [5, 'unbound', 'bob'],
      ]);
    });
  });

  it('copies the payload at send time', () => {
    const ts = testScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts });
      const { a, b } = pair(net);
      const got: string[] = [];
      b.packets$.subscribe((p) => got.push(untext.decode(p.data)));
      const buf = text.encode('before');
      a.send(buf, b.port, b.address);
      buf.set(text.encode('AFTER!'));
      ts.flush();
      expect(got).toEqual(['before']);
    });
  });

  it('counts sends after close, to a bad port and to the other family as send errors', () => {
    const net = new VirtualNetwork({ scheduler: testScheduler() });
    const { a, b } = pair(net);
    a.send(text.encode('x'), 0, b.address);
    a.send(text.encode('x'), b.port, 'fd00::2');
    a.close();
    a.close();
    a.send(text.encode('x'), b.port, b.address);
    expect(a.sendErrors).toBe(3);
    expect(net.stats.sent).toBe(0);
  });

  it('route() accepts crafted datagrams (e.g. spoofed sources)', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 2 });
      const { b } = pair(net);
      net.route({
        data: text.encode('spoof'),
        fromHost: 'alice',
        srcAddress: '203.0.113.7',
        srcPort: 1234,
        dstAddress: '10.0.0.2',
        dstPort: b.port,
      });
      expectObservable(b.packets$.pipe(asText)).toBe('2ms x', { x: '203.0.113.7:1234 spoof' });
    });
  });
});

describe('VirtualNetwork jitter, duplication, reordering (seeded)', () => {
  function run(seed: number, conditions: Parameters<VirtualNetwork['setLink']>[2], n = 200) {
    const fs = new FastScheduler();
    const net = new VirtualNetwork({ scheduler: fs, seed, latency: 20 });
    const { a, b } = pair(net);
    net.setLink('alice', 'bob', conditions);
    const arrivals: [number, number][] = [];
    b.packets$.subscribe((p) => arrivals.push([fs.now(), p.data[0] as number]));
    for (let i = 0; i < n; i++) fs.schedule(() => a.send(Uint8Array.of(i), b.port, b.address), i);
    fs.flush();
    return { arrivals, stats: net.stats };
  }

  it('jitter adds [0, jitter) ms to each datagram and lets later ones overtake', () => {
    const { arrivals } = run(7, { jitter: 30 });
    expect(arrivals).toHaveLength(200);
    for (const [t, i] of arrivals) {
      expect(t - i).toBeGreaterThanOrEqual(20);
      expect(t - i).toBeLessThan(50);
    }
    expect(arrivals.some(([, i], k) => k > 0 && i < (arrivals[k - 1]?.[1] ?? 0))).toBe(true);
  });

  it('duplicate delivers about that share twice and counts the copies', () => {
    const { arrivals, stats } = run(3, { duplicate: 0.25 }, 1000);
    expect(arrivals.length - 1000).toBe(stats.duplicated);
    expect(stats.duplicated).toBeGreaterThan(180);
    expect(stats.duplicated).toBeLessThan(320);
    expect(stats.sent + stats.duplicated).toBe(stats.delivered + stats.dropped);
  });

  it('reorder holds back some datagrams so that later ones overtake them', () => {
    const { arrivals } = run(5, { reorder: 0.2 });
    expect(arrivals).toHaveLength(200);
    const late = arrivals.filter(([t, i]) => t - i > 20).length;
    expect(late).toBeGreaterThan(20);
    expect(arrivals.some(([, i], k) => k > 0 && i < (arrivals[k - 1]?.[1] ?? 0))).toBe(true);
  });

  it('is deterministic per seed', () => {
    const c = { jitter: 15, duplicate: 0.1, reorder: 0.1, loss: 0.1 };
    expect(run(11, c)).toEqual(run(11, c));
    expect(run(11, c).arrivals).not.toEqual(run(12, c).arrivals);
  });

  it('rejects bad jitter, duplicate and reorder values', () => {
    const net = new VirtualNetwork({ scheduler: new FastScheduler() });
    expect(() => net.setLink('a', 'b', { jitter: -1 })).toThrow(InvalidArgumentError);
    expect(() => net.setLink('a', 'b', { duplicate: 2 })).toThrow(InvalidArgumentError);
    expect(() => net.setLink('a', 'b', { reorder: -0.1 })).toThrow(InvalidArgumentError);
  });
});

describe('VirtualHost', () => {
  it('bind emits synchronously with deterministic ephemeral ports', () => {
    const net = new VirtualNetwork();
    const host = net.createHost('h', { addresses: ['10.0.0.1', '10.0.0.9'] });
    const s1 = bindNow(host, '10.0.0.1');
    const s2 = bindNow(host, '10.0.0.1');
    const s3 = bindNow(host, '10.0.0.9');
    expect([s1.port, s2.port, s3.port]).toEqual([49152, 49153, 49152]);
    s1.close();
    expect(bindNow(host, '10.0.0.1').port).toBe(49154); // not reused at once, like an OS
    expect(s1).toMatchObject({ address: '10.0.0.1', family: 'IPv4' });
  });

  it('bind with a range takes the first free port and errors when the range is full', () => {
    const net = new VirtualNetwork();
    const host = net.createHost('h', { addresses: ['10.0.0.1'] });
    const range = { min: 5000, max: 5001 };
    const s1 = bindNow(host, '10.0.0.1', range);
    const s2 = bindNow(host, '10.0.0.1', range);
    expect([s1.port, s2.port]).toEqual([5000, 5001]);
    const err = bindError(host, '10.0.0.1', range);
    expect(err).toBeInstanceOf(BindError);
    expect(err).toMatchObject({ code: 'BIND_FAILED' });
    s1.close();
    expect(bindNow(host, '10.0.0.1', range).port).toBe(5000);
  });

  it('bind outside the host addresses errors with BindError; malformed input with InvalidArgumentError', () => {
    const net = new VirtualNetwork();
    const { alice } = pair(net);
    const err = bindError(alice, '10.0.0.2');
    expect(err).toBeInstanceOf(BindError);
    expect((err as Error).message).toContain('10.0.0.2');
    expect(bindError(alice, 'nope')).toBeInstanceOf(InvalidArgumentError);
    expect(bindError(alice, '10.0.0.1', { min: 10, max: 5 })).toBeInstanceOf(InvalidArgumentError);
  });

  it('hostAddresses uses the host name as interface and flags loopback as internal', () => {
    const net = new VirtualNetwork();
    const host = net.createHost('box', { addresses: ['192.0.2.10', '127.0.0.1', '::1', 'FD00:0:0::A'] });
    expect(host.addresses).toEqual(['192.0.2.10', '127.0.0.1', '::1', 'fd00::a']);
    expect(host.hostAddresses()).toEqual([
      { address: '192.0.2.10', family: 'IPv4', iface: 'box', internal: false },
      { address: '127.0.0.1', family: 'IPv4', iface: 'box', internal: true },
      { address: '::1', family: 'IPv6', iface: 'box', internal: true },
      { address: 'fd00::a', family: 'IPv6', iface: 'box', internal: false },
    ]);
    expect(bindNow(host, 'fd00:0::a').address).toBe('fd00::a');
  });

  it('exchanges IPv6 datagrams, matching non-canonical destination text', () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 3 });
      const { alice, bob } = pair(net);
      const a6 = bindNow(alice, 'fd00::1');
      const b6 = bindNow(bob, 'fd00::2');
      a6.send(text.encode('v6'), b6.port, 'FD00:0:0:0:0:0:0:2');
      expectObservable(b6.packets$.pipe(asText)).toBe('3ms x', { x: `fd00::1:${a6.port} v6` });
    });
  });

  it('keeps loopback addresses private to each host', () => {
    const ts = testScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts });
      const h1 = net.createHost('h1', { addresses: ['127.0.0.1'] });
      const h2 = net.createHost('h2', { addresses: ['127.0.0.1'] });
      const x = bindNow(h1, '127.0.0.1');
      const y = bindNow(h1, '127.0.0.1');
      const other = bindNow(h2, '127.0.0.1', { min: y.port, max: y.port });
      const got: string[] = [];
      y.packets$.subscribe(() => got.push('h1'));
      other.packets$.subscribe(() => got.push('h2'));
      x.send(text.encode('me'), y.port, '127.0.0.1');
      ts.flush();
      expect(got).toEqual(['h1']);
    });
  });
});

describe('VirtualNetwork validation', () => {
  it('rejects bad options, hosts and links', () => {
    expect(() => new VirtualNetwork({ latency: -1 })).toThrow(InvalidOptionError);
    expect(() => new VirtualNetwork({ loss: 1.5 })).toThrow(InvalidOptionError);
    expect(() => new VirtualNetwork({ seed: Number.NaN })).toThrow(InvalidOptionError);
    const net = new VirtualNetwork();
    net.createHost('a', { addresses: ['10.0.0.1'] });
    expect(() => net.createHost('a', { addresses: ['10.0.0.2'] })).toThrow(InvalidArgumentError);
    expect(() => net.createHost('b', { addresses: ['10.0.0.1'] })).toThrow(InvalidArgumentError);
    expect(() => net.createHost('c', { addresses: [] })).toThrow(InvalidArgumentError);
    expect(() => net.createHost('d', { addresses: ['fe80::1%eth0'] })).toThrow(InvalidArgumentError);
    expect(() => net.createHost('*', { addresses: ['10.0.0.5'] })).toThrow(InvalidArgumentError);
    expect(() => net.setLink('a', 'b', { loss: 2 })).toThrow(InvalidArgumentError);
    expect(() => net.setLink('a', '', {})).toThrow(InvalidArgumentError);
  });
});

describe('mulberry32', () => {
  it('is deterministic and within [0, 1)', () => {
    const r1 = mulberry32(7);
    const r2 = mulberry32(7);
    for (let i = 0; i < 1000; i++) {
      const v = r1();
      expect(v).toBe(r2());
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
