/**
 * A deterministic in-memory UDP network driven by an RxJS scheduler, so whole
 * ICE sessions run in virtual time under `TestScheduler`.
 */
import { isIP } from 'node:net';
import { Address6 } from 'ip-address';
import { asyncScheduler, Observable, type SchedulerLike, Subject, throwError } from 'rxjs';
import { BindError, InvalidArgumentError, InvalidOptionError } from '../errors.js';
import type {
  AddressFamily,
  HostAddress,
  InboundPacket,
  PacketSocket,
  PortRange,
  Transport,
} from '../transport/types.js';
import { mulberry32 } from './prng.js';

/** Options of {@link VirtualNetwork}. */
export interface VirtualNetworkOptions {
  /** Scheduler that times every delivery (default `asyncScheduler`; pass the `TestScheduler` in tests). */
  readonly scheduler?: SchedulerLike;
  /** Seed of the loss PRNG (default 1): the same seed and traffic give the same losses. */
  readonly seed?: number;
  /** Default one-way latency in scheduler time units (ms), default 5. */
  readonly latency?: number;
  /** Default loss probability, 0..1, default 0. */
  readonly loss?: number;
}

/** Conditions of a link between two hosts; unset fields fall back to wider rules. */
export interface LinkConditions {
  /** One-way latency in scheduler time units (ms). */
  readonly latency?: number;
  /** Probability 0..1 that a datagram is lost. */
  readonly loss?: number;
  /** A down link drops everything. */
  readonly down?: boolean;
}

/** Options of {@link VirtualNetwork.createHost}. */
export interface VirtualHostOptions {
  /** IPv4/IPv6 addresses of the host (no zone ids). Loopback addresses are private to the host. */
  readonly addresses: readonly string[];
}

/** A datagram on the wire, as seen by {@link VirtualNetwork.route}. */
export interface VirtualPacket {
  /** Private copy of the payload, taken at send time. */
  readonly data: Uint8Array;
  /** Name of the node that put the datagram on this hop (a host; later also a NAT box). */
  readonly fromHost: string;
  readonly srcAddress: string;
  readonly srcPort: number;
  readonly dstAddress: string;
  readonly dstPort: number;
}

/** Why a datagram was dropped: lost, down link, no host owns the address, no socket on the port. */
export type DropReason = 'loss' | 'down' | 'unroutable' | 'unbound';

/** One event of {@link VirtualNetwork.trace$}: a delivery or a drop. */
export interface TraceEvent {
  /** Scheduler time of the delivery or drop. */
  readonly time: number;
  /** `address:port` (`[v6]:port`) of the sender and of the destination. */
  readonly from: string;
  readonly to: string;
  readonly fromHost: string;
  /** Destination host, when some host owns the destination address. */
  readonly toHost?: string;
  readonly bytes: number;
  /** Set when the datagram was dropped. */
  readonly dropped?: DropReason;
}

/** Network-wide counters. `sent` = `delivered` + `dropped` + datagrams in flight. */
export interface VirtualNetworkStats {
  readonly sent: number;
  readonly delivered: number;
  readonly dropped: number;
  readonly dropReasons: Readonly<Record<DropReason, number>>;
}

/** Per-host counters; `dropped` counts datagrams this host sent that never arrived. */
export interface VirtualHostStats {
  readonly sent: number;
  readonly received: number;
  readonly dropped: number;
}

/** A host of a {@link VirtualNetwork}: a {@link Transport} whose `bind` emits synchronously. */
export interface VirtualHost extends Transport {
  readonly name: string;
  /** The host's addresses, normalized (IPv6 in RFC 5952 form). */
  readonly addresses: readonly string[];
  readonly stats: VirtualHostStats;
}

interface Conditions {
  readonly latency: number;
  readonly loss: number;
  readonly down: boolean;
}

const EPHEMERAL_MIN = 49152;
const EPHEMERAL_MAX = 65535;

/**
 * Deterministic in-memory network. Hosts own addresses; sockets bound on them
 * exchange datagrams with per-link latency, seeded loss and up/down state, all
 * timed by the given scheduler. Payloads are copied at send time.
 *
 * - Ports: without a range, `bind` takes the next free ephemeral port of that
 *   address (49152, 49153, ... wrapping at 65535); with a range, the first free
 *   port from `min`.
 * - Links are symmetric and resolved per field: exact pair, then `(a, '*')`,
 *   then `(b, '*')`, then `('*', '*')`, then the constructor defaults. A host
 *   talking to itself uses the pair `(a, a)`.
 * - Datagrams to an address no host owns, or to a port nobody has bound at
 *   arrival time, are dropped and counted.
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { map } from 'rxjs';
 * import type { PacketSocket } from 'rx-ice';
 * import { VirtualNetwork } from 'rx-ice/testing';
 *
 * const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
 * ts.run(({ expectObservable }) => {
 *   const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
 *   const alice = net.createHost('alice', { addresses: ['10.0.0.1'] });
 *   const bob = net.createHost('bob', { addresses: ['10.0.0.2'] });
 *   net.setLink('alice', 'bob', { loss: 0.1 });
 *   let a!: PacketSocket, b!: PacketSocket;
 *   alice.bind('10.0.0.1').subscribe((s) => (a = s)); // synchronous
 *   bob.bind('10.0.0.2').subscribe((s) => (b = s));
 *   a.send(new TextEncoder().encode('hi'), b.port, b.address);
 *   expectObservable(b.packets$.pipe(map((p) => p.address))).toBe('10ms x', { x: '10.0.0.1' });
 * });
 * ```
 */
export class VirtualNetwork {
  /** The scheduler timing this network. */
  readonly scheduler: SchedulerLike;
  readonly #random: () => number;
  readonly #defaults: Conditions;
  readonly #hosts = new Map<string, Host>();
  /** Owner of each non-loopback address. */
  readonly #owners = new Map<string, Host>();
  readonly #links = new Map<string, LinkConditions>();
  readonly #resolved = new Map<string, Conditions>();
  readonly #trace = new Subject<TraceEvent>();
  #sent = 0;
  #delivered = 0;
  readonly #drops: Record<DropReason, number> = { loss: 0, down: 0, unroutable: 0, unbound: 0 };

  /** Every delivery and drop, for assertions and debugging. Hot; never completes. */
  readonly trace$: Observable<TraceEvent> = this.#trace.asObservable();

  constructor(options: VirtualNetworkOptions = {}) {
    const { scheduler = asyncScheduler, seed = 1, latency = 5, loss = 0 } = options;
    if (typeof scheduler?.schedule !== 'function')
      throw new InvalidOptionError('scheduler must be a SchedulerLike');
    if (!Number.isFinite(seed)) throw new InvalidOptionError('seed must be a finite number');
    checkConditions({ latency, loss }, (m) => new InvalidOptionError(m));
    this.scheduler = scheduler;
    this.#random = mulberry32(seed);
    this.#defaults = { latency, loss, down: false };
  }

  /** Counters so far (a snapshot). */
  get stats(): VirtualNetworkStats {
    const dropped = this.#drops.loss + this.#drops.down + this.#drops.unroutable + this.#drops.unbound;
    return { sent: this.#sent, delivered: this.#delivered, dropped, dropReasons: { ...this.#drops } };
  }

  /**
   * Adds a host. Throws {@link InvalidArgumentError} for a duplicate or empty
   * name, a malformed address, or a non-loopback address another host owns.
   */
  createHost(name: string, options: VirtualHostOptions): VirtualHost {
    if (typeof name !== 'string' || name === '' || name === '*')
      throw new InvalidArgumentError(`invalid host name: ${String(name)}`);
    if (this.#hosts.has(name)) throw new InvalidArgumentError(`host ${name} already exists`);
    const given = options?.addresses;
    if (!Array.isArray(given) || given.length === 0)
      throw new InvalidArgumentError(`host ${name} needs at least one address`);
    const addresses: string[] = [];
    for (const raw of given) {
      const address = normalize(raw);
      if (address === undefined)
        throw new InvalidArgumentError(`host ${name}: not an IP address: ${String(raw)}`);
      const owner = isLoopback(address) ? undefined : this.#owners.get(address);
      if (owner || addresses.includes(address))
        throw new InvalidArgumentError(`host ${name}: address ${address} is already in use`);
      addresses.push(address);
    }
    const host = new Host(this.#transmit, name, addresses);
    this.#hosts.set(name, host);
    for (const a of addresses) if (!isLoopback(a)) this.#owners.set(a, host);
    return host;
  }

  /**
   * Sets the conditions of the symmetric link between hosts `a` and `b`
   * (`'*'` = any host), merged into what was set before for that pair.
   */
  setLink(a: string, b: string, conditions: LinkConditions): void {
    if (typeof a !== 'string' || a === '' || typeof b !== 'string' || b === '')
      throw new InvalidArgumentError('setLink needs two host names or "*"');
    checkConditions(conditions ?? {}, (m) => new InvalidArgumentError(m));
    const key = pairKey(a, b);
    const merged: Record<string, unknown> = { ...this.#links.get(key) };
    for (const [k, v] of Object.entries(conditions)) if (v !== undefined) merged[k] = v;
    this.#links.set(key, merged as LinkConditions);
    this.#resolved.clear();
  }

  /**
   * Routes one datagram: finds the node owning `dstAddress`, applies the link
   * conditions between `packet.fromHost` and it, and schedules the delivery.
   *
   * This is the network's single routing decision and its extension point: a
   * NAT box (RFC 4787 mapping/filtering) can override it to rewrite addresses
   * and re-inject translated packets with `fromHost` set to itself. Tests may
   * also call it to inject crafted (e.g. spoofed) datagrams.
   */
  route(packet: VirtualPacket): void {
    const dest = this.#ownerOf(packet.dstAddress, packet.fromHost);
    const link = dest && this.#conditions(packet.fromHost, dest.name);
    if (!link) this.#drop(packet, undefined, 'unroutable');
    else if (link.down) this.#drop(packet, dest?.name, 'down');
    else if (link.loss >= 1 || (link.loss > 0 && this.#random() < link.loss))
      this.#drop(packet, dest?.name, 'loss');
    else this.scheduler.schedule(this.#deliverWork, link.latency, packet);
  }

  /** Given to hosts (not public): counts and routes a datagram a socket sends. */
  readonly #transmit = (packet: VirtualPacket): void => {
    this.#sent++;
    const sender = this.#hosts.get(packet.fromHost);
    if (sender) sender.counters.sent++;
    this.route(packet);
  };

  /** One function for every delivery; the packet is the scheduler state. */
  readonly #deliverWork = (packet?: VirtualPacket): void => {
    if (packet === undefined) return;
    const dest = this.#ownerOf(packet.dstAddress, packet.fromHost);
    if (dest?.receive(packet)) {
      this.#delivered++;
      if (this.#trace.observed) this.#emit(packet, dest.name, undefined);
    } else this.#drop(packet, dest?.name, 'unbound');
  };

  #drop(packet: VirtualPacket, toHost: string | undefined, reason: DropReason): void {
    this.#drops[reason]++;
    const sender = this.#hosts.get(packet.fromHost);
    if (sender) sender.counters.dropped++;
    if (this.#trace.observed) this.#emit(packet, toHost, reason);
  }

  #emit(p: VirtualPacket, toHost: string | undefined, dropped: DropReason | undefined): void {
    const event: { -readonly [K in keyof TraceEvent]: TraceEvent[K] } = {
      time: this.scheduler.now(),
      from: endpoint(p.srcAddress, p.srcPort),
      to: endpoint(p.dstAddress, p.dstPort),
      fromHost: p.fromHost,
      bytes: p.data.byteLength,
    };
    if (toHost !== undefined) event.toHost = toHost;
    if (dropped !== undefined) event.dropped = dropped;
    this.#trace.next(event);
  }

  #ownerOf(address: string, fromHost: string): Host | undefined {
    const sender = this.#hosts.get(fromHost);
    if (sender?.owns(address)) return sender;
    const owner = this.#owners.get(address);
    if (owner !== undefined || !address.includes(':')) return owner;
    const normal = normalize(address); // slow path: non-canonical IPv6 text
    return normal === undefined ? undefined : sender?.owns(normal) ? sender : this.#owners.get(normal);
  }

  #conditions(a: string, b: string): Conditions {
    const key = pairKey(a, b);
    let resolved = this.#resolved.get(key);
    if (resolved === undefined) {
      const layers = [
        this.#links.get(key),
        this.#links.get(pairKey(a, '*')),
        this.#links.get(pairKey(b, '*')),
        this.#links.get(pairKey('*', '*')),
      ];
      const pick = <K extends keyof Conditions>(k: K): Conditions[K] => {
        for (const l of layers) if (l?.[k] !== undefined) return l[k] as Conditions[K];
        return this.#defaults[k];
      };
      resolved = { latency: pick('latency'), loss: pick('loss'), down: pick('down') };
      this.#resolved.set(key, resolved);
    }
    return resolved;
  }
}

class Host implements VirtualHost {
  readonly counters = { sent: 0, received: 0, dropped: 0 };
  readonly #ports = new Map<string, Map<number, VirtualSocket>>();
  readonly #nextEphemeral = new Map<string, number>();

  constructor(
    readonly transmit: (packet: VirtualPacket) => void,
    readonly name: string,
    readonly addresses: readonly string[],
  ) {
    for (const a of addresses) this.#ports.set(a, new Map());
  }

  get stats(): VirtualHostStats {
    return { ...this.counters };
  }

  owns(address: string): boolean {
    return this.#ports.has(address);
  }

  hostAddresses(): readonly HostAddress[] {
    return this.addresses.map((address) => ({
      address,
      family: familyOf(address),
      iface: this.name,
      internal: isLoopback(address),
    }));
  }

  bind(address: string, ports?: PortRange): Observable<PacketSocket> {
    const normal = normalize(address);
    if (normal === undefined)
      return throwError(() => new InvalidArgumentError(`not an IP address: ${address}`));
    if (ports !== undefined && !validRange(ports))
      return throwError(
        () => new InvalidArgumentError(`invalid port range ${String(ports.min)}-${String(ports.max)}`),
      );
    const bound = this.#ports.get(normal);
    if (bound === undefined)
      return throwError(() => new BindError(`address ${address} is not on host ${this.name}`));
    return new Observable<PacketSocket>((subscriber) => {
      const port = ports ? this.#firstFree(bound, ports.min, ports.max) : this.#ephemeral(normal, bound);
      if (port === undefined) {
        const range = ports ? `ports ${ports.min}-${ports.max}` : 'ephemeral ports';
        subscriber.error(new BindError(`no free port on ${this.name} ${address} (${range})`));
        return;
      }
      const socket = new VirtualSocket(this, normal, port);
      bound.set(port, socket);
      subscriber.next(socket);
      subscriber.complete();
    });
  }

  /** Hands a datagram to the socket bound on its destination; false when none. */
  receive(packet: VirtualPacket): boolean {
    const socket = this.#ports
      .get(this.owns(packet.dstAddress) ? packet.dstAddress : (normalize(packet.dstAddress) ?? ''))
      ?.get(packet.dstPort);
    if (socket === undefined) return false;
    this.counters.received++;
    socket.receive(packet);
    return true;
  }

  unbind(socket: VirtualSocket): void {
    const bound = this.#ports.get(socket.address);
    if (bound?.get(socket.port) === socket) bound.delete(socket.port);
  }

  #firstFree(bound: Map<number, VirtualSocket>, min: number, max: number): number | undefined {
    for (let p = min; p <= max; p++) if (!bound.has(p)) return p;
    return undefined;
  }

  #ephemeral(address: string, bound: Map<number, VirtualSocket>): number | undefined {
    let p = this.#nextEphemeral.get(address) ?? EPHEMERAL_MIN;
    for (let i = 0; i <= EPHEMERAL_MAX - EPHEMERAL_MIN; i++) {
      const candidate = p;
      p = p === EPHEMERAL_MAX ? EPHEMERAL_MIN : p + 1;
      if (!bound.has(candidate)) {
        this.#nextEphemeral.set(address, p);
        return candidate;
      }
    }
    return undefined;
  }
}

class VirtualSocket implements PacketSocket {
  readonly family: AddressFamily;
  readonly packets$: Observable<InboundPacket>;
  readonly #packets = new Subject<InboundPacket>();
  #sendErrors = 0;
  #closed = false;

  constructor(
    readonly host: Host,
    readonly address: string,
    readonly port: number,
  ) {
    this.family = familyOf(address);
    this.packets$ = this.#packets.asObservable();
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  send(data: Uint8Array, port: number, address: string): void {
    // Closed socket, bad port, or wrong family (a real udp4 socket says EINVAL): counted.
    if (
      this.#closed ||
      !(Number.isInteger(port) && port > 0 && port <= 65535) ||
      typeof address !== 'string' ||
      address.includes(':') !== (this.family === 'IPv6')
    ) {
      this.#sendErrors++;
      return;
    }
    const copy = new Uint8Array(data); // in flight, the sender may reuse its buffer
    this.host.transmit({
      data: copy,
      fromHost: this.host.name,
      srcAddress: this.address,
      srcPort: this.port,
      dstAddress: address,
      dstPort: port,
    });
  }

  receive(packet: VirtualPacket): void {
    this.#packets.next({ data: packet.data, address: packet.srcAddress, port: packet.srcPort });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.host.unbind(this);
    this.#packets.complete();
  }
}

function checkConditions(c: LinkConditions, error: (message: string) => Error): void {
  if (c.latency !== undefined && !(Number.isFinite(c.latency) && c.latency >= 0))
    throw error(`latency must be a finite number >= 0, got ${String(c.latency)}`);
  if (c.loss !== undefined && !(typeof c.loss === 'number' && c.loss >= 0 && c.loss <= 1))
    throw error(`loss must be within 0..1, got ${String(c.loss)}`);
  if (c.down !== undefined && typeof c.down !== 'boolean') throw error('down must be a boolean');
}

function validRange({ min, max }: PortRange): boolean {
  return Number.isInteger(min) && Number.isInteger(max) && min >= 1 && min <= max && max <= 65535;
}

/** Canonical text of an IP address, or undefined when it is not one (zones are rejected). */
function normalize(address: string): string | undefined {
  if (typeof address !== 'string') return undefined;
  const v = isIP(address);
  if (v === 4) return address;
  return v === 6 && !address.includes('%') ? new Address6(address).correctForm() : undefined;
}

function familyOf(address: string): AddressFamily {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
