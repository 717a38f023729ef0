/**
 * Public types of the virtual network: options, datagrams, trace events,
 * counters and the host interface.
 */
import type { SchedulerLike } from 'rxjs';
import type { Transport } from '../transport/types.js';

/** Options of {@link VirtualNetwork}. */
export interface VirtualNetworkOptions {
  /** Scheduler that times every delivery (default `asyncScheduler`; pass the `TestScheduler` in tests). */
  readonly scheduler?: SchedulerLike;
  /** Seed of the link PRNG (default 1): the same seed and traffic give the same losses, jitter, duplicates and reordering. */
  readonly seed?: number;
  /** Default one-way latency in scheduler time units (ms), default 5. */
  readonly latency?: number;
  /** Default loss probability, 0..1, default 0. */
  readonly loss?: number;
}

/** Conditions of a link between two nodes (hosts or NAT boxes); unset fields fall back to wider rules. */
export interface LinkConditions {
  /** One-way latency in scheduler time units (ms). */
  readonly latency?: number;
  /** Probability 0..1 that a datagram is lost. */
  readonly loss?: number;
  /** A down link drops everything. */
  readonly down?: boolean;
  /** Extra delay per datagram drawn uniformly from [0, jitter) ms (seeded PRNG); datagrams may overtake each other. */
  readonly jitter?: number;
  /** Probability 0..1 that a datagram that is not lost arrives twice (the copy with its own delay). */
  readonly duplicate?: number;
  /**
   * Probability 0..1 that a datagram is held back by an extra delay drawn
   * from [0, 2 × latency + jitter + 10) ms, so later datagrams overtake it.
   */
  readonly reorder?: number;
}

/** Options of {@link VirtualNetwork.createHost}. */
export interface VirtualHostOptions {
  /** IPv4/IPv6 addresses of the host (no zone ids). Loopback addresses are private to the host. */
  readonly addresses: readonly string[];
  /**
   * Name of the NAT box ({@link VirtualNetwork.createNat}) the host sits
   * behind. Its addresses then live in that NAT's private address realm:
   * unreachable from outside it, and free to repeat behind other NATs.
   * Default: the host is on the public network.
   */
  readonly behind?: string;
}

/** An IP address and a port. */
export interface TransportAddress {
  /** IPv4 or IPv6 address (IPv6 in RFC 5952 form, no brackets). */
  readonly address: string;
  /** UDP port, 1 to 65535. */
  readonly port: number;
}

/** A datagram on the wire, as seen by {@link VirtualNetwork.route}. */
export interface VirtualPacket {
  /** Private copy of the payload, taken at send time. */
  readonly data: Uint8Array;
  /** Name of the node that put the datagram on this hop: a host, or a NAT box forwarding it. */
  readonly fromHost: string;
  /** Source address on this hop (a NAT's public address once translated). */
  readonly srcAddress: string;
  /** Source port on this hop. */
  readonly srcPort: number;
  /** Destination address. */
  readonly dstAddress: string;
  /** Destination port. */
  readonly dstPort: number;
}

/**
 * Why a datagram was dropped: lost, down link, no node owns the address, no
 * socket on the port, or a NAT box refused it (no mapping, filtered,
 * hairpinning off, mapping table full; the NAT's own stats say which).
 */
export type DropReason = 'loss' | 'down' | 'unroutable' | 'unbound' | 'filtered';

/** One event of {@link VirtualNetwork.trace$}: a delivery to a socket or a drop. */
export interface TraceEvent {
  /** Scheduler time of the delivery or drop. */
  readonly time: number;
  /** `address:port` (`[v6]:port`) of the sender, as on the last hop. */
  readonly from: string;
  /** `address:port` of the destination, as on the last hop. */
  readonly to: string;
  /** The node that put the datagram on the last hop (a NAT box when it was translated). */
  readonly fromHost: string;
  /** The node the last hop led to, when there was one. */
  readonly toHost?: string;
  /** Payload size. */
  readonly bytes: number;
  /** Set when the datagram was dropped. */
  readonly dropped?: DropReason;
}

/** Network-wide counters. `sent` + `duplicated` = `delivered` + `dropped` + datagrams in flight. */
export interface VirtualNetworkStats {
  /** Datagrams sockets sent (a datagram a NAT translates is still one datagram). */
  readonly sent: number;
  /** Datagrams handed to a socket. */
  readonly delivered: number;
  /** Datagrams dropped, for any reason. */
  readonly dropped: number;
  /** Extra copies made by links with `duplicate` set. */
  readonly duplicated: number;
  /** `dropped` by reason. */
  readonly dropReasons: Readonly<Record<DropReason, number>>;
}

/** Per-host counters; `dropped` counts datagrams this host sent that never arrived. */
export interface VirtualHostStats {
  /** Datagrams the host's sockets sent. */
  readonly sent: number;
  /** Datagrams handed to the host's sockets. */
  readonly received: number;
  /** Datagrams the host sent that were dropped on the way. */
  readonly dropped: number;
}

/** A host of a {@link VirtualNetwork}: a {@link Transport} whose `bind` emits synchronously. */
export interface VirtualHost extends Transport {
  /** The host's name (also the interface name of its addresses). */
  readonly name: string;
  /** The host's addresses, normalized (IPv6 in RFC 5952 form). */
  readonly addresses: readonly string[];
  /** The host's counters (a snapshot). */
  readonly stats: VirtualHostStats;
}
