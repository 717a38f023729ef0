/**
 * Real TCP (`node:net`) for ICE-TCP candidates: the `listenTcp`,
 * `connectTcp` and `reserveTcpPort` of a {@link Transport}. No Node timers: how long a connect
 * may take is the ICE checks' business, timed on the agent's scheduler.
 * @module
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { Observable, Subject, type Subscriber } from 'rxjs';
import { BindError, InvalidArgumentError } from '../errors.js';
import { isReservedTcpPort, reserveTcpPort } from './tcp-port-reservation.js';
import type {
  AddressFamily,
  PortRange,
  TcpCloseReason,
  TcpConnection,
  TcpListener,
  Transport,
} from './types.js';

export { reserveTcpPort } from './tcp-port-reservation.js';

/** Listens on `address`, on the first port of `ports` that is free (an OS-chosen one when omitted). */
export function listenTcp(address: string, ports?: PortRange): Observable<TcpListener> {
  return new Observable<TcpListener>((subscriber) => {
    const min = ports?.min ?? 0;
    const max = ports?.max ?? 0;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max > 65535 || min > max) {
      subscriber.error(new InvalidArgumentError(`invalid port range ${String(min)}-${String(max)}`));
      return;
    }
    let server: Server | undefined;
    let settled = false;
    let draws = 8; // an OS-chosen port may be one held for a simultaneous-open candidate
    const attempt = (port: number): void => {
      if (port !== 0 && isReservedTcpPort(address, port)) {
        // Held for a simultaneous-open candidate: a listener there would stop its connects.
        if (port < max) attempt(port + 1);
        else subscriber.error(new BindError(`no free TCP port on ${address} in ${min}-${max}`));
        return;
      }
      const s = createServer({ noDelay: true });
      server = s;
      s.once('error', (err: NodeJS.ErrnoException) => {
        s.close();
        if (err.code === 'EADDRINUSE' && port < max) attempt(port + 1);
        else
          subscriber.error(
            new BindError(`cannot listen on TCP ${address}:${port}: ${err.code ?? err.message}`),
          );
      });
      s.listen({ host: address, port, exclusive: true }, () => {
        const bound = s.address();
        if (
          port === 0 &&
          typeof bound === 'object' &&
          bound !== null &&
          isReservedTcpPort(address, bound.port)
        ) {
          s.close();
          if (--draws > 0) attempt(0);
          else subscriber.error(new BindError(`no free TCP port on ${address}`));
          return;
        }
        settled = true;
        subscriber.next(new NodeTcpListener(s));
        subscriber.complete();
      });
    };
    attempt(min);
    return () => {
      if (!settled) server?.close();
    };
  });
}

/**
 * Opens a connection from `localAddress` (from `localPort` when given, e.g. a
 * port of {@link reserveTcpPort}: Node binds it with SO_REUSEADDR) to
 * `remoteAddress:remotePort`; emits it once established.
 */
export function connectTcp(
  localAddress: string,
  remoteAddress: string,
  remotePort: number,
  localPort?: number,
): Observable<TcpConnection> {
  return new Observable<TcpConnection>((subscriber) => {
    const socket = connect({
      host: remoteAddress,
      port: remotePort,
      localAddress,
      ...(localPort === undefined ? {} : { localPort }),
      noDelay: true,
    });
    return settleConnection(
      socket,
      'connect',
      subscriber,
      (why) => new Error(`TCP connect to ${remoteAddress}:${remotePort} failed: ${why}`),
    );
  });
}

/**
 * Emits `socket` as a {@link NodeTcpConnection} on its `ready` event and
 * completes, or errors with `failed(code or message)` on its first error.
 * Returns the teardown: destroys a socket not yet ready.
 */
export function settleConnection(
  socket: Socket,
  ready: 'connect' | 'secureConnect',
  subscriber: Subscriber<TcpConnection>,
  failed: (why: string) => Error,
): () => void {
  let settled = false;
  const onError = (err: NodeJS.ErrnoException): void => {
    socket.destroy();
    subscriber.error(failed(err.code ?? err.message));
  };
  socket.once('error', onError);
  socket.once(ready, () => {
    settled = true;
    socket.off('error', onError);
    subscriber.next(new NodeTcpConnection(socket));
    subscriber.complete();
  });
  return () => {
    if (!settled) socket.destroy();
  };
}

/**
 * Adds real TCP ({@link listenTcp}, {@link connectTcp}, {@link reserveTcpPort})
 * to a transport that has none, e.g. `withNodeTcp(new UdpTransport())`.
 */
export function withNodeTcp<T extends Transport>(
  transport: T,
): T & Required<Pick<Transport, 'listenTcp' | 'connectTcp' | 'reserveTcpPort'>> {
  return Object.assign(transport, { listenTcp, connectTcp, reserveTcpPort });
}

class NodeTcpListener implements TcpListener {
  readonly address: string;
  readonly port: number;
  readonly family: AddressFamily;
  readonly connections$: Observable<TcpConnection>;
  readonly #connections = new Subject<TcpConnection>();
  #closed = false;

  constructor(private readonly server: Server) {
    const bound = server.address();
    if (bound === null || typeof bound === 'string') throw new BindError('TCP listener has no address');
    this.address = bound.address;
    this.port = bound.port;
    this.family = bound.family === 'IPv6' ? 'IPv6' : 'IPv4';
    this.connections$ = this.#connections.asObservable();
    server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      if (this.#closed || socket.remoteAddress === undefined) socket.destroy();
      else this.#connections.next(new NodeTcpConnection(socket));
    });
    server.on('error', () => this.close());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.server.close();
    this.#connections.complete();
  }
}

/** A `node:net` (or `node:tls`) socket as a {@link TcpConnection}. */
export class NodeTcpConnection implements TcpConnection {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly data$: Observable<Uint8Array>;
  readonly #data = new Subject<Uint8Array>();
  #closeReason: TcpCloseReason | undefined;

  constructor(private readonly socket: Socket) {
    this.localAddress = stripMapped(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
    this.remoteAddress = stripMapped(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.data$ = this.#data.asObservable();
    socket.on('data', (chunk: Buffer) => this.#data.next(chunk));
    socket.on('end', () => {
      // Half-close from the peer: ICE-TCP has no use for the other half.
      this.#end('end');
      socket.end();
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      this.#end(err.code === 'ECONNRESET' ? 'reset' : 'error'),
    );
    socket.on('close', () => this.#end('closed'));
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  get closeReason(): TcpCloseReason | undefined {
    return this.#closeReason;
  }

  write(data: Uint8Array): void {
    if (this.#closeReason !== undefined) return;
    this.socket.write(data);
  }

  close(): void {
    if (this.#closeReason === undefined) this.#end('closed');
    // Once flushed to the OS, release the descriptor.
    this.socket.end(() => this.socket.destroy());
  }

  reset(): void {
    if (this.#closeReason === undefined) this.#end('closed');
    this.socket.resetAndDestroy();
  }

  #end(reason: TcpCloseReason): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    this.#data.complete();
  }
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, as dual-stack sockets report IPv4 peers. */
function stripMapped(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
