/**
 * Network changes as plain data: which interface addresses appeared and
 * which went away between two polls of `Transport.hostAddresses()`.
 */
import type { HostAddress } from '../transport/types.js';

/** One change of the host's interface addresses, as `IceAgent.interfaceChanges$` reports it. */
export interface InterfaceChange {
  /** Addresses that appeared: host candidates are gathered on them and trickled on `candidates$`. */
  readonly added: readonly HostAddress[];
  /** Addresses that went away: their sockets are closed, their candidates and pairs dropped. */
  readonly removed: readonly string[];
  /**
   * The pair data flowed over used one of the removed addresses. The session
   * is `failed` (it may not nominate another pair, RFC 8445 §8.1.1): call
   * `restart()` to reconnect over what is left.
   */
  readonly selectedPairLost: boolean;
}

/**
 * Compares the addresses host sockets are bound (or binding) on with the
 * host's current addresses (already filtered by `ipFilter`): what to gather
 * on, and what to retire.
 */
export function diffHostAddresses(
  gathered: ReadonlySet<string>,
  current: readonly HostAddress[],
): { added: HostAddress[]; removed: string[] } {
  const present = new Set(current.map((a) => a.address));
  return {
    added: current.filter((a) => !gathered.has(a.address)),
    removed: [...gathered].filter((address) => !present.has(address)),
  };
}
