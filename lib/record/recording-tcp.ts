/**
 * The TCP side of a recorded transport, and its server name lookups: what
 * the real transport gives the agent (listeners, reservations, connections,
 * bytes received, connection ends, lookup results) is logged as inputs, what
 * the agent writes and closes as outputs.
 * @module
 */
import { Observable, share } from 'rxjs';
import type { TcpCloseReason, TcpConnection, TcpListener, TcpPortReservation } from '../transport/types.js';
import { toHex } from './record-lines.js';
import type { TcpEnds, TcpInputLine } from './record-tcp-lines.js';
import type { Recorder, Untimed } from './recorder.js';
import { settleOnce } from './settle-once.js';

/** Numbers the operations and connections of one recorded transport. */
export class RecordingTcp {
  private ops = 0;
  private conns = 0;
  private lookups = 0;

  /** @param recorder where lines go */
  constructor(private readonly recorder: Recorder) {}

  /** A listener from `listen`, logged; its accepted connections too. */
  listen(listen: Observable<TcpListener>): Observable<TcpListener> {
    return this.settle(listen, (op, inner) => [
      { k: 'tcp-listening', op, address: inner.address, port: inner.port, family: inner.family },
      this.listener(op, inner),
    ]);
  }

  /** A reservation from `reserve`, logged; its release as output. */
  reserve(reserve: Observable<TcpPortReservation>): Observable<TcpPortReservation> {
    return this.settle(reserve, (op, inner) => {
      const recorder = this.recorder;
      const wrapped: TcpPortReservation = {
        address: inner.address,
        port: inner.port,
        family: inner.family,
        release: () => {
          recorder.output({ k: 'tcp-release', op });
          inner.release();
        },
      };
      return [
        { k: 'tcp-reserved', op, address: inner.address, port: inner.port, family: inner.family },
        wrapped,
      ];
    });
  }

  /** A connection from `connect`, logged with its number. */
  connect(connect: Observable<TcpConnection>): Observable<TcpConnection> {
    return this.settle(connect, (op, inner) => {
      const conn = this.conns++;
      return [
        { k: 'tcp-connected', op, conn, ...ends(inner) },
        new RecordingConnection(inner, conn, this.recorder),
      ];
    });
  }

  /** A lookup's result (addresses or failure), logged. */
  lookup(host: string, lookup: Observable<readonly string[]>): Observable<readonly string[]> {
    const id = this.lookups++;
    return this.once(
      lookup,
      (addresses) => [{ k: 'lookup', id, host, addresses: [...addresses] }, addresses],
      (message) => ({ k: 'lookup', id, host, message }),
    );
  }

  private listener(op: number, inner: TcpListener): TcpListener {
    const recorder = this.recorder;
    const connections$ = new Observable<TcpConnection>((subscriber) =>
      inner.connections$.subscribe({
        next: (connection) => {
          const conn = this.conns++;
          const wrapped = new RecordingConnection(connection, conn, recorder);
          recorder.input({ k: 'tcp-accepted', op, conn, ...ends(connection) }, () =>
            subscriber.next(wrapped),
          );
        },
        complete: () => {
          if (recorder.nested) subscriber.complete();
          else recorder.input({ k: 'tcp-listen-end', op }, () => subscriber.complete());
        },
      }),
    ).pipe(share());
    return {
      address: inner.address,
      port: inner.port,
      family: inner.family,
      connections$,
      close: () => {
        recorder.output({ k: 'tcp-release', op });
        inner.close();
      },
    };
  }

  private settle<T, W>(
    source: Observable<T>,
    wrap: (op: number, inner: T) => [Untimed<TcpInputLine>, W],
  ): Observable<W> {
    const op = this.ops++;
    return this.once(
      source,
      (inner) => wrap(op, inner),
      (message) => ({ k: 'tcp-failed', op, message }),
    );
  }

  /** `source` settling once: its value or error logged as an answer when at once, else as an input. */
  private once<T, W>(
    source: Observable<T>,
    wrap: (inner: T) => [Untimed<TcpInputLine>, W],
    failed: (message: string) => Untimed<TcpInputLine>,
  ): Observable<W> {
    return settleOnce(this.recorder, source, wrap, failed);
  }
}

function ends(connection: TcpConnection): TcpEnds {
  const { localAddress, localPort, remoteAddress, remotePort } = connection;
  return { localAddress, localPort, remoteAddress, remotePort };
}

/** A connection whose bytes in are inputs and bytes out are outputs. */
class RecordingConnection implements TcpConnection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly data$: Observable<Uint8Array>;
  private reads = 0;
  private buffered = 0;

  constructor(
    private readonly inner: TcpConnection,
    private readonly id: number,
    private readonly recorder: Recorder,
  ) {
    ({
      localAddress: this.localAddress,
      localPort: this.localPort,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
    } = inner);
    this.data$ = new Observable<Uint8Array>((subscriber) =>
      inner.data$.subscribe({
        next: (chunk) =>
          recorder.input({ k: 'tcp-data', conn: id, hex: toHex(chunk) }, () => subscriber.next(chunk)),
        complete: () => {
          if (recorder.nested) subscriber.complete();
          else {
            const reason = inner.closeReason ?? 'closed';
            recorder.input({ k: 'tcp-end', conn: id, reason }, () => subscriber.complete());
          }
        },
      }),
    ).pipe(share());
  }

  /** The inner value; logged when it differs from the last one logged. */
  get bufferedAmount(): number {
    const bytes = this.inner.bufferedAmount;
    const read = this.reads++;
    if (bytes !== this.buffered) {
      this.buffered = bytes;
      this.recorder.answer({ k: 'tcp-buffered', conn: this.id, read, bytes });
    }
    return bytes;
  }

  get closeReason(): TcpCloseReason | undefined {
    return this.inner.closeReason;
  }

  write(data: Uint8Array): void {
    this.recorder.output({ k: 'tcp-write', conn: this.id, hex: toHex(data) });
    this.inner.write(data);
  }

  close(): void {
    this.recorder.output({ k: 'tcp-close', conn: this.id, how: 'close' });
    this.inner.close();
  }

  reset(): void {
    this.recorder.output({ k: 'tcp-close', conn: this.id, how: 'reset' });
    this.inner.reset();
  }
}
