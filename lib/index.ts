/**
 * rx-ice: a full ICE agent (RFC 8445) for Node.js whose gathering,
 * connectivity checks and data are RxJS Observables.
 * @packageDocumentation
 */
export { type GatheringState, IceAgent, type SelectedPair } from './agent.js';
export {
  candidatePriority,
  computeFoundation,
  localPreference,
  pairPriority,
  parseCandidate,
  serializeCandidate,
  TYPE_PREFERENCE,
  validateCandidate,
} from './candidate.js';
export type { Candidate, CandidateType, TcpType } from './candidate-types.js';
export type { IceCredentials } from './core/credentials.js';
export type { IceRole, PairState } from './core/pair.js';
export {
  DEFAULT_RETRANSMISSION,
  type RetransmissionPolicy,
  retransmissionSchedule,
} from './core/retransmission.js';
export type { ConnectionState } from './core/session.js';
export type { SessionCounters } from './core/session-counters.js';
export {
  BindError,
  IceError,
  type IceErrorCode,
  InvalidArgumentError,
  InvalidCandidateError,
  InvalidCredentialsError,
  InvalidOptionError,
  InvalidStateError,
  LimitExceededError,
} from './errors.js';
export type { IceAgentOptions, IceServer } from './options.js';
export type { AgentStats, CandidatePairStats, TransportCounters } from './stats.js';
export type {
  AddressFamily,
  HostAddress,
  InboundPacket,
  PacketSocket,
  PortRange,
  Transport,
} from './transport/types.js';
export { UdpTransport, type UdpTransportOptions } from './transport/udp.js';
