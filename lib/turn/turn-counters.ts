/** Counters of one TURN allocation, summed over allocations into the agent's stats. */
export interface TurnCounters {
  /** Successful Allocate transactions. */
  allocations: number;
  /** Successful Refresh transactions (lifetime > 0). */
  refreshes: number;
  /** Deallocations sent (Refresh with LIFETIME 0, not waited for). */
  deallocations: number;
  /** Successful CreatePermission transactions (new and refreshed). */
  permissions: number;
  /** Successful ChannelBind transactions (new and refreshed). */
  channelBinds: number;
  /** Datagrams relayed to peers (ChannelData or Send indications). */
  relayedPacketsSent: number;
  relayedBytesSent: number;
  /** Datagrams received from peers through the relay. */
  relayedPacketsReceived: number;
  relayedBytesReceived: number;
  /**
   * Dropped: malformed or unmatched messages from the server, data from peers
   * without a permission or on an unknown channel, datagrams that found no
   * permission (queue full, permission failed, allocation gone).
   */
  droppedPackets: number;
  /** Responses whose MESSAGE-INTEGRITY was missing or wrong. */
  unauthenticatedResponses: number;
}

/** All counters at zero. */
export function createTurnCounters(): TurnCounters {
  return {
    allocations: 0,
    refreshes: 0,
    deallocations: 0,
    permissions: 0,
    channelBinds: 0,
    relayedPacketsSent: 0,
    relayedBytesSent: 0,
    relayedPacketsReceived: 0,
    relayedBytesReceived: 0,
    droppedPackets: 0,
    unauthenticatedResponses: 0,
  };
}
