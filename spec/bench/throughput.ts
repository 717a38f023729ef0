/**
 * Benchmark helper: one datagram pump shared by the raw `node:dgram` link and
 * the rx-ice link, so both see exactly the same send pattern.
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

export interface RawLink extends Link {
  close(): void;
}

/**
 * Two plain `node:dgram` sockets on 127.0.0.1, sending the way `UdpTransport`
 * does: unconnected `send(data, port, address, callback)` with one shared callback.
 */
export async function rawLink(): Promise<RawLink> {
  const [sender, receiver] = await Promise.all([bindRaw(), bindRaw()]);
  const port = receiver.address().port;
  let sendErrors = 0;
  const onSent = (err: Error | null): void => {
    if (err) sendErrors++;
  };
  sender.on('error', () => sendErrors++);
  return {
    send: (payload) => sender.send(payload, port, '127.0.0.1', onSent),
    listen: (counter) => {
      const onMessage = (msg: Buffer): void => {
        counter.packets++;
        counter.bytes += msg.byteLength;
      };
      receiver.on('message', onMessage);
      return () => receiver.off('message', onMessage);
    },
    close: () => {
      sender.close();
      receiver.close();
    },
  };
}

/** The selected pair of a connected agent pair: controlling sends, controlled receives on `data$`. */
export function iceLink(pair: AgentPair): Link {
  const { controlling, controlled } = pair;
  return {
    send: (payload) => controlling.send(payload),
    listen: (counter) => {
      const subscription = controlled.data$.subscribe((data) => {
        counter.packets++;
        counter.bytes += data.byteLength;
      });
      return () => subscription.unsubscribe();
    },
  };
}
