/**
 * A connection to a TURN server over TCP or TLS (opened by the transport's
 * `connectServerStream`) that carries framed STUN and ChannelData messages
 * (RFC 8656 §12.5). No Node timers: how long to wait for the server is the
 * TURN transactions' business, timed on the agent's scheduler.
 */
import type { Observable, Subscription } from 'rxjs';
import type { TcpCloseReason, TcpConnection } from '../transport/types.js';
import { StreamFramer } from './stream-framing.js';

/** What the connection reports. */
export interface StreamHandlers {
  /** One whole STUN or ChannelData message. */
  message(bytes: Uint8Array): void;
  /** The connection is gone (failed to open, broke, server closed it, unframeable stream); called once, not after `close()`. */
  lost(reason: string): void;
}

/**
 * Messages written before the connection is up wait, up to this many (the TURN
 * client sends one Allocate, then at most a handful of requests before the
 * server answers); more are dropped, as on a full socket buffer.
 */
const MAX_WAITING_MESSAGES = 16;

const LOST_REASONS: Record<TcpCloseReason, string> = {
  end: 'the server closed the connection',
  reset: 'ECONNRESET',
  error: 'connection error',
  closed: 'connection closed',
};

/** A framed message stream to one TURN server. */
export class StreamConnection {
  private readonly framer = new StreamFramer();
  private connection: TcpConnection | undefined;
  private waiting: Uint8Array[] = [];
  private subscription: Subscription | undefined;
  private closed = false;
  /** Bytes written, for stats. */
  bytesWritten = 0;

  /** @param connect the transport's connection, opened by {@link open} */
  constructor(
    private readonly connect: Observable<TcpConnection>,
    private readonly handlers: StreamHandlers,
  ) {}

  /** Opens the connection (once): what was sent before goes out when it is up. */
  open(): void {
    if (this.closed || this.subscription) return;
    this.subscription = this.connect.subscribe({
      next: (connection) => this.opened(connection),
      error: (error: unknown) => this.lose(error instanceof Error ? error.message : String(error)),
    });
  }

  /** Writes one message; while connecting it waits (bounded). Dropped once closed. */
  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.bytesWritten += bytes.byteLength;
    if (this.connection) this.connection.write(bytes);
    else if (this.waiting.length < MAX_WAITING_MESSAGES) this.waiting.push(bytes);
  }

  /** Ends the connection after what was written is flushed (the deallocation included). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting = [];
    this.subscription?.unsubscribe(); // aborts a connection still being opened
    this.connection?.close();
  }

  private opened(connection: TcpConnection): void {
    if (this.closed) {
      connection.close();
      return;
    }
    this.connection = connection;
    connection.data$.subscribe({
      next: (chunk) => this.onData(chunk),
      complete: () => this.lose(LOST_REASONS[connection.closeReason ?? 'closed']),
    });
    const waiting = this.waiting;
    this.waiting = [];
    for (const bytes of waiting) connection.write(bytes);
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    const frames = this.framer.push(chunk);
    if (frames === 'corrupt') {
      this.lose('unframeable data from the server');
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.handlers.message(frame);
    }
  }

  private lose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting = [];
    this.subscription?.unsubscribe();
    this.connection?.reset();
    this.handlers.lost(reason);
  }
}
