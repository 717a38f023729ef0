/**
 * Benchmark helper: one datagram pump shared by the raw `node:dgram` link, the
 * rx-ice link and the werift-ice link, so all see exactly the same send pattern.
 *
 * Pattern: each event-loop turn (`setImmediate`) sends a burst of at most
 * `burst` datagrams, never letting more than `window` datagrams be in flight
 * (sent but not yet received), so the receive buffer cannot overflow just
 * because the sender outran the receiver. A window that stays full for
 * `stallMs` writes its datagrams off as lost and sending resumes. The run ends
 * when every datagram arrived or nothing arrived for `quietMs` after the last
 * send; the clock stops at the turn that first saw the final count.
 *
 * Sender and receiver share the one JS thread, so the rate measures the whole
 * per-datagram cost: send path + kernel loopback + receive path.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type * as werift from 'werift-ice';
import type { IceAgent } from '../../lib/index.js';
import type { AgentPair } from './agents.js';

/** Bumped by the receiver, nothing else per datagram. */
export interface Counter {
  packets: number;
  bytes: number;
}

export interface Link {
  send(payload: Uint8Array): void;
  /** Installs the receive handler that bumps `counter`; returns its removal. */
  listen(counter: Counter): () => void;
}

export interface PumpOptions {
  readonly total: number;
  readonly burst: number;
  readonly window: number;
  readonly payload: Uint8Array;
  readonly stallMs: number;
  readonly quietMs: number;
}

export interface PumpResult {
  readonly sent: number;
  readonly received: number;
  readonly bytes: number;
  readonly ms: number;
  /** Times the window stalled and its datagrams were written off. */
  readonly stalls: number;
  readonly packetsPerSecond: number;
  /** Receiver payload rate, 10^6 bytes per second. */
  readonly megabytesPerSecond: number;
  readonly lossPercent: number;
}

export function pump(link: Link, o: PumpOptions): Promise<PumpResult> {
  const counter: Counter = { packets: 0, bytes: 0 };
  const unlisten = link.listen(counter);
  const started = performance.now();
  let sent = 0;
  let writtenOff = 0;
  let stalls = 0;
  let seen = 0;
  let lastProgressAt = started;
  return new Promise<PumpResult>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (counter.packets !== seen) {
        seen = counter.packets;
        lastProgressAt = now;
      }
      if (sent < o.total) {
        let room = o.window - (sent - counter.packets - writtenOff);
        if (room <= 0 && now - lastProgressAt > o.stallMs) {
          writtenOff = sent - counter.packets;
          room = o.window;
          stalls++;
          lastProgressAt = now;
        }
        const n = Math.min(o.burst, room, o.total - sent);
        for (let i = 0; i < n; i++) link.send(o.payload);
        sent += n;
      } else if (counter.packets >= o.total || now - lastProgressAt > o.quietMs) {
        unlisten();
        const ms = Math.max(lastProgressAt - started, 1e-3);
        const received = Math.min(counter.packets, o.total);
        resolve({
          sent,
          received,
          bytes: counter.bytes,
          ms,
          stalls,
          packetsPerSecond: (received * 1000) / ms,
          megabytesPerSecond: counter.bytes / 1000 / ms,
          lossPercent: ((sent - received) * 100) / sent,
        });
        return;
      }
      setImmediate(tick);
    };
    tick();
  });
}

/** SO_RCVBUF/SO_SNDBUF of the raw sockets: the same 1 MiB `UdpTransport` requests by default. */
const RAW_BUFFER_SIZE = 1 << 20;

function bindRaw(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4' });
    socket.once('error', reject);
    socket.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => {
      socket.off('error', reject);
      socket.setRecvBufferSize(RAW_BUFFER_SIZE);
      socket.setSendBufferSize(RAW_BUFFER_SIZE);
      resolve(socket);
    });
  });
}

/** One end of a datagram path in this process. */
export interface Endpoint {
  send(payload: Uint8Array): void;
  /** Installs a receive handler; returns its removal. */
  onData(handler: (data: Uint8Array) => void): () => void;
}

/** Two ends of one path: `a` sends the bulk and `b` counts it; in a ping-pong `b` echoes. */
export interface Ends {
  readonly a: Endpoint;
  readonly b: Endpoint;
}

/** The pump's view of a path: `a` sends, `b`'s handler bumps the counter and nothing else. */
export function linkOf(ends: Ends): Link {
  return {
    send: (payload) => ends.a.send(payload),
    listen: (counter) =>
      ends.b.onData((data) => {
        counter.packets++;
        counter.bytes += data.byteLength;
      }),
  };
}

export interface RawEnds extends Ends {
  close(): void;
}

/**
 * Two plain `node:dgram` sockets on 127.0.0.1, sending the way `UdpTransport`
 * does: unconnected `send(data, port, address, callback)` with one shared callback.
 */
export async function rawEnds(): Promise<RawEnds> {
  const [a, b] = await Promise.all([bindRaw(), bindRaw()]);
  let sendErrors = 0;
  const onSent = (err: Error | null): void => {
    if (err) sendErrors++;
  };
  const end = (socket: Socket, to: number): Endpoint => {
    socket.on('error', () => sendErrors++);
    return {
      send: (payload) => socket.send(payload, to, '127.0.0.1', onSent),
      onData: (handler) => {
        socket.on('message', handler);
        return () => socket.off('message', handler);
      },
    };
  };
  return {
    a: end(a, b.address().port),
    b: end(b, a.address().port),
    close: () => {
      a.close();
      b.close();
    },
  };
}

/** The selected pair of a connected agent pair: controlling is `a`, controlled `b`, data on `data$`. */
export function iceEnds(pair: AgentPair): Ends {
  const end = (agent: IceAgent): Endpoint => ({
    send: (payload) => agent.send(payload),
    onData: (handler) => {
      const subscription = agent.data$.subscribe(handler);
      return () => subscription.unsubscribe();
    },
  });
  return { a: end(pair.controlling), b: end(pair.controlled) };
}

/** The parts of a werift-ice candidate pair's socket the bench reaches into (private in its typings). */
interface WeriftSocket {
  setRecvBufferSize(size: number): void;
  setSendBufferSize(size: number): void;
}

/**
 * The nominated pair of two connected werift-ice `Connection`s: controlling is
 * `a`, controlled `b`, data on `onData`. Their sockets get the same 1 MiB
 * buffers as the raw and rx-ice ones, so the window fits for everybody.
 */
export function weriftEnds(a: werift.Connection, b: werift.Connection): Ends {
  const end = (c: werift.Connection): Endpoint => {
    const socket = (c.nominated?.protocol as unknown as { transport?: { socket?: WeriftSocket } } | undefined)
      ?.transport?.socket;
    socket?.setRecvBufferSize(RAW_BUFFER_SIZE);
    socket?.setSendBufferSize(RAW_BUFFER_SIZE);
    const onError = (): void => {}; // a failed send shows up as loss
    return {
      send: (payload) => {
        const data = Buffer.isBuffer(payload)
          ? payload
          : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
        c.send(data).catch(onError);
      },
      onData: (handler) => c.onData.subscribe(handler).unSubscribe,
    };
  };
  return { a: end(a), b: end(b) };
}
