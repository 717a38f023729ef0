/**
 * The framed connection to a TURN server over TCP/TLS (lib/turn/stream-connection.ts),
 * on a scripted TcpConnection: what waits until it is up, what it reports
 * when it ends, and that closing it while it opens aborts the open.
 */
import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { TcpCloseReason, TcpConnection } from '../lib/transport/types.js';
import { StreamConnection } from '../lib/turn/stream-connection.js';

/** A connection whose bytes in are pushed by the test; what the agent writes and how it ends are kept. */
class ScriptedConnection implements TcpConnection {
  readonly localAddress = '127.0.0.1';
  readonly localPort = 50000;
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 3478;
  readonly bufferedAmount = 0;
  readonly data = new Subject<Uint8Array>();
  readonly data$ = this.data.asObservable();
  readonly written: number[][] = [];
  closeReason: TcpCloseReason | undefined;
  ended: 'close' | 'reset' | undefined;

  write(data: Uint8Array): void {
    this.written.push([...data]);
  }
  close(): void {
    this.ended ??= 'close';
  }
  reset(): void {
    this.ended ??= 'reset';
  }
  /** The peer ends the connection for `reason`. */
  end(reason: TcpCloseReason): void {
    this.closeReason = reason;
    this.data.complete();
  }
}

/** A STUN-framed message of `n` body bytes (a Binding request header, length n). */
function stunFrame(n: number, fill = 0): Uint8Array {
  const frame = new Uint8Array(20 + n).fill(fill);
  frame.set([0x00, 0x01, n >> 8, n & 0xff, 0x21, 0x12, 0xa4, 0x42]);
  return frame;
}

function setup() {
  const opening = new Subject<TcpConnection>();
  let subscribed = 0;
  const connect = new Observable<TcpConnection>((subscriber) => {
    subscribed++;
    return opening.subscribe(subscriber);
  });
  const messages: Uint8Array[] = [];
  const lost: string[] = [];
  const stream = new StreamConnection(connect, {
    message: (bytes) => messages.push(bytes),
    lost: (reason) => lost.push(reason),
  });
  return {
    stream,
    opening,
    messages,
    lost,
    /** Subscriptions to the transport's connect, and whether one is still waiting for it. */
    counts: () => ({ subscribed, waiting: opening.observed }),
  };
}

describe('StreamConnection (TURN over TCP/TLS)', () => {
  it('opens only when asked, and sends what was written before it was up, in order', () => {
    const { stream, opening, counts } = setup();
    stream.send(stunFrame(4, 1));
    expect(counts().subscribed).toBe(0); // the TURN client writes its Allocate first, then open()
    stream.open();
    expect(counts()).toEqual({ subscribed: 1, waiting: true });
    stream.send(stunFrame(4, 2));
    const connection = new ScriptedConnection();
    opening.next(connection);
    stream.send(stunFrame(4, 3));
    expect(connection.written.map((w) => w[20])).toEqual([1, 2, 3]);
    expect(stream.bytesWritten).toBe(72);
  });

  it('keeps at most 16 messages while connecting', () => {
    const { stream, opening } = setup();
    stream.open();
    for (let i = 0; i < 20; i++) stream.send(stunFrame(4, i));
    const connection = new ScriptedConnection();
    opening.next(connection);
    expect(connection.written).toHaveLength(16);
    expect(connection.written.map((w) => w[20])).toEqual([...Array(16).keys()]);
  });

  it('frames what arrives, across chunk boundaries', () => {
    const { stream, opening, messages } = setup();
    stream.open();
    const connection = new ScriptedConnection();
    opening.next(connection);
    const two = new Uint8Array([...stunFrame(8, 7), ...stunFrame(4, 9)]);
    connection.data.next(two.subarray(0, 10));
    connection.data.next(two.subarray(10, 30));
    connection.data.next(two.subarray(30));
    expect(messages.map((m) => [m.length, m[20]])).toEqual([
      [28, 7],
      [24, 9],
    ]);
  });

  it('reports a failed open with the reason the transport gave', () => {
    const { stream, opening, lost } = setup();
    stream.open();
    opening.error(new Error('ECONNREFUSED'));
    expect(lost).toEqual(['ECONNREFUSED']);
  });

  it.each([
    ['end', 'the server closed the connection'],
    ['reset', 'ECONNRESET'],
    ['error', 'connection error'],
    ['closed', 'connection closed'],
  ] as const)('reports a connection that ended (%s) once, as %j', (reason, said) => {
    const { stream, opening, lost } = setup();
    stream.open();
    const connection = new ScriptedConnection();
    opening.next(connection);
    connection.end(reason);
    expect(lost).toEqual([said]);
    stream.close();
    expect(lost).toHaveLength(1);
  });

  it('an unframeable stream is lost, and the connection reset', () => {
    const { stream, opening, lost, messages } = setup();
    stream.open();
    const connection = new ScriptedConnection();
    opening.next(connection);
    connection.data.next(new Uint8Array([0xc0, 0, 0, 4, 1, 2, 3, 4])); // top bits 11: neither STUN nor ChannelData
    expect(lost).toEqual(['unframeable data from the server']);
    expect(connection.ended).toBe('reset');
    expect(messages).toEqual([]);
  });

  it('close() while opening aborts the open; close() once up ends the connection gracefully; nothing is reported', () => {
    const first = setup();
    first.stream.open();
    first.stream.close();
    expect(first.counts()).toEqual({ subscribed: 1, waiting: false }); // unsubscribed: the transport aborts
    expect(first.lost).toEqual([]);

    const second = setup();
    second.stream.open();
    const connection = new ScriptedConnection();
    second.opening.next(connection);
    second.stream.close();
    second.stream.send(stunFrame(4));
    expect(connection.ended).toBe('close');
    expect(connection.written).toEqual([]);
    connection.end('closed');
    expect(second.lost).toEqual([]);
  });
});
