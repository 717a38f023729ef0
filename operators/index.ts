/**
 * `rx-ice/operators`: RxJS operators for ICE apps, in the style of RxJS
 * itself, each usable on its own and each pinned by a marble test.
 *
 * - Candidates: {@link candidateType}, {@link relayOnly},
 *   {@link candidateProtocol}, {@link addressFamily}, {@link addressScope},
 *   {@link addressMatching}, {@link distinctCandidates},
 *   {@link rewriteAddress}.
 * - Signaling: {@link toSdpCandidate}, {@link fromSdpCandidate},
 *   {@link endOfCandidates}, {@link toSdpCredentials},
 *   {@link fromSdpCredentials}, {@link bufferUntilCredentials},
 *   {@link localSignals}, {@link exchangeSignals}, {@link wireSignaling}.
 * - Timing: {@link pace}, {@link retransmit}, {@link retransmitUntil},
 *   {@link withGatheringTimeout}.
 * - Data (RFC 7983): {@link demux}, {@link packetKind},
 *   {@link partitionPackets}.
 *
 * @module rx-ice/operators
 */
export type { PacketKind } from '../lib/stun/raw.js';
export { classifyPacket } from '../lib/stun/raw.js';
export { addressFamily } from './address-family.js';
export { addressMatching } from './address-matching.js';
export { type AddressScope, addressScope, addressScopeOf } from './address-scope.js';
export {
  type BufferUntilCredentialsOptions,
  bufferUntilCredentials,
} from './buffer-until-credentials.js';
export { candidateProtocol } from './candidate-protocol.js';
export { candidateType } from './candidate-type.js';
export { demux } from './demux.js';
export { candidateKey, distinctCandidates } from './distinct-candidates.js';
export { END_OF_CANDIDATES, endOfCandidates, isEndOfCandidates } from './end-of-candidates.js';
export { type ExchangeSignalsOptions, exchangeSignals } from './exchange-signals.js';
export { type FromSdpCandidateOptions, fromSdpCandidate } from './from-sdp-candidate.js';
export { fromSdpCredentials, parseIceCredentials } from './from-sdp-credentials.js';
export { type LocalSignalsOptions, localSignals, type SignalingAgent } from './local-signals.js';
export { pace } from './pace.js';
export { packetKind } from './packet-kind.js';
export { type PartitionedPackets, partitionPackets } from './partition-packets.js';
export { relayOnly } from './relay-only.js';
export {
  type RetransmitOptions,
  retransmit,
  retransmitOffsets,
  retransmitUntil,
} from './retransmit.js';
export { type AddressRewrite, rewriteAddress } from './rewrite-address.js';
export {
  type CandidateSignal,
  type CredentialsSignal,
  type EndOfCandidatesSignal,
  isSignalMessage,
  type SignalMessage,
} from './signal-message.js';
export { type ToSdpCandidateOptions, toSdpCandidate } from './to-sdp-candidate.js';
export { formatIceCredentials, toSdpCredentials } from './to-sdp-credentials.js';
export { type WireSignalingOptions, wireSignaling } from './wire-signaling.js';
export { withGatheringTimeout } from './with-gathering-timeout.js';
