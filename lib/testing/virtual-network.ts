/**
 * A deterministic in-memory UDP network driven by an RxJS scheduler, so whole
 * ICE sessions run in virtual time under `TestScheduler`. Hosts sit on the
 * public network or behind NAT boxes; STUN and TURN servers are hosts too.
 */
import { asyncScheduler, type Observable, type SchedulerLike, Subject } from 'rxjs';
import { InvalidArgumentError, InvalidOptionError } from '../errors.js';
import { checkConditions, LinkTable, type ResolvedLink } from './link-table.js';
import { NatBox } from './nat-box.js';
import type { NatOptions, VirtualNat } from './nat-types.js';
import { endpointText, normalizeAddress } from './network-addresses.js';
import { NetworkTopology, type Realm, type TopologyNode } from './network-topology.js';
import type {
  DropReason,
  LinkConditions,
  TraceEvent,
  VirtualHost,
  VirtualHostOptions,
  VirtualNetworkOptions,
  VirtualNetworkStats,
  VirtualPacket,
} from './network-types.js';
import { mulberry32 } from './prng.js';
import {
  checkStunServerOptions,
  type StunServerOptions,
  startStunServer,
  type VirtualStunServer,
} from './stun-server.js';
import { startTurnServer } from './turn-server.js';
import { resolveTurnServerOptions } from './turn-server-options.js';
import type { TurnServerOptions, VirtualTurnServer } from './turn-server-types.js';
import { Host } from './virtual-host.js';

export type * from './network-types.js';

/** A datagram on one hop, as the scheduler carries it. */
interface Hop {
  readonly packet: VirtualPacket;
  readonly to: TopologyNode;
  readonly realm: Realm;
  /** The host whose socket sent it (or the `fromHost` of a datagram given to `route`): drops count for it. */
  readonly origin: string;
}

/**
 * Deterministic in-memory network. Hosts own addresses; sockets bound on them
 * exchange datagrams with per-link latency, and seeded jitter, loss,
 * duplication and reordering, and up/down state, all
 * timed by the given scheduler. Payloads are copied at send time.
 *
 * - Ports: without a range, `bind` takes the next free ephemeral port of that
 *   address (49152, 49153, ... wrapping at 65535); with a range, the first free
 *   port from `min`.
 * - Links are symmetric, between nodes (hosts and NAT boxes), and resolved per
 *   field: exact pair, then `(a, '*')`, then `(b, '*')`, then `('*', '*')`,
 *   then the constructor defaults. A host talking to itself uses `(a, a)`.
 * - NATs: a datagram from a host behind a NAT to an address outside its realm
 *   takes two hops, host → NAT (translated there) → destination, each with its
 *   own link conditions.
 * - Datagrams to an address no node owns, to a port nobody has bound at
 *   arrival time, or refused by a NAT are dropped and counted.
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
  readonly #links: LinkTable;
  readonly #topology = new NetworkTopology();
  readonly #trace = new Subject<TraceEvent>();
  #sent = 0;
  #delivered = 0;
  #duplicated = 0;
  readonly #drops: Record<DropReason, number> = { loss: 0, down: 0, unroutable: 0, unbound: 0, filtered: 0 };

  /** Every delivery to a socket and every drop, for assertions and debugging. Hot; never completes. */
  readonly trace$: Observable<TraceEvent> = this.#trace.asObservable();

  constructor(options: VirtualNetworkOptions = {}) {
    const { scheduler = asyncScheduler, seed = 1, latency = 5, loss = 0 } = options;
    if (typeof scheduler?.schedule !== 'function')
      throw new InvalidOptionError('scheduler must be a SchedulerLike');
    if (!Number.isFinite(seed)) throw new InvalidOptionError('seed must be a finite number');
    checkConditions({ latency, loss }, (m) => new InvalidOptionError(m));
    this.scheduler = scheduler;
    this.#random = mulberry32(seed);
    this.#links = new LinkTable({ latency, loss, down: false, jitter: 0, duplicate: 0, reorder: 0 });
  }

  /** Counters so far (a snapshot). */
  get stats(): VirtualNetworkStats {
    let dropped = 0;
    for (const n of Object.values(this.#drops)) dropped += n;
    return {
      sent: this.#sent,
      delivered: this.#delivered,
      dropped,
      duplicated: this.#duplicated,
      dropReasons: { ...this.#drops },
    };
  }

  /**
   * Adds a host, on the public network or behind the NAT named by `behind`.
   * Throws {@link InvalidArgumentError} for a duplicate or empty name, a
   * malformed address, a non-loopback address another node of the same realm
   * owns, or an unknown NAT.
   */
  createHost(name: string, options: VirtualHostOptions): VirtualHost {
    const realm = this.#topology.placeNew(name, options?.behind);
    const host = new Host(
      this.#transmit,
      name,
      this.#topology.hostAddresses(name, options?.addresses, realm),
    );
    this.#topology.addHost(host, realm);
    return host;
  }

  /**
   * Adds a NAT box (RFC 4787) owning `publicAddress`; hosts created with
   * `behind: name` sit on its private side. Throws
   * {@link InvalidArgumentError} for a taken name or address, an unknown
   * `behind`, or an invalid option.
   *
   * @example
   * ```ts
   * const net = new VirtualNetwork({ scheduler: ts });
   * net.createNat('home', { publicAddress: '203.0.113.1', ...NAT_PRESETS.portRestrictedCone, mappingTimeout: 30_000 });
   * const alice = net.createHost('alice', { addresses: ['192.168.1.10'], behind: 'home' });
   * // alice's datagrams leave from 203.0.113.1; only endpoints she sent to can answer.
   * ```
   */
  createNat(name: string, options: NatOptions): VirtualNat {
    const realm = this.#topology.placeNew(name, options?.behind);
    const nat = new NatBox(name, options, this.scheduler);
    this.#topology.addNat(nat, realm);
    return nat;
  }

  /**
   * Adds a host `name` owning `options.address` that answers STUN Binding
   * requests (RFC 8489) with the XOR-MAPPED-ADDRESS it saw, i.e. after NAT.
   * See {@link VirtualStunServer}.
   */
  createStunServer(name: string, options: StunServerOptions): VirtualStunServer {
    const port = checkStunServerOptions(name, options);
    const host = this.createHost(name, { addresses: [options.address], behind: options.behind });
    return startStunServer(host, port);
  }

  /**
   * Adds a host `name` running a TURN server (RFC 8656 over UDP) with
   * long-term credentials. See {@link VirtualTurnServer}.
   */
  createTurnServer(name: string, options: TurnServerOptions): VirtualTurnServer {
    const resolved = resolveTurnServerOptions(name, options);
    const addresses = [options.address];
    if (resolved.relayAddress !== normalizeAddress(options.address)) addresses.push(resolved.relayAddress);
    const host = this.createHost(name, { addresses, behind: options.behind });
    return startTurnServer(host, this.scheduler, resolved);
  }

  /**
   * Sets the conditions of the symmetric link between nodes `a` and `b`
   * (`'*'` = any node), merged into what was set before for that pair.
   */
  setLink(a: string, b: string, conditions: LinkConditions): void {
    if (typeof a !== 'string' || a === '' || typeof b !== 'string' || b === '')
      throw new InvalidArgumentError('setLink needs two node names or "*"');
    checkConditions(conditions ?? {}, (m) => new InvalidArgumentError(m));
    this.#links.set(a, b, conditions);
  }

  /**
   * Routes one datagram from where `packet.fromHost` sits (a NAT box sends
   * from its public side): to the node owning `dstAddress` in that realm, or,
   * from behind a NAT, to that NAT; then applies the link conditions and
   * schedules the arrival. This is the network's single routing decision;
   * tests may call it to inject crafted (e.g. spoofed) datagrams.
   */
  route(packet: VirtualPacket): void {
    this.#routeIn(this.#topology.realmOf(packet.fromHost), packet, packet.fromHost);
  }

  #routeIn(realm: Realm, packet: VirtualPacket, origin: string): void {
    const to = this.#topology.nextHop(realm, packet);
    const link = to && this.#links.resolve(packet.fromHost, to.name);
    if (to === undefined || link === undefined) this.#drop(packet, origin, undefined, 'unroutable');
    else if (link.down) this.#drop(packet, origin, to.name, 'down');
    else if (link.loss >= 1 || (link.loss > 0 && this.#random() < link.loss))
      this.#drop(packet, origin, to.name, 'loss');
    else {
      const hop: Hop = { packet, to, realm, origin };
      this.scheduler.schedule(this.#arrive, this.#delay(link), hop);
      if (link.duplicate > 0 && this.#random() < link.duplicate) {
        this.#duplicated++;
        this.scheduler.schedule(this.#arrive, this.#delay(link), {
          ...hop,
          packet: { ...packet, data: new Uint8Array(packet.data) },
        });
      }
    }
  }

  /** One datagram's delay on `link`: latency, plus jitter, plus a reordering hold-back. */
  #delay(link: ResolvedLink): number {
    let delay = link.latency;
    if (link.jitter > 0) delay += this.#random() * link.jitter;
    if (link.reorder > 0 && this.#random() < link.reorder)
      delay += this.#random() * (2 * link.latency + link.jitter + 10);
    return delay;
  }

  /** Given to hosts (not public): counts and routes a datagram a socket sends. */
  readonly #transmit = (packet: VirtualPacket): void => {
    this.#sent++;
    const sender = this.#topology.node(packet.fromHost);
    if (sender?.kind === 'host') sender.host.counters.sent++;
    this.route(packet);
  };

  /** One function for every arrival; the hop is the scheduler state. */
  readonly #arrive = (hop?: Hop): void => {
    if (hop === undefined) return;
    const { packet, to, realm, origin } = hop;
    if (to.kind === 'host') {
      if (to.host.receive(packet)) {
        this.#delivered++;
        if (this.#trace.observed) this.#emit(packet, to.name, undefined);
      } else this.#drop(packet, origin, to.name, 'unbound');
      return;
    }
    const verdict = to.nat.process(packet, realm === to.inside);
    if ('drop' in verdict) this.#drop(packet, origin, to.name, verdict.drop);
    else this.#routeIn(verdict.forward === 'inside' ? to.inside : to.realm, verdict.packet, origin);
  };

  #drop(packet: VirtualPacket, origin: string, toHost: string | undefined, reason: DropReason): void {
    this.#drops[reason]++;
    const sender = this.#topology.node(origin);
    if (sender?.kind === 'host') sender.host.counters.dropped++;
    if (this.#trace.observed) this.#emit(packet, toHost, reason);
  }

  #emit(p: VirtualPacket, toHost: string | undefined, dropped: DropReason | undefined): void {
    const event: { -readonly [K in keyof TraceEvent]: TraceEvent[K] } = {
      time: this.scheduler.now(),
      from: endpointText(p.srcAddress, p.srcPort),
      to: endpointText(p.dstAddress, p.dstPort),
      fromHost: p.fromHost,
      bytes: p.data.byteLength,
    };
    if (toHost !== undefined) event.toHost = toHost;
    if (dropped !== undefined) event.dropped = dropped;
    this.#trace.next(event);
  }
}
