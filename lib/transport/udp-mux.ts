/**
 * One UDP port for many agents: a {@link Transport} over a single
 * `node:dgram` socket that routes each datagram to the agent it belongs to.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { AsyncSubject, Observable, throwError } from 'rxjs';
import { BindError, InvalidOptionError } from '../errors.js';
import { isRequestType, isStunPacket, readUint16, STUN_HEADER_LENGTH, scanStun } from '../stun/raw.js';
import { closeQuietly, setBufferSizes } from './dgram-socket.js';
import { addressKey, type MuxRouteLimits, MuxRoutes } from './mux-routes.js';
import { type MuxHost, MuxSocket } from './mux-socket.js';
import { connectServerStream } from './server-stream.js';
import type {
  AddressFamily,
  HostAddress,
  PacketSocket,
  PortRange,
  ServerStreamTarget,
  TcpConnection,
  Transport,
} from './types.js';

/** Options of {@link UdpMux.listen}. */
export interface UdpMuxOptions {
  /**
   * The IP address to bind and announce (every agent's host candidate): a
   * concrete address, not `0.0.0.0` or `::`.
   */
  readonly address: string;
  /** The UDP port; 0 or omitted: one the OS picks (read it from {@link UdpMux.port}). */
  readonly port?: number;
  /**
   * SO_RCVBUF / SO_SNDBUF requested, in bytes (default 4 MiB: one socket
   * carries every session; 0 keeps the OS default). The OS may cap it
   * (Linux: `net.core.rmem_max`); failures are ignored.
   */
  readonly socketBufferSize?: number;
  /** Most ufrags claimed at once: an agent holds one, two during a restart (default 200,000). */
  readonly maxUfrags?: number;
  /** Most outstanding STUN request transaction ids remembered; the oldest are forgotten first (default 200,000). */
  readonly maxTransactions?: number;
  /** Most learned remote addresses, all agents together; the oldest are forgotten first (default 200,000). */
  readonly maxAddresses?: number;
  /** Most learned remote addresses per agent; its oldest is forgotten first (default 64). */
  readonly maxAddressesPerSession?: number;
}

/** Counters and table sizes of a {@link UdpMux} (`mux.getStats()`). */
export interface UdpMuxStats {
  /** Datagrams delivered to an agent (the sum of the three `routedBy…`). */
  readonly routed: number;
  /** STUN requests delivered by the local ufrag in USERNAME. */
  readonly routedByUfrag: number;
  /** STUN responses delivered by transaction id. */
  readonly routedByTransaction: number;
  /** Other datagrams (data, indications) delivered by their source address. */
  readonly routedByAddress: number;
  /** STUN requests without USERNAME, or whose ufrag no agent on the mux holds. */
  readonly droppedUnknownUfrag: number;
  /** Responses to no outstanding request, and datagrams from an address no agent sent to. */
  readonly droppedUnroutable: number;
  /** Datagrams that look like STUN but are not well-formed (framing, limits, truncated attributes). */
  readonly droppedMalformed: number;
  /** Datagrams sent by the agents. */
  readonly sent: number;
  /** Sends that failed (counted, never thrown). */
  readonly sendErrors: number;
  /** Virtual sockets open (one per gathering agent). */
  readonly sockets: number;
  /** Ufrags claimed. */
  readonly ufrags: number;
  /** Outstanding request transaction ids remembered. */
  readonly transactions: number;
  /** Learned remote addresses. */
  readonly addresses: number;
}

const DEFAULT_BUFFER_SIZE = 4 << 20;
const DEFAULT_TABLE_LIMIT = 200_000;
const DEFAULT_ADDRESSES_PER_SESSION = 64;
/** Byte of `:` that ends the local ufrag in a check's USERNAME (`local:remote`, RFC 8445 §7.2.2). */
const COLON = 0x3a;

/**
 * One UDP port for many agents: a {@link Transport} over one `node:dgram`
 * socket. Every agent built with `transport: mux` gets a virtual socket on
 * it, and its host candidate is the mux's address and port; file descriptors
 * stay at one per mux.
 *
 * Routing, per datagram one Map lookup: a STUN request goes to the agent whose
 * local ufrag is the first half of its USERNAME; a STUN response to the agent
 * that sent the request (by transaction id); anything else to the agent that
 * last sent to its source address. What cannot be routed is dropped and
 * counted ({@link getStats}), never thrown. An agent's ufrag routes go when it
 * stops or restarts; agents claim their ufrags, so two agents on one mux never
 * share one.
 *
 * Limits: agents on one mux cannot tell apart non-STUN datagrams from one
 * remote address (two sessions with the same remote transport address, e.g.
 * two agents on one mux facing two agents on another mux: data goes to the
 * one that sent there last); TURN over UDP from a mux gets one allocation
 * per TURN server (one 5-tuple); host candidates only on the mux's address.
 *
 * @example
 * ```ts
 * const mux = await UdpMux.listen({ address: '203.0.113.7', port: 3478 });
 * const agent = new IceAgent({ role: 'controlled', transport: mux });
 * ```
 */
export class UdpMux implements Transport {
  /** The bound (and announced) address. */
  readonly address: string;
  /** The bound port. */
  readonly port: number;
  /** IPv4 or IPv6. */
  readonly family: AddressFamily;
  /** Emits once, then completes, when the mux closes: the agents on it stop. */
  readonly closed$: Observable<void>;
  readonly #socket: Socket;
  readonly #routes: MuxRoutes<MuxSocket>;
  readonly #sockets = new Set<MuxSocket>();
  readonly #closed = new AsyncSubject<void>();
  readonly #host: MuxHost;
  #open = true;
  #inFlight = 0;
  #routedByUfrag = 0;
  #routedByTransaction = 0;
  #routedByAddress = 0;
  #droppedUnknownUfrag = 0;
  #droppedUnroutable = 0;
  #droppedMalformed = 0;
  #sent = 0;
  #sendErrors = 0;

  private constructor(socket: Socket, address: string, family: AddressFamily, limits: MuxRouteLimits) {
    this.#socket = socket;
    this.address = address;
    this.family = family;
    this.port = socket.address().port;
    this.#routes = new MuxRoutes<MuxSocket>(limits);
    this.closed$ = this.#closed.asObservable();
    this.#host = {
      routes: this.#routes,
      send: (data, port, address, done) => this.#send(data, port, address, done),
      settled: (err) => this.#settled(err),
      detach: (s) => this.#sockets.delete(s),
    };
    socket.on('message', this.#onMessage);
    socket.on('error', this.#onError);
    socket.on('close', () => this.close());
  }

  /**
   * Binds the mux's socket. Rejects with {@link InvalidOptionError} for bad
   * options and {@link BindError} (cause: the OS error) when the port cannot
   * be bound.
   */
  static listen(options: UdpMuxOptions): Promise<UdpMux> {
    let checked: Required<UdpMuxOptions>;
    try {
      checked = checkOptions(options);
    } catch (err) {
      return Promise.reject(err);
    }
    const version = isIP(checked.address);
    const socket = createSocket({ type: version === 6 ? 'udp6' : 'udp4' });
    return new Promise<UdpMux>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        try {
          socket.close();
        } catch {
          // never bound
        }
        reject(
          new BindError(`UdpMux cannot bind ${checked.address}:${checked.port}: ${err.code ?? err.message}`, {
            cause: err,
          }),
        );
      };
      socket.once('error', onError);
      socket.bind({ address: checked.address, port: checked.port, exclusive: true }, () => {
        socket.off('error', onError);
        if (checked.socketBufferSize > 0) setBufferSizes(socket, checked.socketBufferSize);
        resolve(new UdpMux(socket, checked.address, version === 6 ? 'IPv6' : 'IPv4', checked));
      });
    });
  }

  /**
   * The mux's one address, marked not internal even on loopback: the
   * application chose it, so agents gather it without an `ipFilter`.
   */
  hostAddresses(): readonly HostAddress[] {
    return [{ address: this.address, family: this.family, iface: 'udp-mux', internal: false }];
  }

  /** A TCP or TLS connection to a TURN server, over `node:net`/`node:tls` (not through the mux's port). */
  connectServerStream(target: ServerStreamTarget): Observable<TcpConnection> {
    return connectServerStream(target);
  }

  /**
   * A new virtual socket for one agent (emitted synchronously). Errors with a
   * {@link BindError} after `close()`, for another address than the mux's,
   * or when `ports` leaves out the mux's port.
   */
  bind(address: string, ports?: PortRange): Observable<PacketSocket> {
    if (!this.#open) return throwError(() => new BindError('UdpMux is closed'));
    if (address !== this.address) {
      return throwError(() => new BindError(`UdpMux on ${this.address} cannot bind ${address}`));
    }
    if (ports && (this.port < ports.min || this.port > ports.max)) {
      return throwError(
        () => new BindError(`UdpMux port ${this.port} is outside the range ${ports.min}-${ports.max}`),
      );
    }
    return new Observable<PacketSocket>((subscriber) => {
      if (!this.#open) {
        subscriber.error(new BindError('UdpMux is closed'));
        return;
      }
      const socket = new MuxSocket(this.#host, this.address, this.port, this.family);
      this.#sockets.add(socket);
      subscriber.next(socket);
      subscriber.complete();
    });
  }

  /** Reserves a ufrag for one agent: false when another agent holds it. */
  claimUfrag(ufrag: string): boolean {
    return this.#routes.claim(ufrag);
  }

  /** Gives back a claimed ufrag (its route goes with it). */
  releaseUfrag(ufrag: string): void {
    this.#routes.release(ufrag);
  }

  /** Counters and table sizes. */
  getStats(): UdpMuxStats {
    const routes = this.#routes;
    return {
      routed: this.#routedByUfrag + this.#routedByTransaction + this.#routedByAddress,
      routedByUfrag: this.#routedByUfrag,
      routedByTransaction: this.#routedByTransaction,
      routedByAddress: this.#routedByAddress,
      droppedUnknownUfrag: this.#droppedUnknownUfrag,
      droppedUnroutable: this.#droppedUnroutable,
      droppedMalformed: this.#droppedMalformed,
      sent: this.#sent,
      sendErrors: this.#sendErrors,
      sockets: this.#sockets.size,
      ufrags: routes.ufrags.size,
      transactions: routes.transactions.size,
      addresses: routes.addresses.size,
    };
  }

  /**
   * Closes the mux: every agent on it stops (state `closed`), then the
   * socket closes once what was sent is out. Idempotent.
   */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#closed.next();
    this.#closed.complete(); // the agents stop, closing their sockets
    for (const socket of [...this.#sockets]) socket.close();
    if (this.#inFlight === 0) closeQuietly(this.#socket);
  }

  #send(data: Uint8Array, port: number, address: string, done: (err: Error | null) => void): boolean {
    if (!this.#open) return false;
    this.#inFlight++;
    this.#sent++;
    try {
      // `done` is one callback per virtual socket, which calls #settled: no closure per datagram.
      this.#socket.send(data, port, address, done);
      return true;
    } catch {
      this.#inFlight--;
      this.#sendErrors++;
      return false;
    }
  }

  #settled(err: Error | null): void {
    if (err) this.#sendErrors++;
    if (--this.#inFlight === 0 && !this.#open) closeQuietly(this.#socket);
  }

  readonly #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    let target: MuxSocket | undefined;
    if (isStunPacket(msg)) {
      const scan = scanStun(msg);
      if (scan === undefined) {
        this.#droppedMalformed++;
        return;
      }
      if (isRequestType(scan.type)) {
        target = scan.username < 0 ? undefined : this.#routes.ufrags.get(localUfrag(msg, scan.username));
        if (target === undefined || target.closed) {
          this.#droppedUnknownUfrag++;
          return;
        }
        this.#routedByUfrag++;
      } else if ((scan.type & 0x0100) !== 0) {
        target = this.#routes.takeTransaction(msg.toString('latin1', 8, STUN_HEADER_LENGTH));
        if (target === undefined || target.closed) {
          this.#droppedUnroutable++;
          return;
        }
        this.#routedByTransaction++;
      }
    }
    if (target === undefined) {
      target = this.#routes.addresses.get(addressKey(rinfo.address, rinfo.port));
      if (target === undefined || target.closed) {
        this.#droppedUnroutable++;
        return;
      }
      this.#routedByAddress++;
    }
    target.deliver({ data: msg, address: rinfo.address, port: rinfo.port });
  };

  readonly #onError = (): void => {
    this.#sendErrors++;
  };
}

/** The local ufrag of a check: USERNAME up to its first `:` (the whole of it without one). */
function localUfrag(msg: Buffer, usernameAt: number): string {
  const start = usernameAt + 4;
  const end = start + readUint16(msg, usernameAt + 2);
  const colon = msg.indexOf(COLON, start);
  return msg.toString('latin1', start, colon < 0 || colon > end ? end : colon);
}

function checkOptions(options: UdpMuxOptions): Required<UdpMuxOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('UdpMux.listen needs options { address, port? }');
  }
  const { address } = options;
  if (typeof address !== 'string' || isIP(address) === 0) {
    throw new InvalidOptionError(`UdpMux address must be an IP address, got ${String(address)}`);
  }
  if (address === '0.0.0.0' || address === '::') {
    throw new InvalidOptionError(
      'UdpMux address must be a concrete address (it is every agent’s host candidate), not 0.0.0.0 or ::',
    );
  }
  const int = (name: string, value: number | undefined, fallback: number, min: number, max: number) => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v < min || v > max) {
      throw new InvalidOptionError(`UdpMux ${name} must be an integer in ${min}..${max}, got ${String(v)}`);
    }
    return v;
  };
  return {
    address,
    port: int('port', options.port, 0, 0, 65535),
    socketBufferSize: int('socketBufferSize', options.socketBufferSize, DEFAULT_BUFFER_SIZE, 0, 1 << 30),
    maxUfrags: int('maxUfrags', options.maxUfrags, DEFAULT_TABLE_LIMIT, 1, 1e7),
    maxTransactions: int('maxTransactions', options.maxTransactions, DEFAULT_TABLE_LIMIT, 1, 1e7),
    maxAddresses: int('maxAddresses', options.maxAddresses, DEFAULT_TABLE_LIMIT, 1, 1e7),
    maxAddressesPerSession: int(
      'maxAddressesPerSession',
      options.maxAddressesPerSession,
      DEFAULT_ADDRESSES_PER_SESSION,
      1,
      1e5,
    ),
  };
}
