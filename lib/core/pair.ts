import { pairPriority } from '../candidate.js';
import type { Candidate } from '../candidate-types.js';

/** Candidate pair states (RFC 8445 §6.1.2.6). */
export type PairState = 'frozen' | 'waiting' | 'in-progress' | 'succeeded' | 'failed';

/** ICE roles (RFC 8445 §6.1.1). */
export type IceRole = 'controlling' | 'controlled';

/**
 * A local candidate as the core tracks it: the signaled candidate plus the
 * socket its packets leave from (`socketId`; a server-reflexive or
 * peer-reflexive candidate shares its base's socket).
 */
export interface LocalCandidate {
  readonly candidate: Candidate;
  readonly socketId: number;
}

/** Per-pair counters, exposed through stats. */
export interface PairCounters {
  requestsSent: number;
  requestsReceived: number;
  responsesSent: number;
  responsesReceived: number;
  /** Application datagrams sent on this pair (kept by the agent's data path, not by the core). */
  packetsSent?: number;
  /** Application datagrams received on this pair (agent's data path). */
  packetsReceived?: number;
  /** Application bytes sent on this pair (agent's data path). */
  bytesSent?: number;
  /** Application bytes received on this pair (agent's data path). */
  bytesReceived?: number;
  /** Scheduler time of the last application datagram sent on this pair, ms (agent's data path). */
  lastPacketSentAt?: number;
  /** Scheduler time of the last application datagram received on this pair, ms (agent's data path). */
  lastPacketReceivedAt?: number;
  /** Sum of the round-trip times measured on this pair, ms (checks and consent checks answered at first try). */
  totalRoundTripTime?: number;
  /** How many round-trip times {@link totalRoundTripTime} sums. */
  roundTripTimeMeasurements?: number;
  /** The latest of those round-trip times, ms. */
  lastRoundTripTime?: number;
}

/**
 * A candidate pair in the checklist (or only in the valid list, when a check
 * produced a pair that was never checked itself, RFC 8445 §7.2.5.3.2).
 */
export interface CandidatePair {
  readonly id: number;
  readonly local: LocalCandidate;
  /** The remote candidate; a peer-reflexive one is replaced when the peer signals the same address. */
  remote: Candidate;
  /** Pair foundation: local and remote foundations joined. */
  foundation: string;
  priority: bigint;
  state: PairState;
  /**
   * In the valid list (RFC 8445 §7.2.5.3.2): a check produced this pair and
   * its response was successful. Cleared when a later check on the pair
   * times out (the path died).
   */
  valid: boolean;
  /** Nominated for use (RFC 8445 §8.1.1). */
  nominated: boolean;
  /** Controlled side: the peer sent USE-CANDIDATE on this pair (RFC 8445 §7.3.1.5). */
  remoteNominated: boolean;
  /**
   * The peer generation (remote ufrag of the check's USERNAME) that sent the
   * USE-CANDIDATE: a session that follows newer credentials forgets the
   * nominations of the generations it leaves.
   */
  remoteNominatedBy?: string;
  /**
   * The peer sent a check without USE-CANDIDATE on this path. A peer that
   * nominates regularly (RFC 8445 §8.1.1) always checks a pair before it
   * nominates it; one that nominates aggressively puts USE-CANDIDATE on its
   * first check.
   */
  plainCheckReceived: boolean;
  /** Controlled side, renomination agreed: the highest NOMINATION value the peer sent on this path. */
  remoteNominationValue?: number;
  /**
   * Set on a valid pair that was never checked itself: its local candidate is
   * the server- or peer-reflexive address a response revealed, and this is
   * the pair that was checked from its base (RFC 8445 §7.2.5.3.2).
   * Nomination repeats that check (§8.1.1). Undefined on checked pairs.
   */
  generatedBy?: CandidatePair;
  /** The valid pair this pair's last successful check produced. */
  validPair?: CandidatePair;
  /** When a check on this pair last succeeded (scheduler clock): the path answered at least once. */
  validatedAt?: number;
  /** When the peer's last authenticated check on this path arrived (scheduler clock). */
  lastCheckReceivedAt?: number;
  /** The peer proved it knows our password on this path (authenticated request received). */
  remoteAuthenticated: boolean;
  /** Last measured round-trip time in ms. */
  rtt?: number;
  readonly counters: PairCounters;
}

/** Key identifying a path: local socket and remote transport address. */
export function pathKey(socketId: number, address: string, port: number): string {
  return `${socketId}|${address}|${port}`;
}

/** Whether a datagram on local socket `socketId` from (or to) `address:port` travels this pair's path. */
export function isOnPath(pair: CandidatePair, socketId: number, address: string, port: number): boolean {
  return pair.remote.port === port && pair.local.socketId === socketId && pair.remote.address === address;
}

/** The pair whose check produced `pair` (itself unless it is a valid-only pair): nomination checks go there. */
export function checkedPairOf(pair: CandidatePair): CandidatePair {
  return pair.generatedBy ?? pair;
}

/** Creates a pair in the `frozen` state with its RFC 8445 §6.1.2.3 priority. */
export function createPair(
  id: number,
  local: LocalCandidate,
  remote: Candidate,
  role: IceRole,
): CandidatePair {
  return {
    id,
    local,
    remote,
    foundation: `${local.candidate.foundation}:${remote.foundation}`,
    priority: computePairPriority(local.candidate, remote, role),
    state: 'frozen',
    valid: false,
    nominated: false,
    remoteNominated: false,
    plainCheckReceived: false,
    remoteAuthenticated: false,
    counters: { requestsSent: 0, requestsReceived: 0, responsesSent: 0, responsesReceived: 0 },
  };
}

/** Pair priority from our role: G is the controlling side's candidate priority. */
export function computePairPriority(local: Candidate, remote: Candidate, role: IceRole): bigint {
  return role === 'controlling'
    ? pairPriority(local.priority, remote.priority)
    : pairPriority(remote.priority, local.priority);
}

/** Orders pairs by descending priority (ties broken by creation order, for determinism). */
export function byPriorityDescending(a: CandidatePair, b: CandidatePair): number {
  if (a.priority === b.priority) return a.id - b.id;
  return a.priority > b.priority ? -1 : 1;
}
