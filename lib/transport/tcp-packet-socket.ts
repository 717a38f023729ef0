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
 * to open is dropped alone, and with it only its pair's path. An active
 * candidate does not silently replace a lost connection that had carried an
 * authenticated STUN message: the peer would see a new source port, a
 * different pair, while its selected pair stays on the dead one; the pair
 * goes silent instead, and consent (or `failover`) moves the session on.
 * With a {@link TcpPreAuthGuard}, a connection must authenticate within a
 * bounded time and number of bytes.
 * @module
 */
import { type Observable, Subject, type Subscription } from 'rxjs';
import { frameRfc4571, Rfc4571Deframer } from './rfc4571.js';
import { connectSimultaneously, type SimultaneousOpenPacing } from './tcp-simultaneous-open.js';
import {
  createTcpSocketCounters,
  DEFAULT_TCP_SOCKET_LIMITS,
  PRE_AUTH_MAX_BYTES,
  PRE_AUTH_TIMEOUT,
  type TcpPreAuthGuard,
  type TcpSocketCounters,
  type TcpSocketLimits,
} from './tcp-socket-limits.js';
import type {
  AddressFamily,
  InboundPacket,
  PacketSocket,
  TcpConnection,
  TcpListener,
  TcpPortReservation,
} from './types.js';

export {
  DEFAULT_TCP_SOCKET_LIMITS,
  type TcpPreAuthGuard,
  type TcpSocketCounters,
  type TcpSocketLimits,
} from './tcp-socket-limits.js';

/** How a {@link TcpPacketSocket} is bounded. */
export interface TcpSocketOptions {
  /** Buffer and connection limits (default {@link DEFAULT_TCP_SOCKET_LIMITS}). */
  readonly limits?: TcpSocketLimits;
  /** Close connections that do not authenticate in time (off when absent: nothing would authenticate them). */
  readonly preAuth?: TcpPreAuthGuard;
  /** How a simultaneous-open candidate repeats refused connects (required by {@link TcpPacketSocket.simultaneousOpen}). */
  readonly simultaneousOpen?: SimultaneousOpenPacing;
}

/** The TCP functions of a transport a socket needs. */
export type TcpConnector = (remoteAddress: string, remotePort: number) => Observable<TcpConnection>;

interface Path {
  connection: TcpConnection | undefined;
  /** Frames waiting for the connection to open. */
  readonly pending: Uint8Array[];
  readonly subscriptions: Subscription[];
  /** An authenticated STUN message went over it ({@link TcpPacketSocket.authenticate}). */
  authenticated: boolean;
  /** Bytes received before it was authenticated. */
  preAuthBytes: number;
}

const newPath = (): Path => ({
  connection: undefined,
  pending: [],
  subscriptions: [],
  authenticated: false,
  preAuthBytes: 0,
});

/** Port an active candidate signals (RFC 6544 §4.5: the discard port, as it has no listening port). */
export const ACTIVE_CANDIDATE_PORT = 9;

/** A local ICE-TCP candidate's connections as one datagram socket. */
export class TcpPacketSocket implements PacketSocket {
  /** Datagrams received on any of the connections, source = the connection's remote end. */
  readonly packets$: Observable<InboundPacket>;
  /** What happened to the connections so far. */
  readonly counters: TcpSocketCounters = createTcpSocketCounters();
  private readonly packets = new Subject<InboundPacket>();
  private readonly paths = new Map<string, Path>();
  /** Destinations whose authenticated connection was lost: not re-opened (bounded by `maxConnections`). */
  private readonly lost = new Set<string>();
  private readonly limits: TcpSocketLimits;
  private readonly listening: Subscription | undefined;
  private errors = 0;
  private closed = false;

  private constructor(
    /** `active` opens connections, `passive` accepts them, `so` opens them by simultaneous open. */
    readonly tcpType: 'active' | 'passive' | 'so',
    /** Local address. */
    readonly address: string,
    /** Listening port (passive), reserved port (so) or {@link ACTIVE_CANDIDATE_PORT} (active). */
    readonly port: number,
    /** Address family. */
    readonly family: AddressFamily,
    private readonly connector: TcpConnector | undefined,
    private readonly listener: TcpListener | undefined,
    private readonly options: TcpSocketOptions,
    /** Gives back what the socket holds besides its connections (a so candidate's port). */
    private readonly release?: () => void,
  ) {
    this.limits = options.limits ?? DEFAULT_TCP_SOCKET_LIMITS;
    this.packets$ = this.packets.asObservable();
    this.listening = listener?.connections$.subscribe((connection) => this.accept(connection));
  }

  /** A passive candidate's socket on `listener`. */
  static passive(listener: TcpListener, options: TcpSocketOptions = {}): TcpPacketSocket {
    return new TcpPacketSocket(
      'passive',
      listener.address,
      listener.port,
      listener.family,
      undefined,
      listener,
      options,
    );
  }

  /** An active candidate's socket on `address`, opening connections with `connector`. */
  static active(address: string, connector: TcpConnector, options: TcpSocketOptions = {}): TcpPacketSocket {
    const family: AddressFamily = address.includes(':') ? 'IPv6' : 'IPv4';
    return new TcpPacketSocket(
      'active',
      address,
      ACTIVE_CANDIDATE_PORT,
      family,
      connector,
      undefined,
      options,
    );
  }

  /**
   * A simultaneous-open candidate's socket on the port of `reservation`
   * (released on close): its connections are opened from that port with
   * `connector`, and a refused attempt is repeated as
   * `options.simultaneousOpen` paces it (see {@link connectSimultaneously}).
   */
  static simultaneousOpen(
    reservation: TcpPortReservation,
    connector: TcpConnector,
    options: TcpSocketOptions & { readonly simultaneousOpen: SimultaneousOpenPacing },
  ): TcpPacketSocket {
    const socket: TcpPacketSocket = new TcpPacketSocket(
      'so',
      reservation.address,
      reservation.port,
      reservation.family,
      (address, port) =>
        connectSimultaneously(
          () => connector(address, port),
          options.simultaneousOpen,
          () => {
            socket.counters.connectRetries++;
          },
        ),
      undefined,
      options,
      () => reservation.release(),
    );
    return socket;
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

  /** Whether the connection to `address:port` has carried an authenticated STUN message. */
  isAuthenticated(address: string, port: number): boolean {
    return this.paths.get(`${address}|${port}`)?.authenticated === true;
  }

  /**
   * The agent saw an authenticated STUN message (a check signed with our
   * password, an answer to our check) on the connection to `address:port`:
   * the pre-authentication guard lets it be, and an active candidate will
   * not replace it if it is lost.
   */
  authenticate(address: string, port: number): void {
    const path = this.paths.get(`${address}|${port}`);
    if (path === undefined || path.authenticated) return;
    path.authenticated = true;
    path.preAuthBytes = 0;
  }

  /**
   * Lets an active candidate open connections again to destinations whose
   * authenticated connection was lost (an ICE restart checks them afresh).
   */
  forgetLostPaths(): void {
    this.lost.clear();
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
      if (this.connector === undefined || this.lost.has(key)) {
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
    this.release?.();
    this.packets.complete();
  }

  private open(key: string, address: string, port: number): Path | undefined {
    if (this.paths.size >= this.limits.maxConnections || this.connector === undefined) {
      this.counters.droppedNoConnection++;
      this.errors++;
      return undefined;
    }
    const path = newPath();
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
    const path = newPath();
    this.paths.set(key, path);
    this.attach(key, path, connection);
  }

  private attach(key: string, path: Path, connection: TcpConnection): void {
    path.connection = connection;
    this.counters.connectionsOpened++;
    const deframer = new Rfc4571Deframer();
    const address = connection.remoteAddress;
    const port = connection.remotePort;
    const guard = this.options.preAuth;
    const maxPreAuthBytes = guard?.maxBytes ?? PRE_AUTH_MAX_BYTES;
    path.subscriptions.push(
      connection.data$.subscribe({
        next: (chunk) => {
          if (guard !== undefined && !path.authenticated) {
            path.preAuthBytes += chunk.byteLength;
            if (path.preAuthBytes > maxPreAuthBytes) {
              this.counters.preAuthOverflows++;
              this.drop(key, true);
              return;
            }
          }
          for (const data of deframer.push(chunk)) {
            // Also stops once a datagram's handler dropped this path (a reset or the guard).
            if (this.closed || this.paths.get(key) !== path) return;
            this.packets.next({ data, address, port });
          }
        },
        complete: () => {
          if (this.paths.get(key) !== path) return;
          this.counters.connectionsLost++;
          if (path.authenticated && this.connector !== undefined) this.rememberLost(key);
          this.drop(key);
        },
      }),
    );
    if (guard !== undefined) {
      path.subscriptions.push(
        guard.scheduler.schedule(() => {
          if (path.authenticated || this.paths.get(key) !== path) return;
          this.counters.preAuthTimeouts++;
          this.drop(key, true);
        }, guard.timeout ?? PRE_AUTH_TIMEOUT),
      );
    }
  }

  private rememberLost(key: string): void {
    if (this.lost.size >= this.limits.maxConnections) {
      const oldest = this.lost.values().next().value;
      if (oldest !== undefined) this.lost.delete(oldest);
    }
    this.lost.add(key);
  }

  /** Forgets a path and closes (or with `reset`, aborts) its connection; a no-op on one that already ended. */
  private drop(key: string, reset = false): void {
    const path = this.paths.get(key);
    if (path === undefined) return;
    this.paths.delete(key);
    for (const s of path.subscriptions) s.unsubscribe();
    path.pending.length = 0;
    if (reset) path.connection?.reset();
    else path.connection?.close();
  }
}
