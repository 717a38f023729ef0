/**
 * The lines of a recording for ICE-TCP and server name lookups. TCP
 * operations (`listenTcp`, `connectTcp`, `reserveTcpPort`) are numbered from
 * 0 in the order the agent asks for them (`op`); connections, from 0 in the
 * order they are made (`conn`). Lookups are numbered from 0 (`id`).
 * @module
 */
import type { Timed } from './record-lines.js';

/** Input (or answer, `sync`): TCP operation `op` gave a listener. */
export interface TcpListeningLine extends Timed<'tcp-listening'> {
  /** The operation's number. */
  readonly op: number;
  /** Local address. */
  readonly address: string;
  /** Local port. */
  readonly port: number;
  /** Address family. */
  readonly family: 'IPv4' | 'IPv6';
  /** Settled while the agent subscribed. */
  readonly sync?: true;
}

/** Input (or answer, `sync`): TCP operation `op` reserved a port. */
export interface TcpReservedLine extends Timed<'tcp-reserved'> {
  /** The operation's number. */
  readonly op: number;
  /** Local address. */
  readonly address: string;
  /** The reserved port. */
  readonly port: number;
  /** Address family. */
  readonly family: 'IPv4' | 'IPv6';
  /** Settled while the agent subscribed. */
  readonly sync?: true;
}

/** The two ends of a TCP connection. */
export interface TcpEnds {
  /** Local address. */
  readonly localAddress: string;
  /** Local port. */
  readonly localPort: number;
  /** The peer's address. */
  readonly remoteAddress: string;
  /** The peer's port. */
  readonly remotePort: number;
}

/** Input (or answer, `sync`): `connectTcp` operation `op` established connection `conn`. */
export interface TcpConnectedLine extends Timed<'tcp-connected'>, TcpEnds {
  /** The operation's number. */
  readonly op: number;
  /** The connection's number. */
  readonly conn: number;
  /** Settled while the agent subscribed. */
  readonly sync?: true;
}

/** Input (or answer, `sync`): TCP operation `op` failed (the replay errors with a `BindError`). */
export interface TcpFailedLine extends Timed<'tcp-failed'> {
  /** The operation's number. */
  readonly op: number;
  /** The error's message. */
  readonly message: string;
  /** Failed while the agent subscribed. */
  readonly sync?: true;
}

/** Input: the listener of operation `op` accepted connection `conn`. */
export interface TcpAcceptedLine extends Timed<'tcp-accepted'>, TcpEnds {
  /** The listener's operation number. */
  readonly op: number;
  /** The connection's number. */
  readonly conn: number;
}

/** Input: the listener of operation `op` stopped by itself. */
export interface TcpListenEndLine extends Timed<'tcp-listen-end'> {
  /** The listener's operation number. */
  readonly op: number;
}

/** Input: bytes arrived on connection `conn`. */
export interface TcpDataLine extends Timed<'tcp-data'> {
  /** The connection's number. */
  readonly conn: number;
  /** The bytes, in hex. */
  readonly hex: string;
}

/** Input: connection `conn` ended by itself, for `reason`. */
export interface TcpEndLine extends Timed<'tcp-end'> {
  /** The connection's number. */
  readonly conn: number;
  /** Its `closeReason`. */
  readonly reason: 'end' | 'reset' | 'error' | 'closed';
}

/** Answer: the `read`-th reading (from 0) of connection `conn`'s `bufferedAmount` gave `bytes`, a new value (unchanged readings are not logged). */
export interface TcpBufferedLine extends Timed<'tcp-buffered'> {
  /** The connection's number. */
  readonly conn: number;
  /** Which reading, from 0. */
  readonly read: number;
  /** The value read. */
  readonly bytes: number;
}

/** Input (or answer, `sync`): lookup `id` of `host` gave `addresses`, or failed with `message`. */
export interface LookupLine extends Timed<'lookup'> {
  /** The lookup's number. */
  readonly id: number;
  /** The name looked up. */
  readonly host: string;
  /** Its addresses (absent when it failed). */
  readonly addresses?: readonly string[];
  /** Why it failed (absent when it succeeded). */
  readonly message?: string;
  /** Settled while the agent subscribed. */
  readonly sync?: true;
}

/** Output: the agent wrote bytes on connection `conn`. */
export interface TcpWriteLine extends Timed<'tcp-write'> {
  /** The connection's number. */
  readonly conn: number;
  /** The bytes, in hex. */
  readonly hex: string;
}

/** Output: the agent closed (`close`) or reset (`reset`) connection `conn`. */
export interface TcpCloseLine extends Timed<'tcp-close'> {
  /** The connection's number. */
  readonly conn: number;
  /** `close` (FIN) or `reset` (RST). */
  readonly how: 'close' | 'reset';
}

/** Output: the agent closed the listener or released the reservation of operation `op`. */
export interface TcpReleaseLine extends Timed<'tcp-release'> {
  /** The operation's number. */
  readonly op: number;
}

/** TCP operation results, inputs or (with `sync`) answers. */
export type TcpSettledLine = TcpListeningLine | TcpReservedLine | TcpConnectedLine | TcpFailedLine;

/** Inputs of TCP and lookups. */
export type TcpInputLine =
  | TcpSettledLine
  | TcpAcceptedLine
  | TcpListenEndLine
  | TcpDataLine
  | TcpEndLine
  | LookupLine;

/** Outputs of TCP. */
export type TcpOutputLine = TcpWriteLine | TcpCloseLine | TcpReleaseLine;

/** The kinds that settle a numbered operation (a TCP one, or a lookup). */
export const SETTLING_KINDS: ReadonlySet<string> = new Set([
  'tcp-listening',
  'tcp-reserved',
  'tcp-connected',
  'tcp-failed',
  'lookup',
]);
