/**
 * A W3C-shaped view of the agent's stats: `IceAgent.getStatsReport()` returns
 * a `Map` like `RTCPeerConnection.getStats()`'s `RTCStatsReport`, with entries
 * of type `transport`, `candidate-pair`, `local-candidate` and
 * `remote-candidate` carrying the W3C field names and units (seconds for
 * round-trip times, milliseconds since the scheduler's epoch for timestamps).
 */
import type { Candidate, CandidateType } from './candidate-types.js';
import type { CandidatePair, IceRole, PairState } from './core/pair.js';
import type { ConnectionState, IceSession } from './core/session.js';
import type { TransportCounters } from './stats.js';
import type { TcpSocketCounters } from './transport/tcp-socket-limits.js';
import type { IceServerAttemptStats } from './turn/server-stats.js';

/** Fields every entry has (W3C `RTCStats`). */
export interface IceStatsBase {
  /** Unique within the report; stable for the same object across reports. */
  readonly id: string;
  /** Scheduler time of the snapshot, ms (W3C `DOMHighResTimeStamp`). */
  readonly timestamp: number;
}

/** W3C `RTCTransportStats`: the one ICE transport of the agent. */
export interface IceTransportStats extends IceStatsBase {
  /** Always `'transport'`. */
  readonly type: 'transport';
  /** Application bytes sent / received over every pair (no STUN, no UDP/IP headers). */
  readonly bytesSent: number;
  /** Application bytes received from validated remotes, over every pair. */
  readonly bytesReceived: number;
  /** Application datagrams sent over every pair. */
  readonly packetsSent: number;
  /** Application datagrams received from validated remotes, over every pair. */
  readonly packetsReceived: number;
  /** The current role. */
  readonly iceRole: IceRole;
  /** Local ufrag of the current generation. */
  readonly iceLocalUsernameFragment: string;
  /** W3C `RTCIceTransportState`: the state `connectionState$` shows. */
  readonly iceState: ConnectionState;
  /** Id of the `candidate-pair` entry data flows over, when there is one. */
  readonly selectedCandidatePairId: string | undefined;
  /** How many times the selected pair changed. */
  readonly selectedCandidatePairChanges: number;
  /**
   * rx-ice extension (not W3C): the ICE-TCP counters summed over the TCP
   * candidates (as `getStats().tcp`; each `local-candidate` entry of a TCP
   * candidate has its own); undefined without the `tcp` option.
   */
  readonly tcp: TcpSocketCounters | undefined;
}

/** W3C `RTCIceCandidatePairStats`. */
export interface IceCandidatePairStats extends IceStatsBase {
  /** Always `'candidate-pair'`. */
  readonly type: 'candidate-pair';
  /** Id of the `transport` entry. */
  readonly transportId: string;
  /** Id of the pair's `local-candidate` entry. */
  readonly localCandidateId: string;
  /** Id of the pair's `remote-candidate` entry. */
  readonly remoteCandidateId: string;
  /** W3C `RTCStatsIceCandidatePairState` (the RFC 8445 checklist state). */
  readonly state: PairState;
  /** Nominated for use (RFC 8445 §8.1.1). */
  readonly nominated: boolean;
  /** Application datagrams and bytes on this pair. */
  readonly packetsSent: number;
  /** Application datagrams received on this pair. */
  readonly packetsReceived: number;
  /** Application bytes sent on this pair (no STUN, no UDP/IP headers). */
  readonly bytesSent: number;
  /** Application bytes received on this pair. */
  readonly bytesReceived: number;
  /** Scheduler time of the last application datagram sent / received on this pair, ms. */
  readonly lastPacketSentTimestamp: number | undefined;
  /** Scheduler time of the last application datagram received on this pair, ms. */
  readonly lastPacketReceivedTimestamp: number | undefined;
  /** Sum of every measured round-trip time (checks and consent checks), seconds. */
  readonly totalRoundTripTime: number;
  /** The latest measured round-trip time, seconds. */
  readonly currentRoundTripTime: number | undefined;
  /** Connectivity checks (and consent checks) sent / received, and their responses. */
  readonly requestsSent: number;
  /** Connectivity and consent checks received on this pair. */
  readonly requestsReceived: number;
  /** Binding success responses sent on this pair. */
  readonly responsesSent: number;
  /** Authenticated Binding responses received on this pair. */
  readonly responsesReceived: number;
}

/** W3C `RTCIceCandidateStats`. */
export interface IceCandidateStats extends IceStatsBase {
  /** `'local-candidate'` or `'remote-candidate'`. */
  readonly type: 'local-candidate' | 'remote-candidate';
  /** Id of the `transport` entry. */
  readonly transportId: string;
  /** IP address (or `.local` name) of the candidate. */
  readonly address: string;
  /** Port of the candidate. */
  readonly port: number;
  /** Transport protocol. */
  readonly protocol: 'udp' | 'tcp';
  /** `host`, `srflx`, `prflx` or `relay`. */
  readonly candidateType: CandidateType;
  /** Candidate priority (RFC 8445 §5.1.2). */
  readonly priority: number;
  /** Candidate foundation. */
  readonly foundation: string;
  /** `raddr`: the base (srflx, prflx) or mapped address (relay). */
  readonly relatedAddress: string | undefined;
  /** `rport`: the port of `relatedAddress`. */
  readonly relatedPort: number | undefined;
  /** The ufrag of the generation the candidate belongs to. */
  readonly usernameFragment: string | undefined;
  /** Local server-reflexive and relayed candidates: the STUN/TURN URL they came from. */
  readonly url: string | undefined;
  /** Local relayed candidates: how the agent talks to the TURN server. */
  readonly relayProtocol: 'udp' | 'tcp' | 'tls' | undefined;
  /** TCP candidates: `active`, `passive` or `so` (RFC 6544 `tcptype`). */
  readonly tcpType: 'active' | 'passive' | 'so' | undefined;
  /**
   * rx-ice extension (not W3C): a local TCP host candidate's connection
   * counters (opened, lost, refused, pruned, pre-authentication resets,
   * drops); undefined for other candidates.
   */
  readonly tcp: TcpSocketCounters | undefined;
}

/** One entry of an {@link IceStatsReport}. */
export type IceStats = IceTransportStats | IceCandidatePairStats | IceCandidateStats;

/** What `IceAgent.getStatsReport()` returns: a W3C `RTCStatsReport`-like map from id to entry. */
export type IceStatsReport = ReadonlyMap<string, IceStats>;

/** The transport entry's id (the agent has one ICE transport). */
export const TRANSPORT_ID = 'T01';

/** A session and the generation it belongs to. */
export interface ReportedSession {
  readonly session: IceSession;
  readonly generation: number;
}

/** Builds the report from the sessions (current first) and the agent's counters. */
export function buildStatsReport(input: {
  now: number;
  sessions: readonly ReportedSession[];
  /** The pair data flows over (current session's, or the previous one's until the new one selects). */
  dataPair: CandidatePair | undefined;
  transport: TransportCounters;
  state: ConnectionState;
  role: IceRole;
  localUfrag: string;
  selectedPairChanges: number;
  servers: readonly IceServerAttemptStats[];
  /** ICE-TCP counters: summed (undefined without the `tcp` option) and by local socket. */
  tcp?: {
    readonly total: TcpSocketCounters;
    readonly bySocket: (socketId: number) => TcpSocketCounters | undefined;
  };
}): IceStatsReport {
  const report = new Map<string, IceStats>();
  const timestamp = input.now;
  let selectedId: string | undefined;
  for (const { session, generation } of input.sessions) {
    const local = (c: Candidate) => `IL${generation}-${c.type}-${c.address}-${c.port}`;
    const remote = (c: Candidate) => `IR${generation}-${c.address}-${c.port}`;
    for (const { candidate, socketId } of session.localCandidates) {
      const id = local(candidate);
      const server = candidate.type === 'host' ? undefined : serverOf(candidate, input.servers);
      const tcp = candidate.transport === 'tcp' ? input.tcp?.bySocket(socketId) : undefined;
      report.set(id, {
        ...candidateEntry(id, 'local-candidate', candidate, timestamp, session.localCredentials.ufrag),
        url: server?.url,
        relayProtocol: candidate.type === 'relay' ? server?.transport : undefined,
        tcp: tcp === undefined ? undefined : { ...tcp },
      });
    }
    for (const candidate of session.remoteCandidates) {
      const id = remote(candidate);
      const ufrag = candidate.ufrag ?? session.remoteCredentials?.ufrag;
      report.set(id, {
        ...candidateEntry(id, 'remote-candidate', candidate, timestamp, ufrag),
        url: undefined,
        relayProtocol: undefined,
        tcp: undefined,
      });
    }
    for (const pair of session.checklist.pairs) {
      const id = `CP${generation}-${pair.id}`;
      if (pair === input.dataPair) selectedId = id;
      report.set(id, pairEntry(id, pair, local(pair.local.candidate), remote(pair.remote), timestamp));
    }
  }
  report.set(TRANSPORT_ID, {
    id: TRANSPORT_ID,
    type: 'transport',
    timestamp,
    bytesSent: input.transport.bytesSent,
    bytesReceived: input.transport.bytesReceived,
    packetsSent: input.transport.packetsSent,
    packetsReceived: input.transport.packetsReceived,
    iceRole: input.role,
    iceLocalUsernameFragment: input.localUfrag,
    iceState: input.state,
    selectedCandidatePairId: selectedId,
    selectedCandidatePairChanges: input.selectedPairChanges,
    tcp: input.tcp === undefined ? undefined : { ...input.tcp.total },
  });
  return report;
}

function candidateEntry(
  id: string,
  type: IceCandidateStats['type'],
  c: Candidate,
  timestamp: number,
  usernameFragment: string | undefined,
): Omit<IceCandidateStats, 'url' | 'relayProtocol' | 'tcp'> {
  return {
    id,
    type,
    timestamp,
    transportId: TRANSPORT_ID,
    address: c.address,
    port: c.port,
    protocol: c.transport,
    candidateType: c.type,
    priority: c.priority,
    foundation: c.foundation,
    relatedAddress: c.relatedAddress,
    relatedPort: c.relatedPort,
    usernameFragment,
    tcpType: c.tcpType,
  };
}

function pairEntry(
  id: string,
  pair: CandidatePair,
  localCandidateId: string,
  remoteCandidateId: string,
  timestamp: number,
): IceCandidatePairStats {
  const c = pair.counters;
  const last = c.lastRoundTripTime ?? pair.rtt;
  return {
    id,
    type: 'candidate-pair',
    timestamp,
    transportId: TRANSPORT_ID,
    localCandidateId,
    remoteCandidateId,
    state: pair.state,
    nominated: pair.nominated,
    packetsSent: c.packetsSent ?? 0,
    packetsReceived: c.packetsReceived ?? 0,
    bytesSent: c.bytesSent ?? 0,
    bytesReceived: c.bytesReceived ?? 0,
    lastPacketSentTimestamp: c.lastPacketSentAt,
    lastPacketReceivedTimestamp: c.lastPacketReceivedAt,
    totalRoundTripTime: (c.totalRoundTripTime ?? 0) / 1000,
    currentRoundTripTime: last === undefined ? undefined : last / 1000,
    requestsSent: c.requestsSent,
    requestsReceived: c.requestsReceived,
    responsesSent: c.responsesSent,
    responsesReceived: c.responsesReceived,
  };
}

/** The server attempt a server-reflexive or relayed candidate came from. */
function serverOf(
  c: Candidate,
  attempts: readonly IceServerAttemptStats[],
): IceServerAttemptStats | undefined {
  const where = c.address.includes(':') ? `[${c.address}]:${c.port}` : `${c.address}:${c.port}`;
  const plain = `${c.address}:${c.port}`;
  return attempts.find((a) => {
    const address = c.type === 'relay' ? a.relayed : a.mapped;
    return address === where || address === plain;
  });
}
