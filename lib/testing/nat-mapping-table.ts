/**
 * The bounded mapping table of a virtual NAT: which mapping an outbound
 * datagram uses (RFC 4787 §4.1), which external port a new mapping gets
 * (§4.2), and which inbound datagrams a mapping lets in (§5). No clock of its
 * own: callers pass the time and expire mappings.
 */
import type { Subscription } from 'rxjs';
import type { PortRange } from '../transport/types.js';
import type { NatBehavior } from './nat-types.js';

/** Most remote endpoints a mapping remembers for filtering; the least recently used is forgotten first. */
const MAX_CONTACTED_PER_MAPPING = 256;

/** One mapping; `expiresAt` and `contacted` change as outbound traffic refreshes it. */
export interface NatMapping {
  readonly key: string;
  readonly internalAddress: string;
  readonly internalPort: number;
  readonly externalPort: number;
  /** The destination part of `key` (none for endpoint-independent mapping). */
  readonly destination?: { readonly address: string; readonly port?: number };
  readonly createdAt: number;
  expiresAt: number;
  /** Filter keys of the remote endpoints this mapping sent to, least recently used first. */
  readonly contacted: Set<string>;
  /** The expiry timer, owned by the NAT box. */
  expiry?: Subscription;
}

/** How the table behaves. */
export interface NatTableConfig {
  readonly mapping: NatBehavior;
  readonly filtering: NatBehavior;
  readonly portAllocation: 'preserve' | 'sequential';
  readonly externalPorts: PortRange;
  readonly maxMappings: number;
  readonly mappingTimeout: number;
}

export class NatMappingTable {
  readonly #byKey = new Map<string, NatMapping>();
  readonly #byPort = new Map<number, NatMapping>();
  #nextPort: number;

  constructor(readonly config: NatTableConfig) {
    this.#nextPort = config.externalPorts.min;
  }

  get size(): number {
    return this.#byPort.size;
  }

  /** Live and not yet expired mappings, oldest first. */
  values(): IterableIterator<NatMapping> {
    return this.#byPort.values();
  }

  /** The mapping an outbound datagram from `internal` to `remote` would reuse, if any. */
  findOutbound(
    internalAddress: string,
    internalPort: number,
    remoteAddress: string,
    remotePort: number,
  ): NatMapping | undefined {
    return this.#byKey.get(this.#mappingKey(internalAddress, internalPort, remoteAddress, remotePort));
  }

  /** The mapping owning an external port, if any. */
  findInbound(externalPort: number): NatMapping | undefined {
    return this.#byPort.get(externalPort);
  }

  /** A new mapping for an outbound datagram, or undefined when the table or the port range is full. */
  create(
    internalAddress: string,
    internalPort: number,
    remoteAddress: string,
    remotePort: number,
    now: number,
  ): NatMapping | undefined {
    if (this.#byPort.size >= this.config.maxMappings) return undefined;
    const externalPort = this.#allocatePort(internalPort);
    if (externalPort === undefined) return undefined;
    const entry: NatMapping = {
      key: this.#mappingKey(internalAddress, internalPort, remoteAddress, remotePort),
      internalAddress,
      internalPort,
      externalPort,
      createdAt: now,
      expiresAt: now + this.config.mappingTimeout,
      contacted: new Set(),
    };
    const destination = this.#destination(remoteAddress, remotePort);
    const created = destination === undefined ? entry : { ...entry, destination };
    this.#byKey.set(created.key, created);
    this.#byPort.set(externalPort, created);
    return created;
  }

  /** Outbound traffic through `mapping` to a remote: extends its life and opens the filter to that remote. */
  refresh(mapping: NatMapping, remoteAddress: string, remotePort: number, now: number): void {
    mapping.expiresAt = now + this.config.mappingTimeout;
    const key = this.#filterKey(remoteAddress, remotePort);
    if (key === undefined) return;
    mapping.contacted.delete(key);
    mapping.contacted.add(key);
    if (mapping.contacted.size > MAX_CONTACTED_PER_MAPPING) {
      const oldest = mapping.contacted.values().next().value;
      if (oldest !== undefined) mapping.contacted.delete(oldest);
    }
  }

  /** Whether the filtering behaviour lets a datagram from this remote in through `mapping`. */
  permits(mapping: NatMapping, remoteAddress: string, remotePort: number): boolean {
    const key = this.#filterKey(remoteAddress, remotePort);
    return key === undefined || mapping.contacted.has(key);
  }

  remove(mapping: NatMapping): void {
    if (this.#byPort.get(mapping.externalPort) !== mapping) return;
    this.#byPort.delete(mapping.externalPort);
    this.#byKey.delete(mapping.key);
  }

  #mappingKey(
    internalAddress: string,
    internalPort: number,
    remoteAddress: string,
    remotePort: number,
  ): string {
    const inside = `${internalAddress}|${internalPort}`;
    switch (this.config.mapping) {
      case 'endpoint-independent':
        return inside;
      case 'address-dependent':
        return `${inside}|${remoteAddress}`;
      case 'address-and-port-dependent':
        return `${inside}|${remoteAddress}|${remotePort}`;
    }
  }

  /** What of the remote endpoint the mapping is bound to (nothing when endpoint-independent). */
  #destination(remoteAddress: string, remotePort: number): NatMapping['destination'] {
    switch (this.config.mapping) {
      case 'endpoint-independent':
        return undefined;
      case 'address-dependent':
        return { address: remoteAddress };
      case 'address-and-port-dependent':
        return { address: remoteAddress, port: remotePort };
    }
  }

  /** undefined: endpoint-independent filtering remembers nothing and lets everything in. */
  #filterKey(remoteAddress: string, remotePort: number): string | undefined {
    switch (this.config.filtering) {
      case 'endpoint-independent':
        return undefined;
      case 'address-dependent':
        return remoteAddress;
      case 'address-and-port-dependent':
        return `${remoteAddress}|${remotePort}`;
    }
  }

  #allocatePort(internalPort: number): number | undefined {
    const { min, max } = this.config.externalPorts;
    if (
      this.config.portAllocation === 'preserve' &&
      internalPort >= min &&
      internalPort <= max &&
      !this.#byPort.has(internalPort)
    ) {
      return internalPort;
    }
    let port = this.#nextPort;
    for (let i = 0; i <= max - min; i++) {
      const candidate = port;
      port = port >= max ? min : port + 1;
      if (!this.#byPort.has(candidate)) {
        this.#nextPort = port;
        return candidate;
      }
    }
    return undefined;
  }
}
