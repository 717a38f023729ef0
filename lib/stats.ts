import type { Candidate } from './candidate-types.js';
import type { IceRole, PairState } from './core/pair.js';
import type { ConnectionState, IceSession } from './core/session.js';
import type { SessionCounters } from './core/session-counters.js';

/** Data-path and socket counters kept by the agent itself. */
export interface TransportCounters {
  /** Application bytes sent (no STUN, no UDP/IP headers). */
  bytesSent: number;
  /** Application bytes received from validated remotes. */
  bytesReceived: number;
  /** Application datagrams sent. */
  packetsSent: number;
  /** Application datagrams received from validated remotes. */
  packetsReceived: number;
  /** Non-STUN datagrams dropped because their source was not validated. */
  droppedDataPackets: number;
  /** Datagrams in the STUN range that did not decode as STUN. */
  malformedPackets: number;
  /** Host sockets that could not be bound. */
  bindErrors: number;
  /** Send errors reported by the sockets. */
  sendErrors: number;
}

/** Zeroed transport counters. */
export function createTransportCounters(): TransportCounters {
  return {
    bytesSent: 0,
    bytesReceived: 0,
    packetsSent: 0,
    packetsReceived: 0,
    droppedDataPackets: 0,
    malformedPackets: 0,
    bindErrors: 0,
    sendErrors: 0,
  };
}

// Stats merge both counter sets: a name in both would silently shadow the other (compile error if so).
type Disjoint<Overlap extends never> = Overlap;
export type CounterNamesAreDisjoint = Disjoint<keyof TransportCounters & keyof SessionCounters>;

/** One candidate pair as reported by `getStats()`. */
export interface CandidatePairStats {
  readonly id: number;
  readonly local: Candidate;
  readonly remote: Candidate;
  readonly state: PairState;
  /** In the valid list (a check on it succeeded). */
  readonly valid: boolean;
  readonly nominated: boolean;
  readonly selected: boolean;
  /** Pair priority as a decimal string: it needs 64 bits, and strings survive `JSON.stringify`. */
  readonly priority: string;
  /** Last round-trip time of a check, ms. */
  readonly rtt: number | undefined;
  readonly requestsSent: number;
  readonly requestsReceived: number;
  readonly responsesSent: number;
  readonly responsesReceived: number;
}

/** What `IceAgent.getStats()` returns: ex_ice's fields and more. JSON-safe. */
export interface AgentStats extends TransportCounters, SessionCounters {
  readonly state: ConnectionState;
  readonly gatheringState: 'new' | 'gathering' | 'complete';
  readonly role: IceRole;
  readonly localUfrag: string;
  /** ICE generation: 0, then +1 per restart. */
  readonly generation: number;
  readonly localCandidates: Candidate[];
  readonly remoteCandidates: Candidate[];
  readonly candidatePairs: CandidatePairStats[];
  readonly selectedPair: CandidatePairStats | undefined;
}

/** Assembles a stats snapshot from a session and the agent's own counters. */
export function buildStats(input: {
  session: IceSession;
  transport: TransportCounters;
  gatheringState: AgentStats['gatheringState'];
  generation: number;
  localCandidates: Candidate[];
}): AgentStats {
  const { session } = input;
  const pairs = session.checklist.pairs.map(
    (p): CandidatePairStats => ({
      id: p.id,
      local: p.local.candidate,
      remote: p.remote,
      state: p.state,
      valid: p.valid,
      nominated: p.nominated,
      selected: p === session.selectedPair,
      priority: p.priority.toString(),
      rtt: p.rtt,
      ...p.counters,
    }),
  );
  return {
    ...input.transport,
    ...session.counters,
    state: session.state,
    gatheringState: input.gatheringState,
    role: session.role,
    localUfrag: session.localCredentials.ufrag,
    generation: input.generation,
    localCandidates: input.localCandidates,
    remoteCandidates: [...session.remoteCandidates],
    candidatePairs: pairs,
    selectedPair: pairs.find((p) => p.selected),
  };
}
