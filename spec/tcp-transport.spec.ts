/**
 * ICE-TCP transport pieces: RFC 4571 framing, a local TCP candidate as a
 * datagram socket (one connection per pair, bounded buffers), over the
 * virtual TCP network in virtual time and over real loopback TCP.
 */
import { firstValueFrom, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { VirtualTcpNetwork } from '../lib/testing/virtual-tcp.js';
import { frameRfc4571, MAX_RFC4571_PAYLOAD, Rfc4571Deframer } from '../lib/transport/rfc4571.js';
import { connectTcp, listenTcp } from '../lib/transport/tcp.js';
import { ACTIVE_CANDIDATE_PORT, TcpPacketSocket } from '../lib/transport/tcp-packet-socket.js';
import type { InboundPacket, TcpListener } from '../lib/transport/types.js';

const datagram = (i: number, size = 100): Uint8Array => {
  const d = new Uint8Array(size);
  new DataView(d.buffer).setUint32(0, i);
  d.fill(i & 0xff, 4);
  return d;
};
const indexOf = (d: Uint8Array): number => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(0);

describe('RFC 4571 framing', () => {
  it('frames with a 16-bit length and deframes across any chunking', () => {
    const payloads = [datagram(1, 4), datagram(2, 1500), datagram(3, MAX_RFC4571_PAYLOAD)];
    const stream = Buffer.concat(payloads.map((p) => frameRfc4571(p) as Uint8Array));
    expect(stream.readUInt16BE(0)).toBe(4);
    for (const step of [97, 1000, stream.length]) {
      const deframer = new Rfc4571Deframer();
      const out: Uint8Array[] = [];
      for (let at = 0; at < stream.length; at += step)
        out.push(...deframer.push(stream.subarray(at, at + step)));
      expect(out.map((d) => Buffer.from(d))).toEqual(payloads.map((p) => Buffer.from(p)));
      expect(deframer.buffered).toBe(0);
    }
  });

  it('deframes a stream fed byte by byte', () => {
    const payloads = [datagram(1, 4), datagram(2, 300), datagram(3, 5)];
    const stream = Buffer.concat(payloads.map((p) => frameRfc4571(p) as Uint8Array));
    const deframer = new Rfc4571Deframer();
    const out: number[] = [];
    for (const byte of stream) out.push(...deframer.push(new Uint8Array([byte])).map((d) => d.byteLength));
    expect(out).toEqual([4, 300, 5]);
  });

  it('refuses datagrams over 65535 bytes; skips empty frames; buffers at most one partial frame', () => {
    expect(frameRfc4571(new Uint8Array(MAX_RFC4571_PAYLOAD + 1))).toBeUndefined();
    const deframer = new Rfc4571Deframer();
    expect(deframer.push(new Uint8Array([0, 0, 0, 1, 7, 0xff])).map((d) => [...d])).toEqual([[7]]);
    expect(deframer.buffered).toBe(1);
    deframer.push(new Uint8Array(1000));
    expect(deframer.buffered).toBeLessThanOrEqual(2 + MAX_RFC4571_PAYLOAD);
  });
});

/** A passive socket on `address` and the scheduler-driven network, ready. */
function virtualSetup(latency = 10) {
  const scheduler = new VirtualTimeScheduler();
  const tcp = new VirtualTcpNetwork({ scheduler, latency });
  let listener: TcpListener | undefined;
  tcp.listen('10.0.0.2', { min: 7000, max: 7010 }).subscribe((l) => {
    listener = l;
  });
  if (!listener) throw new Error('no listener');
  const passive = TcpPacketSocket.passive(listener);
  const active = TcpPacketSocket.active('10.0.0.1', (address, port) =>
    tcp.connect('10.0.0.1', address, port),
  );
  const atPassive: InboundPacket[] = [];
  const atActive: InboundPacket[] = [];
  passive.packets$.subscribe((p) => atPassive.push(p));
  active.packets$.subscribe((p) => atActive.push(p));
  return { scheduler, tcp, passive, active, atPassive, atActive };
}

describe('TcpPacketSocket over the virtual TCP network', () => {
  it('active opens one connection per destination; 1,000 datagrams each way arrive in order', () => {
    const { scheduler, passive, active, atPassive, atActive } = virtualSetup();
    expect(active.port).toBe(ACTIVE_CANDIDATE_PORT);
    expect(passive.port).toBe(7000);
    active.send(datagram(0), 7000, '10.0.0.2'); // the first check opens the connection
    scheduler.flush();
    for (let i = 1; i < 1000; i++) active.send(datagram(i), 7000, '10.0.0.2');
    scheduler.flush();
    expect(atPassive.map((p) => indexOf(p.data))).toEqual([...Array(1000).keys()]);
    const from = atPassive[0] as InboundPacket;
    expect(from.address).toBe('10.0.0.1');
    expect(from.port).toBeGreaterThanOrEqual(49152); // the connection's ephemeral port, not 9
    for (let i = 0; i < 1000; i++) passive.send(datagram(i), from.port, from.address);
    scheduler.flush();
    expect(atActive.map((p) => indexOf(p.data))).toEqual([...Array(1000).keys()]);
    expect(atActive[0]).toMatchObject({ address: '10.0.0.2', port: 7000 });
    expect(active.connectionCount).toBe(1);
    expect(passive.counters.connectionsOpened).toBe(1);
    expect(active.sendErrors + passive.sendErrors).toBe(0);
  });

  it('a passive candidate cannot open a connection: datagrams to unknown peers are dropped and counted', () => {
    const { scheduler, passive } = virtualSetup();
    passive.send(datagram(1), 5000, '10.0.0.9');
    scheduler.flush();
    expect(passive.counters.droppedNoConnection).toBe(1);
    expect(passive.sendErrors).toBe(1);
  });

  it('a refused connect is counted and a later datagram tries again', () => {
    const { scheduler, active } = virtualSetup();
    active.send(datagram(1), 7999, '10.0.0.2');
    scheduler.flush();
    expect(active.counters.connectFailures).toBe(1);
    expect(active.connectionCount).toBe(0);
    active.send(datagram(2), 7999, '10.0.0.2');
    scheduler.flush();
    expect(active.counters.connectFailures).toBe(2);
  });

  it('a slow reader fills only its own connection: its datagrams are dropped, another pair keeps flowing', () => {
    const { scheduler, tcp, passive, active, atPassive } = virtualSetup();
    let second: TcpListener | undefined;
    tcp.listen('10.0.0.2', { min: 7001, max: 7001 }).subscribe((l) => {
      second = l;
    });
    const other = TcpPacketSocket.passive(second as TcpListener);
    const atOther: InboundPacket[] = [];
    other.packets$.subscribe((p) => atOther.push(p));
    active.send(datagram(0), 7000, '10.0.0.2');
    active.send(datagram(0), 7001, '10.0.0.2');
    scheduler.flush();
    // The reader behind port 7000 stops reading.
    const slowEnd = tcp.connections.find((e) => e.localPort === 7000);
    slowEnd?.pauseReading(true);
    pace(scheduler, 4000, (i) => {
      active.send(datagram(i, 1000), 7000, '10.0.0.2');
      active.send(datagram(i, 1000), 7001, '10.0.0.2');
    });
    scheduler.flush();
    expect(atOther).toHaveLength(4001); // the other pair lost nothing
    expect(active.counters.droppedBufferFull).toBeGreaterThan(3000);
    const slowConnection = active.connectionTo('10.0.0.2', 7000);
    expect(slowConnection?.bufferedAmount).toBeLessThanOrEqual(256 * 1024);
    slowEnd?.pauseReading(false);
    scheduler.flush();
    const slow = atPassive.map((p) => indexOf(p.data));
    expect(slow).toEqual([...slow].sort((a, b) => a - b)); // what got through is in order
    expect(passive.sendErrors).toBe(0);
  });

  it('a reset drops only its own connection; the passive side forgets it', () => {
    const { scheduler, tcp, passive, active, atPassive } = virtualSetup();
    let second: TcpListener | undefined;
    tcp.listen('10.0.0.2', { min: 7001, max: 7001 }).subscribe((l) => {
      second = l;
    });
    const other = TcpPacketSocket.passive(second as TcpListener);
    const atOther: InboundPacket[] = [];
    other.packets$.subscribe((p) => atOther.push(p));
    active.send(datagram(1), 7000, '10.0.0.2');
    active.send(datagram(1), 7001, '10.0.0.2');
    scheduler.flush();
    active.connectionTo('10.0.0.2', 7000)?.reset();
    scheduler.flush();
    expect(passive.counters.connectionsLost).toBe(1);
    expect(passive.connectionCount).toBe(0);
    expect(active.connectionTo('10.0.0.2', 7000)).toBeUndefined();
    active.send(datagram(2), 7001, '10.0.0.2');
    scheduler.flush();
    expect(atOther.map((p) => indexOf(p.data))).toEqual([1, 2]);
    expect(atPassive).toHaveLength(1);
    // A new check to the reset destination opens a new connection.
    active.send(datagram(3), 7000, '10.0.0.2');
    scheduler.flush();
    expect(atPassive.map((p) => indexOf(p.data))).toEqual([1, 3]);
  });

  it('a half-open connection buffers up to its limit and no further; the other pair is unaffected', () => {
    const { scheduler, tcp, active } = virtualSetup();
    let second: TcpListener | undefined;
    tcp.listen('10.0.0.2', { min: 7001, max: 7001 }).subscribe((l) => {
      second = l;
    });
    const other = TcpPacketSocket.passive(second as TcpListener);
    const atOther: InboundPacket[] = [];
    other.packets$.subscribe((p) => atOther.push(p));
    active.send(datagram(0), 7000, '10.0.0.2');
    active.send(datagram(0), 7001, '10.0.0.2');
    scheduler.flush();
    tcp.connections.find((e) => e.localPort === 7000)?.goSilent();
    pace(scheduler, 1000, (i) => {
      active.send(datagram(i, 1000), 7000, '10.0.0.2');
      active.send(datagram(i, 1000), 7001, '10.0.0.2');
    });
    scheduler.flush();
    expect(active.connectionTo('10.0.0.2', 7000)?.bufferedAmount).toBeLessThanOrEqual(256 * 1024);
    expect(active.counters.droppedBufferFull).toBeGreaterThan(700);
    expect(atOther).toHaveLength(1001);
  });

  it('close() ends every connection and completes packets$', () => {
    const { scheduler, passive, active } = virtualSetup();
    let completed = false;
    active.packets$.subscribe({ complete: () => (completed = true) });
    active.send(datagram(1), 7000, '10.0.0.2');
    scheduler.flush();
    active.close();
    scheduler.flush();
    expect(completed).toBe(true);
    expect(passive.counters.connectionsLost).toBe(1);
    active.send(datagram(2), 7000, '10.0.0.2');
    expect(active.sendErrors).toBe(1);
  });
});

describe('TcpPacketSocket over real loopback TCP (node:net)', () => {
  it('1,000 datagrams each way over 127.0.0.1, none lost or reordered; a reset is seen by the peer', async () => {
    const listener = await firstValueFrom(listenTcp('127.0.0.1'));
    const passive = TcpPacketSocket.passive(listener);
    const active = TcpPacketSocket.active('127.0.0.1', (address, port) =>
      connectTcp('127.0.0.1', address, port),
    );
    const atPassive: InboundPacket[] = [];
    const atActive: InboundPacket[] = [];
    passive.packets$.subscribe((p) => atPassive.push(p));
    active.packets$.subscribe((p) => atActive.push(p));
    try {
      active.send(datagram(0, 1200), listener.port, '127.0.0.1'); // the first check opens the connection
      await until(() => atPassive.length === 1);
      for (let i = 1; i < 1000; i++) active.send(datagram(i, 1200), listener.port, '127.0.0.1');
      await until(() => atPassive.length === 1000);
      expect(atPassive.map((p) => indexOf(p.data))).toEqual([...Array(1000).keys()]);
      const from = atPassive[0] as InboundPacket;
      for (let i = 0; i < 1000; i++) passive.send(datagram(i, 1200), from.port, from.address);
      await until(() => atActive.length === 1000);
      expect(atActive.map((p) => indexOf(p.data))).toEqual([...Array(1000).keys()]);
      expect(active.sendErrors + passive.sendErrors).toBe(0);
      active.connectionTo('127.0.0.1', listener.port)?.reset();
      await until(() => passive.counters.connectionsLost === 1);
      expect(passive.connectionCount).toBe(0);
    } finally {
      active.close();
      passive.close();
    }
  });

  it('listens within a port range and reports a refused connect', async () => {
    const first = await firstValueFrom(listenTcp('127.0.0.1', { min: 42100, max: 42110 }));
    const second = await firstValueFrom(listenTcp('127.0.0.1', { min: first.port, max: 42110 }));
    expect(second.port).toBeGreaterThan(first.port);
    first.close();
    second.close();
    await expect(firstValueFrom(connectTcp('127.0.0.1', '127.0.0.1', first.port))).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});

/** Calls `send(1..n)`, ten per virtual millisecond (1 MB/s for 1 kB datagrams). */
function pace(scheduler: VirtualTimeScheduler, n: number, send: (i: number) => void): void {
  for (let i = 1; i <= n; i++) scheduler.schedule(() => send(i), Math.floor(i / 10));
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const start = performance.now();
  while (!condition()) {
    if (performance.now() - start > ms) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
