/**
 * The shapes a {@link TcpPacketSocket} is built from: its options and kind.
 * @module
 */
import type { Observable } from 'rxjs';
import type { TcpPacketSocket } from './tcp-packet-socket.js';
import type { SimultaneousOpenPacing } from './tcp-simultaneous-open.js';
import type { DEFAULT_TCP_SOCKET_LIMITS, TcpPreAuthGuard, TcpSocketLimits } from './tcp-socket-limits.js';
import type { AddressFamily, TcpConnection, TcpListener } from './types.js';

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

/** What a {@link TcpPacketSocket} is: its candidate's kind and endpoint, and how it gets connections. */
export interface TcpSocketKind {
  /** The candidate's `tcptype`. */
  readonly tcpType: 'active' | 'passive' | 'so';
  /** Local address. */
  readonly address: string;
  /** The port the candidate signals. */
  readonly port: number;
  /** Address family. */
  readonly family: AddressFamily;
  /** Opens connections (active, so). */
  readonly connector?: TcpConnector;
  /** Accepts connections (passive). */
  readonly listener?: TcpListener;
  /** Gives back what the socket holds besides its connections, on close. */
  readonly release?: () => void;
}
