/**
 * Protocol counters of one session. Everything dropped is counted here, so a
 * misbehaving peer or network shows up in stats instead of in exceptions.
 */
export interface SessionCounters {
  /** Connectivity-check requests sent (first transmissions). */
  requestsSent: number;
  /** Retransmissions of connectivity checks. */
  retransmissions: number;
  /** Authenticated connectivity-check requests received. */
  requestsReceived: number;
  /** Success responses sent. */
  responsesSent: number;
  /** Authenticated responses received. */
  responsesReceived: number;
  /** Binding indications received (keepalives). */
  indicationsReceived: number;
  /** Consent checks sent on the selected pair (RFC 7675; first transmissions). */
  consentRequestsSent: number;
  /** Retransmissions of consent checks. */
  consentRetransmissions: number;
  /** Authenticated success responses to consent checks. */
  consentResponsesReceived: number;
  /** Binding indications sent as keepalives (RFC 8445 §11). */
  keepalivesSent: number;
  /** STUN messages whose FINGERPRINT did not match. */
  badFingerprintPackets: number;
  /** Checks that came without FINGERPRINT: processed all the same (MESSAGE-INTEGRITY authenticates them). */
  requestsWithoutFingerprint: number;
  /** Authenticated checks dropped because their transaction was already answered over another path (a replay). */
  replayedRequests: number;
  /** Authenticated responses with unknown comprehension-required attributes: discarded, the check failed (RFC 8489 §6.3.3). */
  unknownAttributeResponses: number;
  /** STUN messages with a missing/wrong USERNAME or MESSAGE-INTEGRITY. */
  unauthenticatedPackets: number;
  /** Authenticated requests answered with 420: unknown comprehension-required attributes. */
  unknownAttributeRequests: number;
  /** Responses to no transaction of ours, or requests on a socket with no candidate. */
  unmatchedPackets: number;
  /** Responses that came back from another address than the request went to. */
  nonSymmetricResponses: number;
  /** Requests answered with 487 Role Conflict. */
  roleConflicts: number;
  /** Option `failover`: times the selected path went silent and the backup pair was renominated. */
  failovers: number;
  /** Remote candidates ignored: not UDP, or not an IP address (e.g. unresolved mDNS). */
  unsupportedRemoteCandidates: number;
  /** Peer-reflexive candidates not learned because the remote-candidate table was full. */
  droppedPeerReflexive: number;
}

/** All counters at zero. */
export function createSessionCounters(): SessionCounters {
  return {
    requestsSent: 0,
    retransmissions: 0,
    requestsReceived: 0,
    responsesSent: 0,
    responsesReceived: 0,
    indicationsReceived: 0,
    consentRequestsSent: 0,
    consentRetransmissions: 0,
    consentResponsesReceived: 0,
    keepalivesSent: 0,
    badFingerprintPackets: 0,
    requestsWithoutFingerprint: 0,
    replayedRequests: 0,
    unknownAttributeResponses: 0,
    unauthenticatedPackets: 0,
    unknownAttributeRequests: 0,
    unmatchedPackets: 0,
    nonSymmetricResponses: 0,
    roleConflicts: 0,
    failovers: 0,
    unsupportedRemoteCandidates: 0,
    droppedPeerReflexive: 0,
  };
}
