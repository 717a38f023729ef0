/**
 * TCP for tests in virtual time: listeners and connections between the
 * addresses of virtual hosts, driven by the network's scheduler. Bytes
 * arrive in order after the one-way latency; a connect to a port nobody
 * listens on is refused after a round trip; and the hooks a test needs to
 * break things: a reader that stops reading (its peer's `bufferedAmount`
 * grows), a reset, and a half-open connection (both ends silent, nobody told).
 * No NAT traversal: TCP goes straight from address to address.
 * @module
 */
import { Observable, type SchedulerLike, Subject, throwError } from 'rxjs';
import { BindError, InvalidArgumentError } from '../errors.js';
import type {
  AddressFamily,
  PacketSocket,
  PortRange,
  TcpCloseReason,
  TcpConnection,
  TcpListener,
  Transport,
} from '../transport/types.js';
import { familyOf, isValidPortRange, normalizeAddress } from './network-addresses.js';

const EPHEMERAL_MIN = 49152;
const EPHEMERAL_MAX = 65535;

/** Settings of a {@link VirtualTcpNetwork}. */
export interface VirtualTcpOptions {
  /** The scheduler bytes travel on (the virtual network's). */
  readonly scheduler: SchedulerLike;
  /** One-way latency of every connection, ms (default 10). */
  readonly latency?: number;
}

/** Counters of a {@link VirtualTcpNetwork}. */
export interface VirtualTcpStats {
  /** Connections established. */
  readonly connections: number;
  /** Connects refused (no listener). */
  readonly refused: number;
  /** Bytes delivered to a reader. */
  readonly bytesDelivered: number;
}

/**
 * The TCP half of a virtual network. {@link withTcp} adds it to a virtual
 * host's transport; `blockUdp` there makes a host whose UDP goes nowhere.
 */
export class VirtualTcpNetwork {
  readonly #scheduler: SchedulerLike;
  readonly #latency: number;
  readonly #listeners = new Map<string, VirtualListener>();
  readonly #ports = new Map<string, Set<number>>();
  readonly #nextEphemeral = new Map<string, number>();
  readonly #stats = { connections: 0, refused: 0, bytesDelivered: 0 };
  /** Every connection end opened so far, for tests to break. */
  readonly #ends: VirtualTcpEnd[] = [];

  constructor(options: VirtualTcpOptions) {
    this.#scheduler = options.scheduler;
    this.#latency = options.latency ?? 10;
  }

  /** Counters so far. */
  get stats(): VirtualTcpStats {
    return { ...this.#stats };
  }

  /** Every connection end opened so far (both ends of each connection), oldest first. */
  get connections(): readonly VirtualTcpEnd[] {
    return this.#ends;
  }

  /** Listens on `address`, on the first free port of `ports` (an ephemeral one when omitted). */
  listen(address: string, ports?: PortRange): Observable<TcpListener> {
    const normal = normalizeAddress(address);
    if (normal === undefined)
      return throwError(() => new InvalidArgumentError(`not an IP address: ${address}`));
    if (ports !== undefined && !isValidPortRange(ports)) {
      const { min, max } = ports as PortRange;
      return throwError(() => new InvalidArgumentError(`invalid port range ${String(min)}-${String(max)}`));
    }
    return new Observable<TcpListener>((subscriber) => {
      const port = this.#allocate(normal, ports);
      if (port === undefined) {
        subscriber.error(new BindError(`no free TCP port on ${address}`));
        return;
      }
      const listener = new VirtualListener(normal, port, () => {
        this.#listeners.delete(`${normal}|${port}`);
        this.#ports.get(normal)?.delete(port);
      });
      this.#listeners.set(`${normal}|${port}`, listener);
      subscriber.next(listener);
      subscriber.complete();
    });
  }

  /**
   * Opens a connection from `localAddress` (an ephemeral port) to
   * `remoteAddress:remotePort`: established after a round trip, refused
   * (error) after a round trip when nothing listens there.
   */
  connect(localAddress: string, remoteAddress: string, remotePort: number): Observable<TcpConnection> {
    return new Observable<TcpConnection>((subscriber) => {
      const local = normalizeAddress(localAddress);
      const remote = normalizeAddress(remoteAddress);
      if (local === undefined || remote === undefined) {
        subscriber.error(new InvalidArgumentError(`not an IP address: ${localAddress} / ${remoteAddress}`));
        return;
      }
      const port = this.#allocate(local, undefined);
      if (port === undefined) {
        subscriber.error(new BindError(`no free TCP port on ${localAddress}`));
        return;
      }
      const release = (): void => void this.#ports.get(local)?.delete(port);
      // SYN arrives after one latency; SYN-ACK (or RST) comes back after another.
      const syn = this.#scheduler.schedule(() => {
        const listener = this.#listeners.get(`${remote}|${remotePort}`);
        if (listener === undefined) {
          this.#stats.refused++;
          this.#scheduler.schedule(() => {
            release();
            subscriber.error(new Error(`ECONNREFUSED ${remote}:${remotePort}`));
          }, this.#latency);
          return;
        }
        const client = new VirtualTcpEnd(this, local, port, remote, remotePort, release);
        const server = new VirtualTcpEnd(this, remote, remotePort, local, port, () => {});
        client.peer = server;
        server.peer = client;
        this.#ends.push(client, server);
        this.#stats.connections++;
        listener.accept(server);
        this.#scheduler.schedule(() => {
          if (subscriber.closed) {
            client.reset();
            return;
          }
          subscriber.next(client);
          subscriber.complete();
        }, this.#latency);
      }, this.#latency);
      return () => {
        if (!subscriber.closed) syn.unsubscribe();
      };
    });
  }

  /** Runs `work` after the one-way latency. @internal */
  later(work: () => void): void {
    this.#scheduler.schedule(work, this.#latency);
  }

  /** Counts bytes handed to a reader. @internal */
  delivered(bytes: number): void {
    this.#stats.bytesDelivered += bytes;
  }

  #allocate(address: string, ports: PortRange | undefined): number | undefined {
    let used = this.#ports.get(address);
    if (used === undefined) {
      used = new Set();
      this.#ports.set(address, used);
    }
    if (ports !== undefined) {
      for (let p = ports.min; p <= ports.max; p++) {
        if (!used.has(p)) {
          used.add(p);
          return p;
        }
      }
      return undefined;
    }
    let p = this.#nextEphemeral.get(address) ?? EPHEMERAL_MIN;
    for (let i = 0; i <= EPHEMERAL_MAX - EPHEMERAL_MIN; i++) {
      const candidate = p;
      p = p === EPHEMERAL_MAX ? EPHEMERAL_MIN : p + 1;
      if (!used.has(candidate)) {
        used.add(candidate);
        this.#nextEphemeral.set(address, p);
        return candidate;
      }
    }
    return undefined;
  }
}

class VirtualListener implements TcpListener {
  readonly family: AddressFamily;
  readonly connections$: Observable<TcpConnection>;
  readonly #connections = new Subject<TcpConnection>();
  #closed = false;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly release: () => void,
  ) {
    this.family = familyOf(address);
    this.connections$ = this.#connections.asObservable();
  }

  accept(end: VirtualTcpEnd): void {
    if (this.#closed) end.reset();
    else this.#connections.next(end);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.release();
    this.#connections.complete();
  }
}

/**
 * One end of a virtual TCP connection. Besides {@link TcpConnection}, tests
 * can stop its reader ({@link pauseReading}) and make the connection
 * half-open ({@link goSilent}).
 */
export class VirtualTcpEnd implements TcpConnection {
  /** The other end (set right after construction). @internal */
  peer: VirtualTcpEnd | undefined;
  readonly data$: Observable<Uint8Array>;
  readonly #data = new Subject<Uint8Array>();
  /** Bytes that arrived while reading was paused, in order. */
  readonly #unread: Uint8Array[] = [];
  #paused = false;
  #silent = false;
  /** Bytes written here and not yet read by the peer's reader. */
  #inFlight = 0;
  #closeReason: TcpCloseReason | undefined;

  constructor(
    private readonly network: VirtualTcpNetwork,
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly release: () => void,
  ) {
    this.data$ = this.#data.asObservable();
  }

  get bufferedAmount(): number {
    return this.#inFlight;
  }

  get closeReason(): TcpCloseReason | undefined {
    return this.#closeReason;
  }

  write(data: Uint8Array): void {
    if (this.#closeReason !== undefined) return;
    const copy = new Uint8Array(data);
    this.#inFlight += copy.byteLength;
    if (this.#silent) return; // never acknowledged: stays buffered
    this.network.later(() => this.peer?.arrive(copy, this));
  }

  close(): void {
    if (this.#closeReason !== undefined) return;
    this.#end('closed');
    if (!this.#silent) this.network.later(() => this.peer?.ended('end'));
  }

  reset(): void {
    if (this.#closeReason !== undefined) return;
    this.#end('closed');
    if (!this.#silent) this.network.later(() => this.peer?.ended('reset'));
  }

  /** Test hook: the application stops reading; what arrives waits and the writer's buffer grows. */
  pauseReading(paused: boolean): void {
    this.#paused = paused;
    if (paused) return;
    for (const chunk of this.#unread.splice(0)) this.#deliver(chunk);
  }

  /**
   * Test hook: the path goes dead without a FIN or RST (a half-open
   * connection): nothing sent either way arrives, and neither end is told.
   */
  goSilent(): void {
    this.#silent = true;
    if (this.peer) this.peer.#silent = true;
  }

  /** Bytes from the peer. @internal */
  arrive(chunk: Uint8Array, from: VirtualTcpEnd): void {
    if (this.#closeReason !== undefined || this.#silent) return;
    if (this.#paused) {
      this.#unread.push(chunk);
      return;
    }
    this.#deliver(chunk, from);
  }

  #deliver(chunk: Uint8Array, from = this.peer): void {
    if (from) from.#inFlight -= chunk.byteLength;
    this.network.delivered(chunk.byteLength);
    this.#data.next(chunk);
  }

  /** The peer's FIN or RST arrived. @internal */
  ended(reason: TcpCloseReason): void {
    if (!this.#silent) this.#end(reason);
  }

  #end(reason: TcpCloseReason): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    this.#unread.length = 0;
    this.release();
    this.#data.complete();
  }
}

/** Options of {@link withTcp}. */
export interface WithTcpOptions {
  /** Drop every UDP datagram the host sends (a network that blocks UDP). Default false. */
  readonly blockUdp?: boolean;
}

/**
 * A virtual host's transport with TCP from `tcp` added; with `blockUdp`, its
 * UDP sockets bind but every datagram they send is dropped (counted in the
 * socket's `sendErrors`), as on a network that only lets TCP out.
 */
export function withTcp(host: Transport, tcp: VirtualTcpNetwork, options: WithTcpOptions = {}): Transport {
  const blockUdp = options.blockUdp === true;
  return {
    hostAddresses: () => host.hostAddresses(),
    bind: (address, ports) =>
      blockUdp
        ? new Observable<PacketSocket>((subscriber) =>
            host.bind(address, ports).subscribe({
              next: (socket) => subscriber.next(blockedUdp(socket)),
              error: (e: unknown) => subscriber.error(e),
              complete: () => subscriber.complete(),
            }),
          )
        : host.bind(address, ports),
    listenTcp: (address, ports) => tcp.listen(address, ports),
    connectTcp: (local, address, port) => tcp.connect(local, address, port),
  };
}

function blockedUdp(socket: PacketSocket): PacketSocket {
  let dropped = 0;
  return {
    address: socket.address,
    port: socket.port,
    family: socket.family,
    packets$: socket.packets$,
    send: () => {
      dropped++;
    },
    get sendErrors() {
      return socket.sendErrors + dropped;
    },
    close: () => socket.close(),
  };
}
