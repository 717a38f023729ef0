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
import { frameRfc4571 } from './rfc4571.js';
import { newPath, type Path, readPath } from './tcp-path.js';
import { connectSimultaneously, type SimultaneousOpenPacing } from './tcp-simultaneous-open.js';
import {
  createTcpSocketCounters,
  DEFAULT_TCP_SOCKET_LIMITS,
  type TcpSocketCounters,
  type TcpSocketLimits,
} from './tcp-socket-limits.js';
import type { TcpConnector, TcpSocketKind, TcpSocketOptions } from './tcp-socket-types.js';
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
export type { TcpConnector, TcpSocketKind, TcpSocketOptions } from './tcp-socket-types.js';

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

  /** `active` opens connections, `passive` accepts them, `so` opens them by simultaneous open. */
  readonly tcpType: TcpSocketKind['tcpType'];
  /** Local address. */
  readonly address: string;
  /** Listening port (passive), reserved port (so) or {@link ACTIVE_CANDIDATE_PORT} (active). */
  readonly port: number;
  /** Address family. */
  readonly family: AddressFamily;
  private readonly connector: TcpConnector | undefined;
  private readonly listener: TcpListener | undefined;
  /** Gives back what the socket holds besides its connections (a so candidate's port). */
  private readonly release: (() => void) | undefined;

  private constructor(
    kind: TcpSocketKind,
    private readonly options: TcpSocketOptions,
  ) {
    ({ tcpType: this.tcpType, address: this.address, port: this.port, family: this.family } = kind);
    this.connector = kind.connector;
    this.listener = kind.listener;
    this.release = kind.release;
    this.limits = options.limits ?? DEFAULT_TCP_SOCKET_LIMITS;
    this.packets$ = this.packets.asObservable();
    this.listening = this.listener?.connections$.subscribe((connection) => this.accept(connection));
  }

  /** A passive candidate's socket on `listener`. */
  static passive(listener: TcpListener, options: TcpSocketOptions = {}): TcpPacketSocket {
    const { address, port, family } = listener;
    return new TcpPacketSocket({ tcpType: 'passive', address, port, family, listener }, options);
  }

  /** An active candidate's socket on `address`, opening connections with `connector`. */
  static active(address: string, connector: TcpConnector, options: TcpSocketOptions = {}): TcpPacketSocket {
    const family: AddressFamily = address.includes(':') ? 'IPv6' : 'IPv4';
    const port = ACTIVE_CANDIDATE_PORT;
    return new TcpPacketSocket({ tcpType: 'active', address, port, family, connector }, options);
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
    const { address, port, family } = reservation;
    const retried = (): void => void socket.counters.connectRetries++;
    const socket: TcpPacketSocket = new TcpPacketSocket(
      {
        tcpType: 'so',
        address,
        port,
        family,
        connector: (to, toPort) =>
          connectSimultaneously(() => connector(to, toPort), options.simultaneousOpen, retried),
        release: () => reservation.release(),
      },
      options,
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

  /**
   * Closes (FIN) the connections, open or being opened, whose destination
   * `keep` rejects, counted in `connectionsPruned`; the pairs they served
   * lost (RFC 6544 §7.1 lets an agent close them once checking concluded).
   * Not remembered as lost: a later check may open one again.
   */
  pruneConnections(keep: (address: string, port: number) => boolean): void {
    for (const key of [...this.paths.keys()]) {
      const cut = key.lastIndexOf('|'); // keys are `address|port` of the far end
      if (keep(key.slice(0, cut), Number(key.slice(cut + 1)))) continue;
      this.counters.connectionsPruned++;
      this.drop(key);
    }
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
    this.counters.connectionsOpened++;
    const address = connection.remoteAddress;
    const port = connection.remotePort;
    readPath(path, connection, this.options.preAuth, {
      live: () => !this.closed && this.paths.get(key) === path,
      deliver: (data) => this.packets.next({ data, address, port }),
      ended: () => {
        this.counters.connectionsLost++;
        if (path.authenticated && this.connector !== undefined) this.rememberLost(key);
        this.drop(key);
      },
      rejected: (why) => {
        if (why === 'overflow') this.counters.preAuthOverflows++;
        else this.counters.preAuthTimeouts++;
        this.drop(key, true);
      },
    });
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
