/**
 * Bounds of an ICE-TCP candidate's socket (TcpPacketSocket) in virtual time:
 * the pre-authentication guard (a connection that never carries an
 * authenticated STUN message is reset after a bounded time or number of
 * bytes), the cap on connections a passive candidate accepts, and an active
 * candidate that does not replace a lost authenticated connection until told
 * (a restart); and the send buffer of a connection to a slow reader over
 * real loopback TCP.
 */
import { type AddressInfo, createServer } from 'node:net';
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { VirtualTcpNetwork } from '../lib/testing/virtual-tcp.js';
import { frameRfc4571 } from '../lib/transport/rfc4571.js';
import { connectTcp } from '../lib/transport/tcp.js';
import {
  DEFAULT_TCP_SOCKET_LIMITS,
  TcpPacketSocket,
  type TcpSocketOptions,
} from '../lib/transport/tcp-packet-socket.js';
import { PRE_AUTH_MAX_BYTES, PRE_AUTH_TIMEOUT } from '../lib/transport/tcp-socket-limits.js';
import type { InboundPacket, TcpConnection, TcpListener } from '../lib/transport/types.js';

/** A guarded passive socket on 10.0.0.2:7000 and raw client connections to it from 10.0.0.1. */
function setup(options: (scheduler: VirtualTimeScheduler) => TcpSocketOptions) {
  const scheduler = new VirtualTimeScheduler();
  const tcp = new VirtualTcpNetwork({ scheduler, latency: 10 });
  let listener: TcpListener | undefined;
  tcp.listen('10.0.0.2', { min: 7000, max: 7000 }).subscribe((l) => {
    listener = l;
  });
  if (!listener) throw new Error('no listener');
  const passive = TcpPacketSocket.passive(listener, options(scheduler));
  const received: InboundPacket[] = [];
  passive.packets$.subscribe((p) => received.push(p));
  /** Opens a raw connection (no ICE) to the passive candidate; runs the scheduler a round trip to establish it. */
  const dial = (): TcpConnection => {
    let connection: TcpConnection | undefined;
    tcp.connect('10.0.0.1', '10.0.0.2', 7000).subscribe((c) => {
      connection = c;
    });
    advance(scheduler, 25);
    if (!connection) throw new Error('not connected');
    connection.data$.subscribe();
    return connection;
  };
  const at = (ms: number, work: () => void) => scheduler.schedule(work, ms - scheduler.now());
  return { scheduler, tcp, passive, received, dial, at };
}

/** Runs what is due in the next `ms` of virtual time, leaving later work (the guard's timer) queued. */
function advance(scheduler: VirtualTimeScheduler, ms: number): void {
  scheduler.maxFrames = scheduler.now() + ms;
  scheduler.flush();
  scheduler.maxFrames = Number.POSITIVE_INFINITY;
}

const frame = (size: number): Uint8Array => frameRfc4571(new Uint8Array(size).fill(1)) as Uint8Array;

describe('pre-authentication guard', () => {
  it('resets a connection that sends nothing within the timeout; the slot is free again', () => {
    const { scheduler, passive, dial } = setup((scheduler) => ({ preAuth: { scheduler } }));
    const silent = dial();
    expect(passive.connectionCount).toBe(1);
    scheduler.flush(); // nothing else is scheduled but the guard
    expect(scheduler.now()).toBeGreaterThanOrEqual(PRE_AUTH_TIMEOUT);
    expect(passive.counters.preAuthTimeouts).toBe(1);
    expect(passive.connectionCount).toBe(0);
    expect(silent.closeReason).toBe('reset'); // the client is told (RST)
    expect(passive.counters.connectionsLost).toBe(0); // closed by us, not lost
  });

  it('resets a connection that delivers more than maxBytes without authenticating (garbage frames)', () => {
    const { scheduler, passive, received, dial } = setup((scheduler) => ({
      preAuth: { scheduler, maxBytes: 4096 },
    }));
    const noisy = dial();
    for (let i = 0; i < 10; i++) noisy.write(frame(1000)); // 10 × 1002 bytes, no check among them
    scheduler.flush();
    expect(passive.counters.preAuthOverflows).toBe(1);
    expect(passive.connectionCount).toBe(0);
    expect(noisy.closeReason).toBe('reset');
    expect(received.length).toBeLessThanOrEqual(4); // what came before the limit, never more
    expect(PRE_AUTH_MAX_BYTES).toBe(16 * 1024);
  });

  it('a partial frame counts too: a 64 KiB length prefix trickled in is cut at maxBytes', () => {
    const { scheduler, passive, received, dial } = setup((scheduler) => ({
      preAuth: { scheduler, maxBytes: 4096 },
    }));
    const trickle = dial();
    trickle.write(new Uint8Array([0xff, 0xff])); // announces a 65535-byte frame
    for (let i = 0; i < 8; i++) trickle.write(new Uint8Array(1000));
    scheduler.flush();
    expect(passive.counters.preAuthOverflows).toBe(1);
    expect(received).toHaveLength(0);
  });

  it('an authenticated connection is left alone: past the timeout and beyond maxBytes', () => {
    const { scheduler, passive, received, dial, at } = setup((scheduler) => ({
      preAuth: { scheduler, maxBytes: 4096 },
    }));
    const good = dial();
    good.write(frame(100)); // stands for the first check
    advance(scheduler, 20);
    const first = received[0] as InboundPacket;
    passive.authenticate(first.address, first.port); // what the agent does once the check authenticates
    expect(passive.isAuthenticated(first.address, first.port)).toBe(true);
    at(PRE_AUTH_TIMEOUT * 3, () => {
      for (let i = 0; i < 50; i++) good.write(frame(1000));
    });
    scheduler.flush();
    expect(received).toHaveLength(51);
    expect(passive.connectionCount).toBe(1);
    expect(passive.counters.preAuthTimeouts + passive.counters.preAuthOverflows).toBe(0);
    expect(good.closeReason).toBeUndefined();
  });

  it('without a guard (a socket used on its own), nothing is timed out', () => {
    const { scheduler, passive, dial, at } = setup(() => ({}));
    dial();
    at(PRE_AUTH_TIMEOUT * 3, () => {});
    scheduler.flush();
    expect(passive.connectionCount).toBe(1);
  });
});

describe('connections a passive candidate accepts', () => {
  it('are capped at maxConnections: more are reset and counted; the guard frees idle slots', () => {
    const limits = { maxBufferedBytes: 64 * 1024, maxPendingFrames: 4, maxConnections: 3 };
    const { scheduler, passive, dial, at } = setup((scheduler) => ({ limits, preAuth: { scheduler } }));
    const connections = Array.from({ length: 5 }, () => dial());
    expect(passive.connectionCount).toBe(3);
    expect(passive.counters.connectionsRefused).toBe(2);
    expect(connections.slice(3).map((c) => c.closeReason)).toEqual(['reset', 'reset']);
    let later: TcpConnection | undefined;
    at(PRE_AUTH_TIMEOUT + 100, () => {
      later = dial();
    });
    scheduler.flush();
    expect(passive.counters.preAuthTimeouts).toBe(4); // the three idle ones, then the later one
    expect(later?.closeReason).toBe('reset');
    expect(passive.counters.connectionsRefused).toBe(2); // the later one was accepted: slots were free
  });
});

describe('an active candidate and a lost connection', () => {
  function activeSetup() {
    const scheduler = new VirtualTimeScheduler();
    const tcp = new VirtualTcpNetwork({ scheduler, latency: 10 });
    let listener: TcpListener | undefined;
    tcp.listen('10.0.0.2', { min: 7000, max: 7000 }).subscribe((l) => {
      listener = l;
    });
    const passive = TcpPacketSocket.passive(listener as TcpListener);
    const received: number[] = [];
    passive.packets$.subscribe((p) => received.push(p.port));
    const active = TcpPacketSocket.active('10.0.0.1', (address, port) =>
      tcp.connect('10.0.0.1', address, port),
    );
    return { scheduler, active, passive, received };
  }

  it('does not replace a lost authenticated connection (the peer would see another pair) until forgetLostPaths()', () => {
    const { scheduler, active, passive, received } = activeSetup();
    active.send(new Uint8Array(100), 7000, '10.0.0.2');
    scheduler.flush();
    active.authenticate('10.0.0.2', 7000);
    passive.connectionTo('10.0.0.1', received[0] as number)?.reset();
    scheduler.flush();
    expect(active.counters.connectionsLost).toBe(1);
    active.send(new Uint8Array(100), 7000, '10.0.0.2');
    scheduler.flush();
    expect(active.counters.droppedNoConnection).toBe(1);
    expect(active.connectionCount).toBe(0);
    expect(received).toHaveLength(1);
    active.forgetLostPaths(); // an ICE restart
    active.send(new Uint8Array(100), 7000, '10.0.0.2');
    scheduler.flush();
    expect(received).toHaveLength(2);
    expect(received[1]).not.toBe(received[0]); // a new connection, a new source port
  });

  it('an unauthenticated connection that was lost may be opened again by the next check', () => {
    const { scheduler, active, passive, received } = activeSetup();
    active.send(new Uint8Array(100), 7000, '10.0.0.2');
    scheduler.flush();
    passive.connectionTo('10.0.0.1', received[0] as number)?.reset();
    scheduler.flush();
    active.send(new Uint8Array(100), 7000, '10.0.0.2');
    scheduler.flush();
    expect(received).toHaveLength(2);
    expect(active.counters.droppedNoConnection).toBe(0);
  });
});

describe('a slow reader over real loopback TCP (node:net)', () => {
  it('writes stop at maxBufferedBytes once the kernel buffers are full: the rest is dropped and counted, never queued', async () => {
    // A reader that accepts and never reads: the kernel's buffers fill, then Node's write queue would grow.
    const server = createServer((socket) => socket.pause());
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const port = (server.address() as AddressInfo).port;
    const active = TcpPacketSocket.active('127.0.0.1', (address, p) => connectTcp('127.0.0.1', address, p));
    try {
      const payload = new Uint8Array(60_000);
      active.send(payload, port, '127.0.0.1'); // opens the connection (queued until it is)
      await until(() => active.connectionTo('127.0.0.1', port) !== undefined);
      // 200 MB offered: far beyond what loopback's kernel buffers take.
      let maxBuffered = 0;
      for (let round = 0; round < 100 && active.counters.droppedBufferFull === 0; round++) {
        for (let i = 0; i < 33; i++) active.send(payload, port, '127.0.0.1');
        maxBuffered = Math.max(maxBuffered, active.connectionTo('127.0.0.1', port)?.bufferedAmount ?? 0);
        await new Promise((resolve) => setImmediate(resolve)); // let the kernel take what it will
      }
      expect(active.counters.droppedBufferFull).toBeGreaterThan(0);
      expect(maxBuffered).toBeLessThanOrEqual(DEFAULT_TCP_SOCKET_LIMITS.maxBufferedBytes);
      expect(active.sendErrors).toBe(active.counters.droppedBufferFull);
    } finally {
      active.close();
      server.close();
    }
  }, 30_000);
});

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
