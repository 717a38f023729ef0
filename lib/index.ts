/**
 * rx-ice: a full ICE agent (RFC 8445) for Node.js whose gathering,
 * connectivity checks and data are RxJS Observables.
 * @packageDocumentation
 * @module rx-ice
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
export { type AwaitedInput, DEFAULT_PAC_TIMEOUT } from './core/conclusion.js';
export type { IceCredentials, LocalIceCredentials, RemoteCredentialsOptions } from './core/credentials.js';
export { FAILURE_DESCRIPTIONS, isChecklistFailure } from './core/failure-reasons.js';
export type { InterfaceChange } from './core/interfaces.js';
export { DEFAULT_LITE_TIMEOUT } from './core/lite-liveness.js';
export {
  CONSENT_INTERVAL,
  CONSENT_TIMEOUT,
  DEFAULT_DISCONNECTED_TIMEOUT,
  DEFAULT_KEEPALIVE_INTERVAL,
} from './core/liveness.js';
export {
  type NominationCandidate,
  type NominationDecision,
  type NominationInput,
  type NominationPolicy,
  regularNomination,
} from './core/nomination-policy.js';
export type { IceRole, PairState } from './core/pair.js';
export {
  DEFAULT_RETRANSMISSION,
  type RetransmissionPolicy,
  retransmissionSchedule,
} from './core/retransmission.js';
export type { ConnectionState, FailureReason, RemoteCandidateOutcome } from './core/session.js';
export type { SessionCounters } from './core/session-counters.js';
export { MAX_TRACE_RECORDS } from './core/trace-buffer.js';
export { cryptoEntropy, type Entropy } from './entropy.js';
export {
  BindError,
  IceError,
  type IceErrorCode,
  InvalidArgumentError,
  InvalidCandidateError,
  InvalidCredentialsError,
  InvalidOptionError,
  InvalidRecordingError,
  InvalidStateError,
  InvalidTraceError,
  LimitExceededError,
  ReplayDivergenceError,
} from './errors.js';
export type { IceCandidate, IceCandidateInit, IceCandidateJson } from './ice-candidate.js';
export type { MdnsCounters, MdnsMode, MdnsPublisher, MdnsResolver } from './mdns/agent-mdns.js';
export { isMdnsHostname } from './mdns/names.js';
export type { IceAgentOptions, IceServer } from './options.js';
export type * from './record/record-lines.js';
export { isOutput, RECORDING_VERSION } from './record/record-lines.js';
export type * from './record/record-mdns-lines.js';
export { type NumberedLine, type ParsedRecording, parseRecording } from './record/record-parse.js';
export { type RecordingSink, recordSession } from './record/record-session.js';
export type * from './record/record-tcp-lines.js';
export type { AgentStats, CandidatePairStats, TransportCounters } from './stats.js';
export type {
  IceCandidatePairStats,
  IceCandidateStats,
  IceStats,
  IceStatsBase,
  IceStatsReport,
  IceTransportStats,
} from './stats-report.js';
export type { TcpLimits } from './tcp-options.js';
export { renderTimeline, type TimelineOptions } from './timeline/render.js';
export { type ParsedTrace, parseTraceJsonLines, traceToJsonLines } from './timeline/trace-lines.js';
export type {
  CheckAnsweredTrace,
  CheckFailedTrace,
  CheckFailureCause,
  CheckRetransmittedTrace,
  CheckSentTrace,
  ConnectionStateTrace,
  ConsentAnsweredTrace,
  ConsentExpiredTrace,
  ConsentSentTrace,
  DatagramDroppedTrace,
  DropReason,
  GatheringStateTrace,
  KeepaliveTrace,
  LocalCandidateTrace,
  NominationTrace,
  PairNominatedTrace,
  PairSelectedTrace,
  PairStateTrace,
  RemoteCandidateTrace,
  RemoteCredentialsMissingTrace,
  RequestReceivedTrace,
  RoleTrace,
  ServerTrace,
  TraceEvent,
  TraceLostTrace,
  TraceRecord,
  TraceStamp,
} from './trace-events.js';
export { formatTraceEvent } from './trace-format.js';
export { connectServerStream } from './transport/server-stream.js';
export { connectTcp, listenTcp, reserveTcpPort, withNodeTcp } from './transport/tcp.js';
export type { TcpSocketCounters } from './transport/tcp-socket-limits.js';
export type {
  AddressFamily,
  HostAddress,
  InboundPacket,
  PacketSocket,
  PortRange,
  ServerStreamTarget,
  ServerStreamTls,
  TcpCloseReason,
  TcpConnection,
  TcpListener,
  TcpPortReservation,
  Transport,
  TurnTlsOptions,
} from './transport/types.js';
export { UdpTransport, type UdpTransportOptions } from './transport/udp.js';
export { UdpMux, type UdpMuxOptions, type UdpMuxStats } from './transport/udp-mux.js';
export type { IceServerError, IceServerErrorKind } from './turn/server-error.js';
export type { IceServerAttemptStats, IceServerCounters } from './turn/server-stats.js';
export { DEFAULT_SERVER_RETRANSMISSION, type ServerRetransmission } from './turn/transactions.js';
