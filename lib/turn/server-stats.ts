/** STUN/TURN server statistics, as merged into `IceAgent.getStats()`. */

/** Counters over every server attempt of the agent (closed ones included). */
export interface IceServerCounters {
  /** Events emitted on `errors$`. */
  serverErrors: number;
  /** Requests to STUN/TURN servers (first transmissions). */
  serverRequestsSent: number;
  /** Their retransmissions (UDP only). */
  serverRetransmissions: number;
  /** Server-reflexive addresses not announced: equal to the host address (no NAT) or to another srflx candidate. */
  redundantCandidates: number;
  /** Successful TURN Allocate transactions. */
  turnAllocations: number;
  /** Successful TURN Refresh transactions (allocation kept alive). */
  turnRefreshes: number;
  /** Successful CreatePermission transactions (new and refreshed permissions). */
  turnPermissions: number;
  /** Successful ChannelBind transactions (new and refreshed channels). */
  turnChannelBinds: number;
  /** Deallocations sent (Refresh LIFETIME 0 on stop). */
  turnDeallocations: number;
  /** Datagrams relayed to peers (ChannelData or Send indications), STUN checks included. */
  relayedPacketsSent: number;
  /** Payload bytes of those datagrams. */
  relayedBytesSent: number;
  /** Datagrams received from peers through relays (ChannelData or Data indications). */
  relayedPacketsReceived: number;
  /** Payload bytes of those datagrams. */
  relayedBytesReceived: number;
  /** Messages from TURN servers or datagrams for peers that were dropped (see `TurnCounters.droppedPackets`). */
  turnDroppedPackets: number;
  /** TURN responses whose MESSAGE-INTEGRITY was missing or wrong. */
  turnUnauthenticatedResponses: number;
}

/** Zeroed server counters. */
export function createIceServerCounters(): IceServerCounters {
  return {
    serverErrors: 0,
    serverRequestsSent: 0,
    serverRetransmissions: 0,
    redundantCandidates: 0,
    turnAllocations: 0,
    turnRefreshes: 0,
    turnPermissions: 0,
    turnChannelBinds: 0,
    turnDeallocations: 0,
    relayedPacketsSent: 0,
    relayedBytesSent: 0,
    relayedPacketsReceived: 0,
    relayedBytesReceived: 0,
    turnDroppedPackets: 0,
    turnUnauthenticatedResponses: 0,
  };
}

/** One server attempt: one server URL tried from one host socket. */
export interface IceServerAttemptStats {
  /** The server URL as configured. */
  readonly url: string;
  /** Transport to the server. */
  readonly transport: 'udp' | 'tcp' | 'tls';
  /** The local address:port (host candidate) the attempt is made from. */
  readonly host: string;
  /** The server's address:port (after DNS). */
  readonly server: string;
  /** `in-progress` until the server answered (or did not); `closed` once the agent stopped. */
  readonly state: 'in-progress' | 'succeeded' | 'failed' | 'closed';
  /** Server-reflexive address the server reported (XOR-MAPPED-ADDRESS), even when it was redundant. */
  readonly mapped?: string;
  /** Relayed address (TURN). */
  readonly relayed?: string;
  /** Granted allocation lifetime, seconds (TURN). */
  readonly lifetime?: number;
  /** Round-trip time of the Binding request (STUN), ms. */
  readonly rtt?: number;
  /** The last error's reason. */
  readonly error?: string;
}
