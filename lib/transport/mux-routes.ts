/**
 * The routing tables of a `UdpMux`: which session a datagram arriving on the
 * shared port belongs to. Every table is bounded; none grows with what
 * arrives from the network, only with what the sessions themselves send and
 * claim.
 * @internal
 * @module
 */
import { LimitExceededError } from '../errors.js';

/** What a route leads to: one session's virtual socket. */
export interface MuxRouteTarget {
  /** The socket is closed: routes to it are stale and dropped when met. */
  readonly closed: boolean;
  /** Address keys (see {@link addressKey}) this target has learned, oldest first. */
  readonly addresses: Set<string>;
}

/** Limits of the tables. */
export interface MuxRouteLimits {
  /** Claimed ufrags (each agent holds one, two during a restart). */
  readonly maxUfrags: number;
  /** Outstanding request transaction ids. */
  readonly maxTransactions: number;
  /** Learned remote addresses, all sessions together. */
  readonly maxAddresses: number;
  /** Learned remote addresses per session. */
  readonly maxAddressesPerSession: number;
}

/** `address:port`, the key of the address table. */
export function addressKey(address: string, port: number): string {
  return `${address}|${port}`;
}

/**
 * ufrag → session (requests), transaction id → session (responses), remote
 * address → session (everything else).
 */
export class MuxRoutes<T extends MuxRouteTarget> {
  /** Claimed ufrags; the value is the socket requests for it go to, once the agent bound one. */
  readonly ufrags = new Map<string, T | undefined>();
  /** Transaction ids (12 latin1 chars) of requests sent and not answered yet, oldest first. */
  readonly transactions = new Map<string, T>();
  /** Remote addresses the sessions sent to, oldest first: the last session to send to one owns it. */
  readonly addresses = new Map<string, T>();

  constructor(private readonly limits: MuxRouteLimits) {}

  /** Reserves a ufrag: false when taken; throws {@link LimitExceededError} when the table is full. */
  claim(ufrag: string): boolean {
    if (this.ufrags.has(ufrag)) return false;
    if (this.ufrags.size >= this.limits.maxUfrags) {
      throw new LimitExceededError(
        `UdpMux: ${this.limits.maxUfrags} ufrags claimed already (option maxUfrags); stop agents or add a mux`,
      );
    }
    this.ufrags.set(ufrag, undefined);
    return true;
  }

  /** Frees a claimed ufrag and its route. */
  release(ufrag: string): void {
    this.ufrags.delete(ufrag);
  }

  /**
   * Points the claimed `ufrags` at `target`, and its previous ufrags that are
   * not in the list back at nothing. An unclaimed free ufrag is claimed; one
   * routed to another live target stays with it.
   */
  routeUfrags(target: T, previous: readonly string[], ufrags: readonly string[]): string[] {
    for (const old of previous) {
      if (!ufrags.includes(old) && this.ufrags.get(old) === target) this.ufrags.set(old, undefined);
    }
    const routed: string[] = [];
    for (const ufrag of ufrags) {
      const owner = this.ufrags.get(ufrag);
      if (owner !== undefined && owner !== target && !owner.closed) continue;
      if (owner === undefined && !this.ufrags.has(ufrag) && !this.claim(ufrag)) continue;
      this.ufrags.set(ufrag, target);
      routed.push(ufrag);
    }
    return routed;
  }

  /** A request went out from `target`: its answer comes back to it. */
  noteTransaction(key: string, target: T): void {
    const transactions = this.transactions;
    transactions.delete(key); // a retransmission moves to the back
    if (transactions.size >= this.limits.maxTransactions) {
      const oldest = transactions.keys().next();
      if (!oldest.done) transactions.delete(oldest.value);
    }
    transactions.set(key, target);
  }

  /** The target of an answer, which it consumes (a duplicate answer finds nothing). */
  takeTransaction(key: string): T | undefined {
    const target = this.transactions.get(key);
    if (target !== undefined) this.transactions.delete(key);
    return target;
  }

  /** `target` sent to `key`: datagrams from there go to it from now on. */
  learnAddress(key: string, target: T): void {
    const addresses = this.addresses;
    const owner = addresses.get(key);
    if (owner === target) return;
    if (owner !== undefined) {
      owner.addresses.delete(key);
      addresses.delete(key);
    }
    const own = target.addresses;
    if (own.size >= this.limits.maxAddressesPerSession) {
      const oldest = own.keys().next();
      if (!oldest.done) this.forgetAddress(oldest.value, target);
    }
    if (addresses.size >= this.limits.maxAddresses) {
      const oldest = addresses.entries().next();
      if (!oldest.done) this.forgetAddress(oldest.value[0], oldest.value[1]);
    }
    addresses.set(key, target);
    own.add(key);
  }

  /** Drops every route to `target` but its transactions (met and dropped later, or pushed out). */
  forget(target: T, ufrags: readonly string[]): void {
    for (const ufrag of ufrags) {
      if (this.ufrags.get(ufrag) === target) this.ufrags.delete(ufrag);
    }
    for (const key of target.addresses) {
      if (this.addresses.get(key) === target) this.addresses.delete(key);
    }
    target.addresses.clear();
  }

  private forgetAddress(key: string, target: T): void {
    target.addresses.delete(key);
    if (this.addresses.get(key) === target) this.addresses.delete(key);
  }
}
