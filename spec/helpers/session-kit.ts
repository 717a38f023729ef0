/** Building blocks for specs that drive an IceSession by hand (no sockets, no scheduler). */
import { candidatePriority, computeFoundation } from '../../lib/candidate.js';
import type { Candidate } from '../../lib/candidate-types.js';
import { DEFAULT_RETRANSMISSION } from '../../lib/core/retransmission.js';
import { IceSession, type SessionConfig } from '../../lib/core/session.js';

/** A host candidate at `address:port` with the top local preference. */
export function hostCandidate(address: string, port: number): Candidate {
  return {
    foundation: computeFoundation('host', address, 'udp'),
    component: 1,
    transport: 'udp',
    priority: candidatePriority('host', 65535, 1),
    address,
    port,
    type: 'host',
    extensions: [],
  };
}

/** A session with the agent's defaults (Ta 50 ms, 100 pairs/candidates, default retransmissions). */
export function newSession(
  config: Pick<SessionConfig, 'role' | 'tieBreaker' | 'localCredentials'> & Partial<SessionConfig>,
): IceSession {
  return new IceSession({
    ta: 50,
    checklistLimit: 100,
    maxRemoteCandidates: 100,
    retransmission: DEFAULT_RETRANSMISSION,
    nominationDelay: 200,
    candidateWait: 10_000,
    ...config,
  });
}
