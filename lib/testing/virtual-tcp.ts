/**
 * TCP for tests in virtual time: listeners and connections between the
 * addresses of virtual hosts, driven by the network's scheduler. Bytes
 * arrive in order after the one-way latency; a connect to a port nobody
 * listens on is refused after a round trip; and the hooks a test needs to
 * break things: a reader that stops reading (its peer's `bufferedAmount`
 * grows), a reset, and a half-open connection (both ends silent, nobody told).
 * Simultaneous open (two connects from reserved ports whose SYNs cross) makes
 * one connection, as RFC 6544 `so` candidates need. No NAT translation: TCP
 * goes straight from address to address, but a `filtered` address drops
 * SYNs nobody behind it asked for, as a NAT or stateful firewall does.
 * @module
 */
import { Observable, type SchedulerLike, throwError } from 'rxjs';
import { BindError, InvalidArgumentError } from '../errors.js';
import type { PortRange, TcpConnection, TcpListener, TcpPortReservation } from '../transport/types.js';
import { bindAddress, familyOf, normalizeAddress } from './network-addresses.js';
import { VirtualListener, VirtualTcpEnd } from './virtual-tcp-end.js';

export { VirtualTcpEnd, type VirtualTcpWire } from './virtual-tcp-end.js';
export { type WithTcpOptions, withTcp } from './with-tcp.js';

const EPHEMERAL_MIN = 49152;
const EPHEMERAL_MAX = 65535;

/** Settings of a {@link VirtualTcpNetwork}. */
export interface VirtualTcpOptions {
  /** The scheduler bytes travel on (the virtual network's). */
  readonly scheduler: SchedulerLike;
  /** One-way latency of every connection, ms (default 10). */
  readonly latency?: number;
  /**
   * Addresses behind a NAT or stateful firewall that drops unsolicited SYNs:
   * a connect to one gets no answer unless that address is connecting back
   * to the same ports at that moment (simultaneous open). Default none.
   */
  readonly filtered?: readonly string[];
  /** Ms an unanswered connect waits before it fails (ETIMEDOUT), default 20,000. */
  readonly synTimeout?: number;
}

/** A connect whose SYN is out and unanswered (TCP SYN-SENT). */
interface Opening {
  /** The SYNs crossed, or the peer accepted: `end` is this side's end. */
  established(end: VirtualTcpEnd): void;
}

/** Counters of a {@link VirtualTcpNetwork}. */
export interface VirtualTcpStats {
  /** Connections established. */
  readonly connections: number;
  /** Connects refused (no listener, nobody connecting back). */
  readonly refused: number;
  /** Connections opened by simultaneous open (crossing SYNs); also counted in `connections`. */
  readonly crossed: number;
  /** SYNs dropped at a `filtered` address. */
  readonly dropped: number;
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
  readonly #stats = { connections: 0, refused: 0, crossed: 0, dropped: 0, bytesDelivered: 0 };
  /** Connects in SYN-SENT by `local|port|remote|remotePort`. */
  readonly #opening = new Map<string, Opening>();
  readonly #filteredAddresses: ReadonlySet<string>;
  readonly #synTimeout: number;
  /** Every connection end opened so far, for tests to break. */
  readonly #ends: VirtualTcpEnd[] = [];

  constructor(options: VirtualTcpOptions) {
    this.#scheduler = options.scheduler;
    this.#latency = options.latency ?? 10;
    this.#synTimeout = options.synTimeout ?? 20_000;
    this.#filteredAddresses = new Set((options.filtered ?? []).map((a) => normalizeAddress(a) ?? a));
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
    const normal = bindAddress(address, ports);
    if (normal instanceof InvalidArgumentError) return throwError(() => normal);
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
   * Reserves a port on `address` (the first free one of `ports`, an ephemeral
   * one when omitted) for a simultaneous-open candidate: nothing listens on
   * it; connects from it ({@link connect} with `localPort`) may cross.
   */
  reserve(address: string, ports?: PortRange): Observable<TcpPortReservation> {
    const normal = bindAddress(address, ports);
    if (normal instanceof InvalidArgumentError) return throwError(() => normal);
    return new Observable<TcpPortReservation>((subscriber) => {
      const port = this.#allocate(normal, ports);
      if (port === undefined) {
        subscriber.error(new BindError(`no free TCP port on ${address}`));
        return;
      }
      let held = true;
      subscriber.next({
        address: normal,
        port,
        family: familyOf(normal),
        release: () => {
          if (held) this.#ports.get(normal)?.delete(port);
          held = false;
        },
      });
      subscriber.complete();
    });
  }

  /**
   * Opens a connection from `localAddress` (an ephemeral port, or
   * `localPort`) to `remoteAddress:remotePort`. The SYN arrives after the
   * latency: where the peer is connecting from that port to ours at that
   * moment (its SYN sent, not yet answered) the SYNs cross and one connection
   * opens for both (TCP simultaneous open); else a listener there accepts;
   * else, to a `filtered` address, the SYN is dropped and the connect waits
   * (for a crossing SYN, or `synTimeout`); else it is refused. Established,
   * or refused, after a round trip.
   */
  connect(
    localAddress: string,
    remoteAddress: string,
    remotePort: number,
    localPort?: number,
  ): Observable<TcpConnection> {
    return new Observable<TcpConnection>((subscriber) => {
      const local = normalizeAddress(localAddress);
      const remote = normalizeAddress(remoteAddress);
      if (local === undefined || remote === undefined) {
        subscriber.error(new InvalidArgumentError(`not an IP address: ${localAddress} / ${remoteAddress}`));
        return;
      }
      const port = localPort ?? this.#allocate(local, undefined);
      if (port === undefined) {
        subscriber.error(new BindError(`no free TCP port on ${localAddress}`));
        return;
      }
      const fromReserved = localPort !== undefined;
      const release = (): void => {
        if (!fromReserved) this.#ports.get(local)?.delete(port);
      };
      const key = `${local}|${port}|${remote}|${remotePort}`;
      let finished = false; // the end (or the error) owns the port from then on
      const opening: Opening = {
        established: (end) => {
          finished = true;
          this.#opening.delete(key);
          settle.unsubscribe();
          this.#scheduler.schedule(() => {
            if (subscriber.closed) {
              end.reset();
              return;
            }
            subscriber.next(end);
            subscriber.complete();
          }, this.#latency);
        },
      };
      if (this.#opening.has(key)) {
        subscriber.error(
          new BindError(`EADDRINUSE: ${local}:${port} is already connecting to ${remote}:${remotePort}`),
        );
        return;
      }
      this.#opening.set(key, opening);
      const fail = (message: string): void => {
        finished = true;
        this.#opening.delete(key);
        release();
        subscriber.error(new Error(message));
      };
      let settle = this.#scheduler.schedule(() => {
        if (this.#opening.get(key) !== opening) return; // a crossing SYN opened it meanwhile
        const crossing = this.#opening.get(`${remote}|${remotePort}|${local}|${port}`);
        const listener = this.#listeners.get(`${remote}|${remotePort}`);
        if (crossing !== undefined) {
          const [mine, theirs] = this.#pair(local, port, remote, remotePort, release);
          this.#stats.crossed++;
          crossing.established(theirs);
          opening.established(mine);
        } else if (listener !== undefined && !this.#filtered(remote)) {
          const [mine, theirs] = this.#pair(local, port, remote, remotePort, release);
          listener.accept(theirs);
          opening.established(mine);
        } else if (this.#filtered(remote)) {
          this.#stats.dropped++;
          settle = this.#scheduler.schedule(
            () => fail(`ETIMEDOUT ${remote}:${remotePort}`),
            this.#synTimeout,
          );
        } else {
          this.#stats.refused++;
          this.#opening.delete(key); // not in SYN-SENT any more once the RST is on its way
          settle = this.#scheduler.schedule(
            () => fail(`ECONNREFUSED ${remote}:${remotePort}`),
            this.#latency,
          );
        }
      }, this.#latency);
      return () => {
        settle.unsubscribe();
        if (this.#opening.get(key) === opening) this.#opening.delete(key);
        if (!finished) release();
      };
    });
  }

  /** Both ends of a new connection from `local:port` to `remote:remotePort`, counted. */
  #pair(
    local: string,
    port: number,
    remote: string,
    remotePort: number,
    release: () => void,
  ): [VirtualTcpEnd, VirtualTcpEnd] {
    const client = new VirtualTcpEnd(this, local, port, remote, remotePort, release);
    const server = new VirtualTcpEnd(this, remote, remotePort, local, port, () => {});
    client.peer = server;
    server.peer = client;
    this.#ends.push(client, server);
    this.#stats.connections++;
    return [client, server];
  }

  #filtered(address: string): boolean {
    return this.#filteredAddresses.has(address);
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
