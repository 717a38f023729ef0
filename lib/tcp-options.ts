/**
 * The `tcpLimits` agent option: how far an ICE-TCP connection may go before
 * it proves itself, and how much each candidate and connection may hold.
 * @module
 */
import { InvalidOptionError } from './errors.js';
import {
  DEFAULT_TCP_SOCKET_LIMITS,
  PRE_AUTH_MAX_BYTES,
  PRE_AUTH_TIMEOUT,
  type TcpSocketLimits,
} from './transport/tcp-socket-limits.js';

/** Bounds of the ICE-TCP connections (agent option `tcpLimits`; every field optional). */
export interface TcpLimits {
  /**
   * Ms a connection has, from opening, to carry an authenticated STUN message
   * (a check signed with our password, or an answer to our check) before it
   * is reset; default 10,000 (longer than a check's ~9.5 s of
   * retransmissions), 1,000 to 600,000.
   */
  readonly preAuthTimeout?: number;
  /** Bytes a connection may deliver before it is authenticated, else it is reset; default 16,384, 512 to 1,048,576. */
  readonly preAuthMaxBytes?: number;
  /** Connections a candidate holds open or opening at once, more are reset on accept; default 100, 1 to 10,000. */
  readonly maxConnections?: number;
  /**
   * Bytes a connection may hold written but unsent (a slow reader) before
   * datagrams to it are dropped; default 262,144 (256 KiB), 65,536 (one
   * largest datagram, framed) to 67,108,864.
   */
  readonly maxBufferedBytes?: number;
}

/** {@link TcpLimits} with every default filled in, as the TCP sockets take them. */
export interface ResolvedTcpLimits {
  /** Per-socket limits. */
  readonly socket: TcpSocketLimits;
  /** Pre-authentication timeout, ms. */
  readonly preAuthTimeout: number;
  /** Pre-authentication byte budget. */
  readonly preAuthMaxBytes: number;
}

const RANGES: Record<keyof TcpLimits, readonly [number, number]> = {
  preAuthTimeout: [1000, 600_000],
  preAuthMaxBytes: [512, 1_048_576],
  maxConnections: [1, 10_000],
  maxBufferedBytes: [65_536, 67_108_864],
};

/**
 * Validates the `tcpLimits` option and fills in the defaults (used only with
 * the `tcp` option).
 * @throws InvalidOptionError for anything but an object of known keys with
 *   integers in range.
 */
export function resolveTcpLimits(value: unknown): ResolvedTcpLimits {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new InvalidOptionError(
      'tcpLimits must be an object { preAuthTimeout?, preAuthMaxBytes?, maxConnections?, maxBufferedBytes? }',
    );
  }
  const given = (value ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in RANGES)) {
      throw new InvalidOptionError(`tcpLimits.${key} is not a TCP limit (${Object.keys(RANGES).join(', ')})`);
    }
  }
  const read = (key: keyof TcpLimits, fallback: number): number => {
    const v = given[key] ?? fallback;
    const [min, max] = RANGES[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new InvalidOptionError(
        `tcpLimits.${key} must be an integer from ${min} to ${max}, got ${String(v)}`,
      );
    }
    return v;
  };
  return {
    socket: {
      ...DEFAULT_TCP_SOCKET_LIMITS,
      maxConnections: read('maxConnections', DEFAULT_TCP_SOCKET_LIMITS.maxConnections),
      maxBufferedBytes: read('maxBufferedBytes', DEFAULT_TCP_SOCKET_LIMITS.maxBufferedBytes),
    },
    preAuthTimeout: read('preAuthTimeout', PRE_AUTH_TIMEOUT),
    preAuthMaxBytes: read('preAuthMaxBytes', PRE_AUTH_MAX_BYTES),
  };
}
