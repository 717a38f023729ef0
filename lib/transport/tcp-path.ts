/**
 * One connection of a {@link TcpPacketSocket} (the path of one pair): its
 * state, and how its bytes are read: RFC 4571 deframing under the
 * pre-authentication guard.
 * @internal
 * @module
 */
import type { Subscription } from 'rxjs';
import { Rfc4571Deframer } from './rfc4571.js';
import type { TcpPacketSocket } from './tcp-packet-socket.js';
import { PRE_AUTH_MAX_BYTES, PRE_AUTH_TIMEOUT, type TcpPreAuthGuard } from './tcp-socket-limits.js';
import type { TcpConnection } from './types.js';

/** A connection to one destination, open or being opened. */
export interface Path {
  connection: TcpConnection | undefined;
  /** Frames waiting for the connection to open. */
  readonly pending: Uint8Array[];
  readonly subscriptions: Subscription[];
  /** An authenticated STUN message went over it ({@link TcpPacketSocket.authenticate}). */
  authenticated: boolean;
  /** Bytes received before it was authenticated. */
  preAuthBytes: number;
}

/** A path with nothing yet. */
export const newPath = (): Path => ({
  connection: undefined,
  pending: [],
  subscriptions: [],
  authenticated: false,
  preAuthBytes: 0,
});

/** What {@link readPath} tells its socket. */
export interface PathReader {
  /** Whether the path is still the socket's (a handler may have dropped it). */
  live(): boolean;
  /** One datagram read. */
  deliver(data: Uint8Array): void;
  /** The connection ended by itself (FIN, RST, error). */
  ended(): void;
  /** The guard gave up on it: too many bytes, or too long, before it authenticated. */
  rejected(why: 'overflow' | 'timeout'): void;
}

/** Reads `connection` for `path`: datagrams out, and the guard (when given) on the bytes and the time. */
export function readPath(
  path: Path,
  connection: TcpConnection,
  guard: TcpPreAuthGuard | undefined,
  reader: PathReader,
): void {
  path.connection = connection;
  const deframer = new Rfc4571Deframer();
  const maxPreAuthBytes = guard?.maxBytes ?? PRE_AUTH_MAX_BYTES;
  path.subscriptions.push(
    connection.data$.subscribe({
      next: (chunk) => {
        if (guard !== undefined && !path.authenticated) {
          path.preAuthBytes += chunk.byteLength;
          if (path.preAuthBytes > maxPreAuthBytes) {
            reader.rejected('overflow');
            return;
          }
        }
        for (const data of deframer.push(chunk)) {
          // Also stops once a datagram's handler dropped this path (a reset or the guard).
          if (!reader.live()) return;
          reader.deliver(data);
        }
      },
      complete: () => {
        if (reader.live()) reader.ended();
      },
    }),
  );
  if (guard !== undefined) {
    path.subscriptions.push(
      guard.scheduler.schedule(() => {
        if (!path.authenticated && reader.live()) reader.rejected('timeout');
      }, guard.timeout ?? PRE_AUTH_TIMEOUT),
    );
  }
}
