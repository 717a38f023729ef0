/**
 * Public types of the virtual NAT boxes (RFC 4787 behaviours) and the usual
 * presets.
 */
import type { Observable } from 'rxjs';
import type { PortRange } from '../transport/types.js';
import type { TransportAddress } from './network-types.js';

/**
 * RFC 4787 mapping or filtering behaviour: whether a mapping is reused, or an
 * inbound datagram let in, regardless of the remote endpoint, only for the
 * same remote address, or only for the same remote address and port.
 */
export type NatBehavior = 'endpoint-independent' | 'address-dependent' | 'address-and-port-dependent';

/** Mapping and filtering behaviours together: what {@link NAT_PRESETS} holds. */
export interface NatBehaviors {
  /** How outbound datagrams reuse mappings (RFC 4787 §4.1). */
  readonly mapping: NatBehavior;
  /** Which inbound datagrams a mapping lets in (RFC 4787 §5). */
  readonly filtering: NatBehavior;
}

/** Options of {@link VirtualNetwork.createNat}. */
export interface NatOptions extends NatBehaviors {
  /** The NAT's external address; inside hosts appear from it. */
  readonly publicAddress: string;
  /** Ms a mapping lives without outbound traffic (inbound traffic does not refresh it); default 120 000. */
  readonly mappingTimeout?: number;
  /** Whether datagrams from inside to the NAT's own public address loop back in (RFC 4787 §6); default true. */
  readonly hairpinning?: boolean;
  /**
   * External port choice: `'preserve'` keeps the internal port when it is
   * free (else falls back to sequential); `'sequential'` takes the next free
   * port of `externalPorts`. Default `'preserve'`.
   */
  readonly portAllocation?: 'preserve' | 'sequential';
  /** External ports mappings may use; default 1024–65535. */
  readonly externalPorts?: PortRange;
  /** Most mappings at once; an outbound datagram needing one more is dropped. Default 1024. */
  readonly maxMappings?: number;
  /** Name of another NAT this one sits behind (carrier-grade NAT); default: on the public network. */
  readonly behind?: string;
}

/**
 * RFC 4787 combinations under their classic (RFC 3489) names, to spread into
 * {@link NatOptions}:
 *
 * | preset | mapping | filtering |
 * |---|---|---|
 * | `fullCone` | endpoint-independent | endpoint-independent |
 * | `restrictedCone` | endpoint-independent | address-dependent |
 * | `portRestrictedCone` | endpoint-independent | address-and-port-dependent |
 * | `symmetric` | address-and-port-dependent | address-and-port-dependent |
 *
 * @example
 * ```ts
 * const nat = net.createNat('home', { publicAddress: '203.0.113.1', ...NAT_PRESETS.symmetric });
 * const alice = net.createHost('alice', { addresses: ['192.168.1.10'], behind: 'home' });
 * ```
 */
export const NAT_PRESETS: {
  /** Endpoint-independent mapping and filtering: once mapped, anyone can send in. */
  readonly fullCone: NatBehaviors;
  /** Endpoint-independent mapping, address-dependent filtering. */
  readonly restrictedCone: NatBehaviors;
  /** Endpoint-independent mapping, address-and-port-dependent filtering. */
  readonly portRestrictedCone: NatBehaviors;
  /** Address-and-port-dependent mapping and filtering: a new mapping per destination. */
  readonly symmetric: NatBehaviors;
} = Object.freeze({
  fullCone: { mapping: 'endpoint-independent', filtering: 'endpoint-independent' },
  restrictedCone: { mapping: 'endpoint-independent', filtering: 'address-dependent' },
  portRestrictedCone: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  symmetric: { mapping: 'address-and-port-dependent', filtering: 'address-and-port-dependent' },
});

/** One live mapping, as {@link VirtualNat.mappings} lists it. */
export interface NatMappingInfo {
  /** The inside host's address and port. */
  readonly internal: TransportAddress;
  /** The public address and port it is mapped to. */
  readonly external: TransportAddress;
  /**
   * The destination the mapping is bound to: none (endpoint-independent
   * mapping), an address (address-dependent), or an address and a port.
   */
  readonly destination?: NatMappingDestination;
  /** Scheduler time at which it was created. */
  readonly createdAt: number;
  /** Scheduler time at which it expires unless outbound traffic refreshes it. */
  readonly expiresAt: number;
}

/** The destination part of an address-dependent or address-and-port-dependent mapping. */
export interface NatMappingDestination {
  /** The remote address. */
  readonly address: string;
  /** The remote port (address-and-port-dependent mapping only). */
  readonly port?: number;
}

/** A mapping was created or expired. */
export interface NatEvent {
  /** What happened. */
  readonly type: 'mapping-created' | 'mapping-expired';
  /** Scheduler time. */
  readonly time: number;
  /** The inside host's address and port. */
  readonly internal: TransportAddress;
  /** The public address and port. */
  readonly external: TransportAddress;
}

/** Counters of one NAT box. */
export interface NatStats {
  /** Mappings in the table now. */
  readonly activeMappings: number;
  /** Mappings created so far. */
  readonly mappingsCreated: number;
  /** Mappings that timed out so far. */
  readonly mappingsExpired: number;
  /** Datagrams translated on their way out. */
  readonly outbound: number;
  /** Datagrams translated on their way in (hairpinned ones included). */
  readonly inbound: number;
  /** Datagrams from inside to the public address looped back in. */
  readonly hairpinned: number;
  /** Inbound datagrams to a port without a (live) mapping. */
  readonly droppedNoMapping: number;
  /** Inbound datagrams the filtering behaviour refused. */
  readonly droppedFiltered: number;
  /** Hairpin datagrams dropped because hairpinning is off. */
  readonly droppedHairpin: number;
  /** Outbound datagrams dropped because no mapping could be made (table or ports full, wrong family). */
  readonly droppedNoPort: number;
}

/**
 * A NAT box on a {@link VirtualNetwork} (see {@link VirtualNetwork.createNat}).
 *
 * @example
 * ```ts
 * const nat = net.createNat('home', { publicAddress: '203.0.113.1', ...NAT_PRESETS.symmetric, mappingTimeout: 30_000 });
 * nat.events$.subscribe((e) => console.log(e.time, e.type, e.internal, '→', e.external));
 * // ... after some traffic
 * expect(nat.mappings()).toHaveLength(2); // symmetric: one mapping per destination
 * expect(nat.stats.droppedFiltered).toBe(0);
 * ```
 */
export interface VirtualNat {
  /** The NAT's node name (for `behind` and `setLink`). */
  readonly name: string;
  /** Its external address. */
  readonly publicAddress: string;
  /** Its mapping behaviour. */
  readonly mapping: NatBehavior;
  /** Its filtering behaviour. */
  readonly filtering: NatBehavior;
  /** Its counters (a snapshot). */
  readonly stats: NatStats;
  /** Mappings created and expired, with their scheduler time. Hot; never completes. */
  readonly events$: Observable<NatEvent>;
  /** The live mappings, oldest first (a snapshot). */
  mappings(): NatMappingInfo[];
}
