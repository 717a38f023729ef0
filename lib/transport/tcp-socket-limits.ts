/**
 * The bounds and counters of a {@link TcpPacketSocket}: how much a slow
 * reader may hold up (bytes buffered per connection), how many connections
 * a candidate keeps, and how long and how much a connection may run before
 * it proves itself with an authenticated STUN message.
 * @module
 */
import type { SchedulerLike } from 'rxjs';
import type { TcpPacketSocket } from './tcp-packet-socket.js';

/** Limits of a {@link TcpPacketSocket}. */
export interface TcpSocketLimits {
  /**
   * Bytes a connection may hold unsent (written, not yet taken by the peer's
   * window) before datagrams to it are dropped and counted in
   * `droppedBufferFull` (default 256 KiB). Nothing queues beyond it: a slow
   * reader loses its own pair's datagrams, as a congested UDP path would.
   */
  readonly maxBufferedBytes: number;
  /** Datagrams queued per connection while it is being opened (default 16). */
  readonly maxPendingFrames: number;
  /** Connections open or opening at once, accepted ones included; more are refused (reset) (default 100). */
  readonly maxConnections: number;
}

/** Defaults of {@link TcpSocketLimits}. */
export const DEFAULT_TCP_SOCKET_LIMITS: TcpSocketLimits = Object.freeze({
  maxBufferedBytes: 256 * 1024,
  maxPendingFrames: 16,
  maxConnections: 100,
});

/**
 * The pre-authentication guard of a {@link TcpPacketSocket}: a connection
 * must carry an authenticated STUN message (a check signed with our
 * password, or an answer to one of our checks; the agent tells the socket
 * with {@link TcpPacketSocket.authenticate}) within `timeout` ms of opening
 * and before it has delivered `maxBytes` bytes, or it is reset. So a
 * connection that never sends a valid check holds a slot of the passive
 * candidate for a bounded time and bytes only.
 */
export interface TcpPreAuthGuard {
  /** The scheduler the timeout runs on (the agent's). */
  readonly scheduler: SchedulerLike;
  /** Ms from opening to the first authenticated STUN message (default {@link PRE_AUTH_TIMEOUT}). */
  readonly timeout?: number;
  /** Bytes a connection may deliver before it is authenticated (default {@link PRE_AUTH_MAX_BYTES}). */
  readonly maxBytes?: number;
}

/** Default {@link TcpPreAuthGuard.timeout}: 10 s, longer than a check's whole retransmission schedule (~9.5 s). */
export const PRE_AUTH_TIMEOUT = 10_000;
/** Default {@link TcpPreAuthGuard.maxBytes}: 16 KiB, about a hundred checks. */
export const PRE_AUTH_MAX_BYTES = 16 * 1024;

/** Counters of an ICE-TCP candidate's connections (`getStats().tcp` sums them over the candidates). */
export interface TcpSocketCounters {
  /** Connections established (opened by us or accepted). */
  connectionsOpened: number;
  /** Connections that could not be opened (refused, unreachable; a simultaneous-open one once its attempts are spent). */
  connectFailures: number;
  /** Connect attempts of simultaneous-open candidates repeated after a refusal. */
  connectRetries: number;
  /** Connections that ended while the socket was open (reset, closed by the peer, error). */
  connectionsLost: number;
  /** Connections closed by us because their pair lost once a pair was selected. */
  connectionsPruned: number;
  /** Accepted connections reset because `maxConnections` were already open. */
  connectionsRefused: number;
  /** Connections reset because no authenticated STUN message came within the guard's timeout. */
  preAuthTimeouts: number;
  /** Connections reset because they delivered more than the guard's bytes before an authenticated STUN message. */
  preAuthOverflows: number;
  /** Datagrams dropped because their connection's send buffer was full (a slow reader). */
  droppedBufferFull: number;
  /**
   * Datagrams dropped because there was no connection for them: a passive
   * candidate cannot open one, and an active one does not open a second
   * connection where an authenticated one was lost (until an ICE restart).
   */
  droppedNoConnection: number;
}

/** All counters at zero. */
export function createTcpSocketCounters(): TcpSocketCounters {
  return {
    connectionsOpened: 0,
    connectFailures: 0,
    connectRetries: 0,
    connectionsLost: 0,
    connectionsPruned: 0,
    connectionsRefused: 0,
    preAuthTimeouts: 0,
    preAuthOverflows: 0,
    droppedBufferFull: 0,
    droppedNoConnection: 0,
  };
}
