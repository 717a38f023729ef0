/**
 * rx-ice: a full ICE agent (RFC 8445) for Node.js whose gathering,
 * connectivity checks and data are RxJS Observables.
 * @packageDocumentation
 */
export { IceAgent, type GatheringState, type SelectedPair } from './agent.js';
export type { IceAgentOptions, IceServer } from './options.js';
export type { Candidate, CandidateType, TcpType } from './candidate-types.js';
export {
  parseCandidate,
  serializeCandidate,
  validateCandidate,
  candidatePriority,
  pairPriority,
  computeFoundation,
  localPreference,
  TYPE_PREFERENCE,
} from './candidate.js';
export type { ConnectionState } from './core/session.js';
export type { IceRole, PairState } from './core/pair.js';
export type { IceCredentials } from './core/credentials.js';
export { DEFAULT_RETRANSMISSION, retransmissionSchedule, type RetransmissionPolicy } from './core/retransmission.js';
export type { AgentStats, CandidatePairStats, TransportCounters } from './stats.js';
export type { SessionCounters } from './core/session-counters.js';
export type { Transport, PacketSocket, InboundPacket, HostAddress, PortRange, AddressFamily } from './transport/types.js';
export { UdpTransport, type UdpTransportOptions } from './transport/udp.js';
export {
  IceError,
  type IceErrorCode,
  InvalidCandidateError,
  InvalidCredentialsError,
  InvalidOptionError,
  InvalidStateError,
  InvalidArgumentError,
  BindError,
  LimitExceededError,
} from './errors.js';
