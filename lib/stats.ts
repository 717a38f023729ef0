import type { Candidate } from './candidate-types.js';
import type { IceRole, PairState } from './core/pair.js';
import type { AwaitedInput, ConnectionState, FailureReason, IceSession } from './core/session.js';
import type { SessionCounters } from './core/session-counters.js';
import { createMdnsCounters, type MdnsCounters } from './mdns/agent-mdns.js';
import { createTcpSocketCounters, type TcpSocketCounters } from './transport/tcp-socket-limits.js';
import {
  createIceServerCounters,
  type IceServerAttemptStats,
  type IceServerCounters,
} from './turn/server-stats.js';

/** Data-path and socket counters kept by the agent itself. */
export interface TransportCounters extends MdnsCounters {
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
  /** Datagrams framed as STUN (header, length field, magic cookie) that did not decode as STUN. */
  malformedPackets: number;
  /** Host sockets that could not be bound. */
  bindErrors: number;
  /** Send errors reported by the sockets. */
  sendErrors: number;
}

/** Zeroed transport counters. */
export function createTransportCounters(): TransportCounters {
  return {
    ...createMdnsCounters(),
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
/** Same check for the STUN/TURN server counters. */
export type ServerCounterNamesAreDisjoint = Disjoint<
  keyof IceServerCounters & (keyof TransportCounters | keyof SessionCounters)
>;

/** One candidate pair as reported by `getStats()`. */
export interface CandidatePairStats {
  /** Identifier of the pair within its session. */
  readonly id: number;
  /** The local candidate. */
  readonly local: Candidate;
  /** The remote candidate (signaled or peer-reflexive). */
  readonly remote: Candidate;
  /** Checklist state: frozen, waiting, in-progress, succeeded or failed (RFC 8445 §6.1.2.6). */
  readonly state: PairState;
  /** In the valid list (a check on it succeeded). */
  readonly valid: boolean;
  /** Nominated for use (RFC 8445 §8.1.1). */
  readonly nominated: boolean;
  /** The pair application data flows over. */
  readonly selected: boolean;
  /** Pair priority as a decimal string: it needs 64 bits, and strings survive `JSON.stringify`. */
  readonly priority: string;
  /** Last round-trip time of a check, ms. */
  readonly rtt: number | undefined;
  /** Connectivity checks (Binding requests) sent on this pair, retransmissions excluded. */
  readonly requestsSent: number;
  /** Connectivity checks received on this pair. */
  readonly requestsReceived: number;
  /** Binding responses sent on this pair. */
  readonly responsesSent: number;
  /** Binding responses received on this pair. */
  readonly responsesReceived: number;
}

/** What `IceAgent.getStats()` returns: ex_ice's fields and more. JSON-safe. */
export interface AgentStats extends TransportCounters, SessionCounters, IceServerCounters {
  /** Connection state, as `connectionState$` last emitted it. */
  readonly state: ConnectionState;
  /** Why the state is `failed` (checks, consent expired, local address gone); undefined otherwise. */
  readonly failureReason: FailureReason | undefined;
  /** Gathering state, as `gatheringState$` last emitted it. */
  readonly gatheringState: 'new' | 'gathering' | 'complete';
  /** Current role (it may have changed after a role conflict). */
  readonly role: IceRole;
  /** The local username fragment of the current generation. */
  readonly localUfrag: string;
  /** ICE generation: 0, then +1 per restart. */
  readonly generation: number;
  /** Local candidates of the current generation. */
  readonly localCandidates: Candidate[];
  /** Remote candidates, signaled and peer-reflexive. */
  readonly remoteCandidates: Candidate[];
  /** Every pair of the checklist. */
  readonly candidatePairs: CandidatePairStats[];
  /** The selected pair, once there is one. */
  readonly selectedPair: CandidatePairStats | undefined;
  /** One entry per STUN/TURN server attempt (server URL × host socket). */
  readonly iceServers: IceServerAttemptStats[];
  /**
   * ICE-TCP connections, summed over the TCP candidates (option `tcp`; all
   * zero without it): opened, lost, refused, closed by the
   * pre-authentication guard, and datagrams dropped for a full send buffer
   * (a slow reader) or for want of a connection.
   */
  readonly tcp: TcpSocketCounters;
  /**
   * When the current session next needs its timer (scheduler clock), or null
   * when it has nothing scheduled (then `awaiting` names what it waits for).
   */
  readonly nextTimeout: number | null;
  /**
   * What a session with nothing scheduled waits for: the remote's
   * credentials, the end of our gathering, or (controlled side) the peer's
   * nomination. Null while it has a deadline, and once it is terminal.
   */
  readonly awaiting: AwaitedInput | null;
}

/** Assembles a stats snapshot from a session and the agent's own counters. */
export function buildStats(input: {
  session: IceSession;
  /** The state the application sees (`connectionState$`): after a restart, the old pair's until the new one connects. */
  state: ConnectionState;
  /** Why `state` is `failed`. */
  failureReason: FailureReason | undefined;
  transport: TransportCounters;
  gatheringState: AgentStats['gatheringState'];
  generation: number;
  localCandidates: Candidate[];
  servers?: { counters: IceServerCounters; attempts: IceServerAttemptStats[] } | undefined;
  /** Counters of the TCP candidates. */
  tcp?: TcpSocketCounters | undefined;
  /** The scheduler's clock now. */
  now: number;
}): AgentStats {
  const { session } = input;
  const pairs = pairStatsOf(session);
  return {
    ...input.transport,
    ...session.counters,
    ...(input.servers?.counters ?? createIceServerCounters()),
    state: input.state,
    failureReason: input.failureReason,
    gatheringState: input.gatheringState,
    role: session.role,
    localUfrag: session.localCredentials.ufrag,
    generation: input.generation,
    localCandidates: input.localCandidates,
    remoteCandidates: [...session.remoteCandidates],
    candidatePairs: pairs,
    selectedPair: pairs.find((p) => p.selected),
    iceServers: input.servers?.attempts ?? [],
    tcp: input.tcp ?? createTcpSocketCounters(),
    nextTimeout: session.nextTimeout(input.now) ?? null,
    awaiting: session.awaiting(input.now) ?? null,
  };
}

/** Every pair of a session's checklist as {@link CandidatePairStats}, highest priority first. */
export function pairStatsOf(session: IceSession): CandidatePairStats[] {
  return session.checklist.pairs.map(
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
      requestsSent: p.counters.requestsSent,
      requestsReceived: p.counters.requestsReceived,
      responsesSent: p.counters.responsesSent,
      responsesReceived: p.counters.responsesReceived,
    }),
  );
}
