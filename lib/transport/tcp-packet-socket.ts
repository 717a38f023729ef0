/**
 * One local ICE-TCP candidate (RFC 6544) seen as a {@link PacketSocket}, so
 * the agent checks and sends data over it like over a UDP socket: a datagram
 * sent to `address:port` goes, RFC 4571-framed, over the one connection of
 * that pair; every datagram read from a connection comes out of `packets$`
 * with the connection's remote address and port as its source.
 *
 * An active candidate opens the connection on the first datagram to a
 * destination (the first check); a passive one takes the connections its
 * listener accepts and can only answer on them. Each connection has its own
 * bounded send buffer, so a slow reader drops its own pair's datagrams and
 * never holds up another pair; a connection that is reset, closed or fails
 * to open is dropped alone, and with it only its pair's path.
 * @module
 */
import { type Observable, Subject, type Subscription } from 'rxjs';
import { frameRfc4571, Rfc4571Deframer } from './rfc4571.js';
import type { AddressFamily, InboundPacket, PacketSocket, TcpConnection, TcpListener } from './types.js';

/** Limits of a {@link TcpPacketSocket}. */
export interface TcpSocketLimits {
  /** Bytes a connection may hold unsent before datagrams to it are dropped (default 256 KiB). */
  readonly maxBufferedBytes: number;
  /** Datagrams queued per connection while it is being opened (default 16). */
  readonly maxPendingFrames: number;
  /** Connections open or opening at once; more are refused or reset (default 100). */
  readonly maxConnections: number;
}

/** Defaults of {@link TcpSocketLimits}. */
export const DEFAULT_TCP_SOCKET_LIMITS: TcpSocketLimits = Object.freeze({
  maxBufferedBytes: 256 * 1024,
  maxPendingFrames: 16,
  maxConnections: 100,
});

/** Counters of a {@link TcpPacketSocket}. */
export interface TcpSocketCounters {
  /** Connections established (opened by us or accepted). */
  connectionsOpened: number;
  /** Connections that could not be opened (refused, unreachable). */
  connectFailures: number;
  /** Connections that ended while the socket was open (reset, closed by the peer, error). */
  connectionsLost: number;
  /** Accepted connections reset because `maxConnections` were already open. */
  connectionsRefused: number;
  /** Datagrams dropped because their connection's send buffer was full (a slow reader). */
  droppedBufferFull: number;
  /** Datagrams dropped because there was no connection for them (a passive candidate cannot open one). */
  droppedNoConnection: number;
}

/** The TCP functions of a transport a socket needs. */
export type TcpConnector = (remoteAddress: string, remotePort: number) => Observable<TcpConnection>;

interface Path {
  connection: TcpConnection | undefined;
  /** Frames waiting for the connection to open. */
  readonly pending: Uint8Array[];
  readonly subscriptions: Subscription[];
}

/** Port an active candidate signals (RFC 6544 §4.5: the discard port, as it has no listening port). */
export const ACTIVE_CANDIDATE_PORT = 9;

/** A local ICE-TCP candidate's connections as one datagram socket. */
export class TcpPacketSocket implements PacketSocket {
  /** Datagrams received on any of the connections, source = the connection's remote end. */
  readonly packets$: Observable<InboundPacket>;
  /** What happened to the connections so far. */
  readonly counters: TcpSocketCounters = {
    connectionsOpened: 0,
    connectFailures: 0,
    connectionsLost: 0,
    connectionsRefused: 0,
    droppedBufferFull: 0,
    droppedNoConnection: 0,
  };
  private readonly packets = new Subject<InboundPacket>();
  private readonly paths = new Map<string, Path>();
  private readonly listening: Subscription | undefined;
  private errors = 0;
  private closed = false;

  private constructor(
    /** `active` opens connections, `passive` accepts them. */
    readonly tcpType: 'active' | 'passive',
    /** Local address. */
    readonly address: string,
    /** Listening port (passive) or {@link ACTIVE_CANDIDATE_PORT} (active). */
    readonly port: number,
    /** Address family. */
    readonly family: AddressFamily,
    private readonly connector: TcpConnector | undefined,
    private readonly listener: TcpListener | undefined,
    private readonly limits: TcpSocketLimits,
  ) {
    this.packets$ = this.packets.asObservable();
    this.listening = listener?.connections$.subscribe((connection) => this.accept(connection));
  }

  /** A passive candidate's socket on `listener`. */
  static passive(
    listener: TcpListener,
    limits: TcpSocketLimits = DEFAULT_TCP_SOCKET_LIMITS,
  ): TcpPacketSocket {
    return new TcpPacketSocket(
      'passive',
      listener.address,
      listener.port,
      listener.family,
      undefined,
      listener,
      limits,
    );
  }

  /** An active candidate's socket on `address`, opening connections with `connector`. */
  static active(
    address: string,
    connector: TcpConnector,
    limits: TcpSocketLimits = DEFAULT_TCP_SOCKET_LIMITS,
  ): TcpPacketSocket {
    const family: AddressFamily = address.includes(':') ? 'IPv6' : 'IPv4';
    return new TcpPacketSocket(
      'active',
      address,
      ACTIVE_CANDIDATE_PORT,
      family,
      connector,
      undefined,
      limits,
    );
  }

  /** Datagrams that could not be sent (no connection, full buffer, too long, closed). */
  get sendErrors(): number {
    return this.errors;
  }

  /** Connections open or being opened. */
  get connectionCount(): number {
    return this.paths.size;
  }

  /** The open connection to `address:port`, if any (for stats and tests). */
  connectionTo(address: string, port: number): TcpConnection | undefined {
    return this.paths.get(`${address}|${port}`)?.connection;
  }

  /** Sends one datagram over the connection to `address:port`, opening it first on an active candidate. */
  send(data: Uint8Array, port: number, address: string): void {
    const frame = this.closed ? undefined : frameRfc4571(data);
    if (frame === undefined) {
      this.errors++;
      return;
    }
    const key = `${address}|${port}`;
    let path = this.paths.get(key);
    if (path === undefined) {
      if (this.connector === undefined) {
        this.counters.droppedNoConnection++;
        this.errors++;
        return;
      }
      const opened = this.open(key, address, port);
      if (opened === undefined) return;
      path = opened;
    }
    const connection = path.connection;
    if (connection === undefined) {
      if (path.pending.length >= this.limits.maxPendingFrames) {
        this.counters.droppedBufferFull++;
        this.errors++;
        return;
      }
      path.pending.push(frame);
      return;
    }
    if (connection.bufferedAmount + frame.byteLength > this.limits.maxBufferedBytes) {
      this.counters.droppedBufferFull++;
      this.errors++;
      return;
    }
    connection.write(frame);
  }

  /** Closes every connection and the listener; `packets$` completes. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listening?.unsubscribe();
    this.listener?.close();
    for (const key of [...this.paths.keys()]) this.drop(key);
    this.packets.complete();
  }

  private open(key: string, address: string, port: number): Path | undefined {
    if (this.paths.size >= this.limits.maxConnections || this.connector === undefined) {
      this.counters.droppedNoConnection++;
      this.errors++;
      return undefined;
    }
    const path: Path = { connection: undefined, pending: [], subscriptions: [] };
    this.paths.set(key, path);
    path.subscriptions.push(
      this.connector(address, port).subscribe({
        next: (connection) => {
          if (this.paths.get(key) !== path) {
            connection.reset();
            return;
          }
          this.attach(key, path, connection);
          for (const frame of path.pending.splice(0)) connection.write(frame);
        },
        error: () => {
          this.counters.connectFailures++;
          // Dropped so a later check (a retransmission) may try again.
          if (this.paths.get(key) === path) this.drop(key);
        },
      }),
    );
    return path;
  }

  private accept(connection: TcpConnection): void {
    const key = `${connection.remoteAddress}|${connection.remotePort}`;
    if (this.closed || this.paths.size >= this.limits.maxConnections || this.paths.has(key)) {
      this.counters.connectionsRefused++;
      connection.reset();
      return;
    }
    const path: Path = { connection: undefined, pending: [], subscriptions: [] };
    this.paths.set(key, path);
    this.attach(key, path, connection);
  }

  private attach(key: string, path: Path, connection: TcpConnection): void {
    path.connection = connection;
    this.counters.connectionsOpened++;
    const deframer = new Rfc4571Deframer();
    const address = connection.remoteAddress;
    const port = connection.remotePort;
    path.subscriptions.push(
      connection.data$.subscribe({
        next: (chunk) => {
          for (const data of deframer.push(chunk)) {
            if (this.closed) return;
            this.packets.next({ data, address, port });
          }
        },
        complete: () => {
          if (this.paths.get(key) !== path) return;
          this.counters.connectionsLost++;
          this.drop(key);
        },
      }),
    );
  }

  /** Forgets a path and closes its connection (a no-op on one that already ended). */
  private drop(key: string): void {
    const path = this.paths.get(key);
    if (path === undefined) return;
    this.paths.delete(key);
    for (const s of path.subscriptions) s.unsubscribe();
    path.pending.length = 0;
    path.connection?.close();
  }
}
