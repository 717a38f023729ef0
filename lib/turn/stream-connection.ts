/**
 * A TCP (`node:net`) or TLS (`node:tls`) connection to a TURN server that
 * carries framed STUN and ChannelData messages (RFC 8656 §12.5). No Node
 * timers: how long to wait for the server is the TURN transactions' business,
 * timed on the agent's scheduler.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { StreamFramer } from './stream-framing.js';

/** TLS settings for `turns:` servers (passed to `tls.connect`). */
export interface TurnTlsOptions {
  /** Trusted CA certificates (PEM), replacing Node's default list; for private or test servers. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Verify the server certificate (default true). Turn it off only in tests. */
  readonly rejectUnauthorized?: boolean;
}

/** Where and how to connect. */
export interface StreamTarget {
  readonly address: string;
  readonly port: number;
  /** Local address to connect from (the host candidate's address). */
  readonly localAddress?: string;
  /** TLS when set; `servername` is the URL's host name, for SNI and the certificate check. */
  readonly tls?: TurnTlsOptions & { readonly servername?: string };
}

/** What the connection reports. */
export interface StreamHandlers {
  /** One whole STUN or ChannelData message. */
  message(bytes: Uint8Array): void;
  /** The connection is gone (error, server closed it, unframeable stream); called once, not after `close()`. */
  lost(reason: string): void;
}

/** A framed message stream to one TURN server. */
export class StreamConnection {
  private readonly socket: Socket;
  private readonly framer = new StreamFramer();
  private closed = false;
  /** Bytes written, for stats. */
  bytesWritten = 0;

  constructor(
    target: StreamTarget,
    private readonly handlers: StreamHandlers,
  ) {
    const base = { host: target.address, port: target.port, localAddress: target.localAddress };
    if (target.tls) {
      const { servername, ca, rejectUnauthorized } = target.tls;
      const options: ConnectionOptions = { ...base, rejectUnauthorized: rejectUnauthorized ?? true };
      if (ca !== undefined) options.ca = ca as ConnectionOptions['ca'];
      if (servername !== undefined) options.servername = servername;
      this.socket = tlsConnect(options);
    } else {
      this.socket = netConnect(base);
    }
    this.socket.setNoDelay(true);
    this.socket.on('data', this.onData);
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.lose(err.code ?? err.message));
    this.socket.on('end', () => this.lose('the server closed the connection'));
    this.socket.on('close', () => this.lose('connection closed'));
  }

  /** Writes one message; while connecting Node buffers it. Dropped once closed. */
  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.bytesWritten += bytes.byteLength;
    this.socket.write(bytes);
  }

  /** Ends the connection after what was written is flushed (the deallocation included). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.off('data', this.onData);
    // Once flushed to the OS, release the descriptor; the kernel still delivers the queued bytes.
    this.socket.end(() => this.socket.destroy());
  }

  private readonly onData = (chunk: Buffer): void => {
    const frames = this.framer.push(chunk);
    if (frames === 'corrupt') {
      this.lose('unframeable data from the server');
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.handlers.message(frame);
    }
  };

  private lose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.handlers.lost(reason);
  }
}
