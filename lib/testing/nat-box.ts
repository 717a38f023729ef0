/**
 * A NAT box of the virtual network: translates datagrams between its private
 * address realm and the network outside it with RFC 4787 mapping, filtering,
 * mapping timeout and hairpinning, all timed by the network's scheduler.
 * The network routes; the box only says what becomes of each datagram.
 */
import { type Observable, type SchedulerLike, Subject } from 'rxjs';
import { InvalidArgumentError } from '../errors.js';
import { scheduleExpiry } from './expiry-timer.js';
import { type NatMapping, NatMappingTable } from './nat-mapping-table.js';
import type { NatBehavior, NatEvent, NatMappingInfo, NatOptions, NatStats, VirtualNat } from './nat-types.js';
import { canonicalOrSelf, familyOf, isValidPortRange, normalizeAddress } from './network-addresses.js';
import type { DropReason, VirtualPacket } from './network-types.js';

/** What becomes of a datagram that reached the NAT box. */
export type NatVerdict =
  | { readonly forward: 'inside' | 'outside'; readonly packet: VirtualPacket }
  | { readonly drop: DropReason };

const BEHAVIORS: readonly NatBehavior[] = [
  'endpoint-independent',
  'address-dependent',
  'address-and-port-dependent',
];

type Counters = { -readonly [K in keyof NatStats]: NatStats[K] };

/** Internal; the public face is {@link VirtualNat}. */
export class NatBox implements VirtualNat {
  readonly publicAddress: string;
  readonly mapping: NatBehavior;
  readonly filtering: NatBehavior;
  readonly hairpinning: boolean;
  readonly events$: Observable<NatEvent>;
  readonly #table: NatMappingTable;
  readonly #events = new Subject<NatEvent>();
  readonly #counters: Counters = {
    activeMappings: 0,
    mappingsCreated: 0,
    mappingsExpired: 0,
    outbound: 0,
    inbound: 0,
    hairpinned: 0,
    droppedNoMapping: 0,
    droppedFiltered: 0,
    droppedHairpin: 0,
    droppedNoPort: 0,
  };

  constructor(
    readonly name: string,
    options: NatOptions,
    readonly scheduler: SchedulerLike,
  ) {
    const fail = (message: string) => new InvalidArgumentError(`NAT ${name}: ${message}`);
    const publicAddress = normalizeAddress(options?.publicAddress);
    if (publicAddress === undefined) throw fail(`not an IP address: ${String(options?.publicAddress)}`);
    if (!BEHAVIORS.includes(options.mapping)) throw fail(`mapping must be one of ${BEHAVIORS.join(', ')}`);
    if (!BEHAVIORS.includes(options.filtering))
      throw fail(`filtering must be one of ${BEHAVIORS.join(', ')}`);
    const {
      mappingTimeout = 120_000,
      hairpinning = true,
      portAllocation = 'preserve',
      externalPorts = { min: 1024, max: 65535 },
      maxMappings = 1024,
    } = options;
    if (!(Number.isFinite(mappingTimeout) && mappingTimeout > 0)) throw fail('mappingTimeout must be > 0 ms');
    if (typeof hairpinning !== 'boolean') throw fail('hairpinning must be a boolean');
    if (portAllocation !== 'preserve' && portAllocation !== 'sequential')
      throw fail("portAllocation must be 'preserve' or 'sequential'");
    if (!isValidPortRange(externalPorts)) throw fail('externalPorts must be { min, max } within 1..65535');
    if (!(Number.isInteger(maxMappings) && maxMappings >= 1))
      throw fail('maxMappings must be an integer >= 1');
    this.publicAddress = publicAddress;
    this.mapping = options.mapping;
    this.filtering = options.filtering;
    this.hairpinning = hairpinning;
    this.#table = new NatMappingTable({
      mapping: options.mapping,
      filtering: options.filtering,
      portAllocation,
      externalPorts,
      maxMappings,
      mappingTimeout,
    });
    this.events$ = this.#events.asObservable();
  }

  get stats(): NatStats {
    return { ...this.#counters, activeMappings: this.#table.size };
  }

  mappings(): NatMappingInfo[] {
    const now = this.scheduler.now();
    const live: NatMappingInfo[] = [];
    for (const m of this.#table.values()) {
      if (now >= m.expiresAt) continue;
      const info: NatMappingInfo = {
        internal: { address: m.internalAddress, port: m.internalPort },
        external: { address: this.publicAddress, port: m.externalPort },
        createdAt: m.createdAt,
        expiresAt: m.expiresAt,
      };
      live.push(m.destination ? { ...info, destination: m.destination } : info);
    }
    return live;
  }

  /**
   * Translates a datagram that reached the box: from inside (`fromInside`) it
   * gets a mapping and leaves from the public address, or loops back in when
   * it is for the public address (hairpinning); from outside it must be for
   * the public address and pass the mapping's filter.
   */
  process(packet: VirtualPacket, fromInside: boolean): NatVerdict {
    const now = this.scheduler.now();
    if (!fromInside) return this.#inbound(packet, now);
    if (familyOf(packet.dstAddress) !== familyOf(this.publicAddress)) {
      this.#counters.droppedNoPort++;
      return { drop: 'unroutable' };
    }
    const mapping = this.#outboundMapping(packet, now);
    if (mapping === undefined) {
      this.#counters.droppedNoPort++;
      return { drop: 'filtered' };
    }
    const translated: VirtualPacket = {
      ...packet,
      fromHost: this.name,
      srcAddress: this.publicAddress,
      srcPort: mapping.externalPort,
    };
    if (canonicalOrSelf(packet.dstAddress) !== this.publicAddress) {
      this.#counters.outbound++;
      return { forward: 'outside', packet: translated };
    }
    // RFC 4787 §6: the hairpinned datagram comes in from the sender's external address, and is filtered.
    if (!this.hairpinning) {
      this.#counters.droppedHairpin++;
      return { drop: 'filtered' };
    }
    const verdict = this.#inbound(translated, now);
    if ('forward' in verdict) this.#counters.hairpinned++;
    return verdict;
  }

  #outboundMapping(packet: VirtualPacket, now: number): NatMapping | undefined {
    const { srcAddress, srcPort } = packet;
    const dstAddress = canonicalOrSelf(packet.dstAddress);
    let mapping = this.#alive(this.#table.findOutbound(srcAddress, srcPort, dstAddress, packet.dstPort), now);
    if (mapping === undefined) {
      mapping = this.#table.create(srcAddress, srcPort, dstAddress, packet.dstPort, now);
      if (mapping === undefined) return undefined;
      this.#counters.mappingsCreated++;
      const created = mapping;
      created.expiry = scheduleExpiry(
        this.scheduler,
        () => created.expiresAt,
        () => this.#expire(created),
      );
      this.#emit('mapping-created', created, now);
    }
    this.#table.refresh(mapping, dstAddress, packet.dstPort, now);
    return mapping;
  }

  #inbound(packet: VirtualPacket, now: number): NatVerdict {
    if (canonicalOrSelf(packet.dstAddress) !== this.publicAddress) {
      this.#counters.droppedNoMapping++;
      return { drop: 'unroutable' };
    }
    const mapping = this.#alive(this.#table.findInbound(packet.dstPort), now);
    if (mapping === undefined) {
      this.#counters.droppedNoMapping++;
      return { drop: 'filtered' };
    }
    if (!this.#table.permits(mapping, canonicalOrSelf(packet.srcAddress), packet.srcPort)) {
      this.#counters.droppedFiltered++;
      return { drop: 'filtered' };
    }
    this.#counters.inbound++;
    return {
      forward: 'inside',
      packet: {
        ...packet,
        fromHost: this.name,
        dstAddress: mapping.internalAddress,
        dstPort: mapping.internalPort,
      },
    };
  }

  /** The mapping if it is still alive; one found dead (its timer not yet run at this instant) expires now. */
  #alive(mapping: NatMapping | undefined, now: number): NatMapping | undefined {
    if (mapping === undefined || now < mapping.expiresAt) return mapping;
    this.#expire(mapping);
    return undefined;
  }

  #expire(mapping: NatMapping): void {
    if (this.#table.findInbound(mapping.externalPort) !== mapping) return;
    mapping.expiry?.unsubscribe();
    this.#table.remove(mapping);
    this.#counters.mappingsExpired++;
    this.#emit('mapping-expired', mapping, this.scheduler.now());
  }

  #emit(type: NatEvent['type'], m: NatMapping, time: number): void {
    if (!this.#events.observed) return;
    this.#events.next({
      type,
      time,
      internal: { address: m.internalAddress, port: m.internalPort },
      external: { address: this.publicAddress, port: m.externalPort },
    });
  }
}
