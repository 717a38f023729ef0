/**
 * Who owns which address, where: the nodes of a virtual network (hosts and
 * NAT boxes) in their address realms (the public network, and the private
 * side of each NAT), and the next hop of a datagram.
 */
import { InvalidArgumentError } from '../errors.js';
import type { NatBox } from './nat-box.js';
import { canonicalOrSelf, isLoopback, normalizeAddress } from './network-addresses.js';
import type { VirtualPacket } from './network-types.js';
import type { Host } from './virtual-host.js';

/** An address realm: the public network, or the private side of one NAT. */
export interface Realm {
  /** Owner of each non-loopback address in the realm. */
  readonly owners: Map<string, TopologyNode>;
  /** The NAT whose private side this is; undefined for the public network. */
  readonly gateway: NatNode | undefined;
}

export interface HostNode {
  readonly kind: 'host';
  readonly name: string;
  readonly host: Host;
  readonly realm: Realm;
}

export interface NatNode {
  readonly kind: 'nat';
  readonly name: string;
  readonly nat: NatBox;
  /** Where the public address lives. */
  readonly realm: Realm;
  /** The private side. */
  readonly inside: Realm;
}

export type TopologyNode = HostNode | NatNode;

export class NetworkTopology {
  readonly public: Realm = { owners: new Map(), gateway: undefined };
  readonly #nodes = new Map<string, TopologyNode>();

  node(name: string): TopologyNode | undefined {
    return this.#nodes.get(name);
  }

  /** Where a node sends from: its realm (a NAT's public side); the public network for unknown names. */
  realmOf(name: string): Realm {
    return this.#nodes.get(name)?.realm ?? this.public;
  }

  /**
   * Checks that `name` is free and `behind` (if any) names a NAT; returns the
   * realm a new node goes in. Throws {@link InvalidArgumentError}.
   */
  placeNew(name: string, behind: string | undefined): Realm {
    if (typeof name !== 'string' || name === '' || name === '*')
      throw new InvalidArgumentError(`invalid node name: ${String(name)}`);
    if (this.#nodes.has(name)) throw new InvalidArgumentError(`a host or NAT named ${name} already exists`);
    if (behind === undefined) return this.public;
    const nat = this.#nodes.get(behind);
    if (nat?.kind !== 'nat') throw new InvalidArgumentError(`${name}: no NAT named ${String(behind)}`);
    return nat.inside;
  }

  /** Normalizes a new host's addresses; throws when one is malformed or taken in its realm. */
  hostAddresses(name: string, given: readonly string[] | undefined, realm: Realm): string[] {
    if (!Array.isArray(given) || given.length === 0)
      throw new InvalidArgumentError(`host ${name} needs at least one address`);
    const addresses: string[] = [];
    for (const raw of given) {
      const address = normalizeAddress(raw);
      if (address === undefined)
        throw new InvalidArgumentError(`host ${name}: not an IP address: ${String(raw)}`);
      if ((!isLoopback(address) && realm.owners.has(address)) || addresses.includes(address))
        throw new InvalidArgumentError(`host ${name}: address ${address} is already in use`);
      addresses.push(address);
    }
    return addresses;
  }

  addHost(host: Host, realm: Realm): void {
    const node: HostNode = { kind: 'host', name: host.name, host, realm };
    this.#nodes.set(host.name, node);
    for (const a of host.addresses) if (!isLoopback(a)) realm.owners.set(a, node);
  }

  addNat(nat: NatBox, realm: Realm): void {
    if (realm.owners.has(nat.publicAddress))
      throw new InvalidArgumentError(`NAT ${nat.name}: address ${nat.publicAddress} is already in use`);
    const inside: { owners: Map<string, TopologyNode>; gateway: NatNode | undefined } = {
      owners: new Map(),
      gateway: undefined,
    };
    const node: NatNode = { kind: 'nat', name: nat.name, nat, realm, inside };
    inside.gateway = node;
    this.#nodes.set(nat.name, node);
    realm.owners.set(nat.publicAddress, node);
  }

  /**
   * The node a datagram in `realm` goes to next: the sending host itself (its
   * own or loopback address), the owner of the destination in the realm, or,
   * leaving a private realm, its NAT. Undefined: unroutable.
   */
  nextHop(realm: Realm, packet: VirtualPacket): TopologyNode | undefined {
    const sender = this.#nodes.get(packet.fromHost);
    const destination = packet.dstAddress;
    if (sender?.kind === 'host' && sender.realm === realm && sender.host.owns(destination)) return sender;
    const owner = realm.owners.get(destination) ?? realm.owners.get(canonicalOrSelf(destination));
    if (owner !== undefined) {
      if (owner.kind === 'host' || owner !== sender) return owner;
      return undefined; // a NAT sending to its own public address from outside
    }
    const gateway = realm.gateway;
    return gateway !== undefined && gateway !== sender ? gateway : undefined;
  }
}
