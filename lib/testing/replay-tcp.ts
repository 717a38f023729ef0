/**
 * The TCP side of a replayed transport, and its server name lookups: the
 * recorded listeners, reservations, connections, bytes and lookup results
 * are given to the agent when the replay reaches them; what it writes and
 * closes becomes output lines.
 * @module
 */
import { Observable, Subject, type Subscriber } from 'rxjs';
import { BindError } from '../errors.js';
import { fromHex, toHex } from '../record/record-lines.js';
import type { TcpEnds, TcpInputLine, TcpSettledLine } from '../record/record-tcp-lines.js';
import type { TcpCloseReason, TcpConnection, TcpListener, TcpPortReservation } from '../transport/types.js';
import type { ReplayClock } from './replay-clock.js';

type Settling = TcpSettledLine | Extract<TcpInputLine, { k: 'lookup' }>;

/** Numbered TCP operations, connections and lookups of one replay. */
export class ReplayTcp {
  private ops = 0;
  private lookups = 0;
  private readonly pending = new Map<string, (line: Settling) => void>();
  private readonly listeners = new Map<number, Subject<TcpConnection>>();
  private readonly connections = new Map<number, ReplayConnection>();

  /**
   * @param clock the replay's clock, answers and outputs
   * @param sync the operations and lookups that settled while the agent subscribed, keyed `tcp:op` or `lookup:id`
   */
  constructor(
    private readonly clock: ReplayClock,
    private readonly sync: ReadonlyMap<string, Settling>,
  ) {}

  /** The next TCP operation, settled from the recording. */
  operation<T>(): Observable<T> {
    const op = this.ops++;
    return this.settle<T>(`tcp:${op}`, (line) => this.result(line));
  }

  /** The next lookup of `host`, settled from the recording. */
  lookup(host: string): Observable<readonly string[]> {
    const id = this.lookups++;
    return this.settle(`lookup:${id}`, (line) => {
      if (line.k !== 'lookup') return new BindError(`not a lookup: ${line.k}`);
      if (line.host !== host)
        this.clock.diverge(`the agent looked up ${host}, the recorded agent ${line.host}`);
      return line.addresses ?? new BindError(line.message ?? `cannot resolve ${host}`);
    });
  }

  /** A recorded input: a late settlement, an accepted connection, bytes, an end. */
  deliver(line: TcpInputLine): void {
    if (line.k === 'tcp-accepted') {
      const listener = this.listeners.get(line.op);
      if (listener === undefined || listener.closed || listener.isStopped) {
        this.clock.diverge(`listener ${line.op} is not open to accept a connection`);
        return;
      }
      listener.next(this.connection(line.conn, line));
    } else if (line.k === 'tcp-listen-end') {
      this.listeners.get(line.op)?.complete();
    } else if (line.k === 'tcp-data') {
      const connection = this.connections.get(line.conn);
      if (connection === undefined || connection.closeReason !== undefined) {
        this.clock.diverge(`connection ${line.conn} is not open to receive bytes`);
        return;
      }
      connection.data.next(fromHex(line.hex));
    } else if (line.k === 'tcp-end') {
      this.connections.get(line.conn)?.end(line.reason);
    } else {
      const key = line.k === 'lookup' ? `lookup:${line.id}` : `tcp:${line.op}`;
      const settle = this.pending.get(key);
      if (settle === undefined) {
        this.clock.diverge(`${key.replace(':', ' ')} is not waiting`);
        return;
      }
      this.pending.delete(key);
      settle(line);
    }
  }

  private settle<T>(key: string, value: (line: Settling) => unknown): Observable<T> {
    return new Observable<T>((subscriber: Subscriber<T>) => {
      const give = (line: Settling): void => {
        const result = value(line);
        if (result instanceof Error) subscriber.error(result);
        else {
          subscriber.next(result as T);
          subscriber.complete();
        }
      };
      const answer = this.sync.get(key);
      if (answer !== undefined) {
        give(answer);
        return;
      }
      this.pending.set(key, give);
      return () => this.pending.delete(key);
    });
  }

  private result(line: Settling): unknown {
    const clock = this.clock;
    switch (line.k) {
      case 'tcp-failed':
        return new BindError(line.message);
      case 'tcp-connected':
        return this.connection(line.conn, line);
      case 'tcp-reserved': {
        const reservation: TcpPortReservation = {
          address: line.address,
          port: line.port,
          family: line.family,
          release: () => clock.output({ k: 'tcp-release', op: line.op }),
        };
        return reservation;
      }
      case 'tcp-listening': {
        const connections = new Subject<TcpConnection>();
        this.listeners.set(line.op, connections);
        const listener: TcpListener = {
          address: line.address,
          port: line.port,
          family: line.family,
          connections$: connections.asObservable(),
          close: () => {
            clock.output({ k: 'tcp-release', op: line.op });
            connections.complete();
          },
        };
        return listener;
      }
      default:
        return new BindError(`not a TCP operation: ${line.k}`);
    }
  }

  private connection(conn: number, ends: TcpEnds): ReplayConnection {
    const connection = new ReplayConnection(conn, ends, this.clock);
    this.connections.set(conn, connection);
    return connection;
  }
}

/** A connection of the replay: bytes in from the recording, out into the outputs. */
class ReplayConnection implements TcpConnection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly data = new Subject<Uint8Array>();
  readonly data$ = this.data.asObservable();
  closeReason: TcpCloseReason | undefined;
  private reads = 0;
  private buffered = 0;

  constructor(
    private readonly id: number,
    ends: TcpEnds,
    private readonly clock: ReplayClock,
  ) {
    ({
      localAddress: this.localAddress,
      localPort: this.localPort,
      remoteAddress: this.remoteAddress,
      remotePort: this.remotePort,
    } = ends);
  }

  /** The recorded value of this reading, else the last one. */
  get bufferedAmount(): number {
    const read = this.reads++;
    const next = this.clock.peek('tcp-buffered');
    if (next !== undefined && next.conn === this.id && next.read === read) {
      this.clock.take('tcp-buffered', 'a buffered amount');
      this.buffered = next.bytes;
    }
    return this.buffered;
  }

  write(data: Uint8Array): void {
    this.clock.output({ k: 'tcp-write', conn: this.id, hex: toHex(data) });
  }

  close(): void {
    this.clock.output({ k: 'tcp-close', conn: this.id, how: 'close' });
    this.end('closed');
  }

  reset(): void {
    this.clock.output({ k: 'tcp-close', conn: this.id, how: 'reset' });
    this.end('closed');
  }

  /** Ends the connection for `reason` (once). */
  end(reason: TcpCloseReason): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.data.complete();
  }
}
