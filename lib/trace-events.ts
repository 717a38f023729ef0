/**
 * The events of `IceAgent.trace$`: what the agent did and why, one typed
 * record per step (a discriminated union on `type`). The sans-IO core
 * produces the records of the protocol ({@link TraceRecord}), the agent adds
 * the rest and stamps each with the scheduler's time and the ICE generation
 * ({@link TraceEvent}).
 *
 * Addresses are written `address:port` (IPv6 in brackets), transaction IDs as
 * 24 hex digits, pair ids as in `getStats().pairs` and `pairs$` (per
 * generation: a restart starts again from 1).
 * @module
 */
import type { CandidateType } from './candidate-types.js';
import type { IceRole, PairState } from './core/pair.js';
import type { ConnectionState, FailureReason, RemoteCandidateOutcome } from './core/session-types.js';

/** Why a connectivity check failed. */
export type CheckFailureCause =
  /** No answer after every retransmission (RFC 8445 §14.3). */
  | 'timeout'
  /** The peer answered with an error response (`code` and `reason` say which: 401 is a wrong password). */
  | 'error-response'
  /** The answer came back from another address than the check went to (RFC 8445 §7.2.5.2.1). */
  | 'non-symmetric'
  /** The answer carried an unknown comprehension-required attribute (RFC 8489 §6.3.3). */
  | 'unknown-attribute'
  /** A success answer without XOR-MAPPED-ADDRESS. */
  | 'no-mapped-address';

/**
 * Why a datagram was dropped (its counter in `getStats()` in brackets):
 * - `unvalidated-source`: application data from a path no check validated (`droppedDataPackets`);
 * - `malformed`: framed as STUN but not decodable, or over the limits (`malformedPackets`);
 * - `bad-fingerprint`: wrong FINGERPRINT (`badFingerprintPackets`);
 * - `unauthenticated`: a response with missing or wrong MESSAGE-INTEGRITY (`unauthenticatedPackets`);
 * - `unmatched`: a response to no transaction of ours, or a check on a socket without candidate (`unmatchedPackets`);
 * - `replayed`: a signed check replayed from another address (`replayedRequests`).
 *
 * A check from the peer that is dropped shows as a `request-received` event
 * with outcome `dropped` and one of these as its `reason`; every other
 * datagram as a `datagram-dropped` event.
 */
export type DropReason =
  | 'unvalidated-source'
  | 'malformed'
  | 'bad-fingerprint'
  | 'unauthenticated'
  | 'unmatched'
  | 'replayed';

/** A connectivity check (Binding request) went out on a pair for the first time. */
export interface CheckSentTrace {
  /** Discriminant: `check-sent`. */
  readonly type: 'check-sent';
  /** The pair checked. */
  readonly pairId: number;
  /** The check's transaction ID (hex). */
  readonly transactionId: string;
  /** Local candidate address of the pair. */
  readonly local: string;
  /** Remote candidate address of the pair. */
  readonly remote: string;
  /** The check carries USE-CANDIDATE (it nominates the pair). */
  readonly useCandidate: boolean;
  /** The role the check claims. */
  readonly role: IceRole;
}

/** A check went unanswered for one RTO and was sent again. */
export interface CheckRetransmittedTrace {
  /** Discriminant: `check-retransmitted`. */
  readonly type: 'check-retransmitted';
  /** The pair checked. */
  readonly pairId: number;
  /** The check's transaction ID (hex). */
  readonly transactionId: string;
  /** Transmissions so far, this one included (2 for the first retransmission). */
  readonly attempt: number;
}

/** An authenticated success answer to one of our checks arrived over the same path. */
export interface CheckAnsweredTrace {
  /** Discriminant: `check-answered`. */
  readonly type: 'check-answered';
  /** The pair checked. */
  readonly pairId: number;
  /** The check's transaction ID (hex). */
  readonly transactionId: string;
  /** Round-trip time, ms; undefined when the check was retransmitted (Karn's rule). */
  readonly rtt: number | undefined;
  /** Our address as the peer saw it (XOR-MAPPED-ADDRESS). */
  readonly mapped: string;
}

/** A check failed: the pair is not (or no longer) valid. */
export interface CheckFailedTrace {
  /** Discriminant: `check-failed`. */
  readonly type: 'check-failed';
  /** The pair checked. */
  readonly pairId: number;
  /** The check's transaction ID (hex). */
  readonly transactionId: string;
  /** Why. */
  readonly cause: CheckFailureCause;
  /** STUN error code of an `error-response` (400, 401, 403...). */
  readonly code?: number;
  /** Reason phrase of an `error-response`. */
  readonly reason?: string;
}

/**
 * A check from the peer arrived, and what it got: `success` (a Binding
 * success response), `error` (`code` 400, 401, 420 or 487 with its reason),
 * or `dropped` (`reason` says why; no answer sent).
 */
export interface RequestReceivedTrace {
  /** Discriminant: `request-received`. */
  readonly type: 'request-received';
  /** The request's transaction ID (hex). */
  readonly transactionId: string;
  /** Where it came from. */
  readonly from: string;
  /** The local socket it arrived on. */
  readonly socketId: number;
  /** The pair it belongs to, once known (after authentication). */
  readonly pairId: number | undefined;
  /** It carried USE-CANDIDATE. */
  readonly useCandidate: boolean;
  /** What it got. */
  readonly outcome: 'success' | 'error' | 'dropped';
  /** The error code sent (`error` only). */
  readonly code?: number;
  /** The reason phrase sent, or why it was dropped. */
  readonly reason?: string;
}

/** A pair appeared or changed state, validity or nomination (RFC 8445 §6.1.2.6). */
export interface PairStateTrace {
  /** Discriminant: `pair-state`. */
  readonly type: 'pair-state';
  /** The pair. */
  readonly pairId: number;
  /** Local candidate address. */
  readonly local: string;
  /** Local candidate type. */
  readonly localType: CandidateType;
  /** Remote candidate address. */
  readonly remote: string;
  /** Remote candidate type. */
  readonly remoteType: CandidateType;
  /** State before (undefined: a new pair, or the pair's first event since `trace$` got a subscriber). */
  readonly from: PairState | undefined;
  /** State now. */
  readonly state: PairState;
  /** In the valid list. */
  readonly valid: boolean;
  /** Nominated. */
  readonly nominated: boolean;
}

/** Controlling side: the nomination policy chose a pair; its USE-CANDIDATE check is queued. */
export interface NominationTrace {
  /** Discriminant: `nomination`. */
  readonly type: 'nomination';
  /** The pair chosen. */
  readonly pairId: number;
  /** First nomination, or a renomination (draft-thatcher-ice-renomination) or failover away from the selected pair. */
  readonly phase: 'nominating' | 'renominating';
}

/** A pair was nominated: our nominating check succeeded, or the peer nominated it. */
export interface PairNominatedTrace {
  /** Discriminant: `pair-nominated`. */
  readonly type: 'pair-nominated';
  /** The (valid) pair. */
  readonly pairId: number;
  /** Who nominated it: this agent (controlling) or the peer. */
  readonly by: 'local' | 'remote';
}

/** Data now flows over this pair. */
export interface PairSelectedTrace {
  /** Discriminant: `pair-selected`. */
  readonly type: 'pair-selected';
  /** The selected pair. */
  readonly pairId: number;
  /** Local candidate address. */
  readonly local: string;
  /** Remote candidate address. */
  readonly remote: string;
}

/** A consent check (RFC 7675) went out on the selected pair. */
export interface ConsentSentTrace {
  /** Discriminant: `consent-sent`. */
  readonly type: 'consent-sent';
  /** The selected pair. */
  readonly pairId: number;
  /** Its transaction ID (hex). */
  readonly transactionId: string;
  /** A retransmission of the same check. */
  readonly retransmission: boolean;
}

/** An authenticated answer to a consent check refreshed consent. */
export interface ConsentAnsweredTrace {
  /** Discriminant: `consent-answered`. */
  readonly type: 'consent-answered';
  /** The selected pair. */
  readonly pairId: number;
  /** The check's transaction ID (hex). */
  readonly transactionId: string;
}

/** Consent expired: no authenticated answer for the consent timeout (30 s); the session fails. */
export interface ConsentExpiredTrace {
  /** Discriminant: `consent-expired`. */
  readonly type: 'consent-expired';
  /** The selected pair. */
  readonly pairId: number;
}

/** A keepalive (Binding indication, RFC 8445 §11) went out on the selected pair. */
export interface KeepaliveTrace {
  /** Discriminant: `keepalive-sent`. */
  readonly type: 'keepalive-sent';
  /** The selected pair. */
  readonly pairId: number;
}

/** The session's connection state changed. */
export interface ConnectionStateTrace {
  /** Discriminant: `connection-state`. */
  readonly type: 'connection-state';
  /** The new state. */
  readonly state: ConnectionState;
  /** Why, in words. */
  readonly reason: string;
  /** For `failed`: the cause, as `getStats().failureReason` says it. */
  readonly failureReason?: FailureReason;
  /** For `failed` with `turn-refused`: the TURN server's error code, when it gave one. */
  readonly code?: number;
}

/** The gathering state changed. */
export interface GatheringStateTrace {
  /** Discriminant: `gathering-state`. */
  readonly type: 'gathering-state';
  /** The new state. */
  readonly state: 'new' | 'gathering' | 'complete';
  /** Why, in words. */
  readonly reason: string;
}

/** A local candidate was gathered and announced. */
export interface LocalCandidateTrace {
  /** Discriminant: `local-candidate`. */
  readonly type: 'local-candidate';
  /** Its type. */
  readonly candidateType: CandidateType;
  /** Its address. */
  readonly address: string;
  /** Its transport. */
  readonly transport: 'udp' | 'tcp';
}

/** A remote candidate was signaled (or learned from a check, `peer-reflexive`), and what became of it. */
export interface RemoteCandidateTrace {
  /** Discriminant: `remote-candidate`. */
  readonly type: 'remote-candidate';
  /** Its type. */
  readonly candidateType: CandidateType;
  /** Its address. */
  readonly address: string;
  /** Paired (`added`), already known, unsupported, over the limit, or learned from a check. */
  readonly outcome: RemoteCandidateOutcome | 'peer-reflexive';
}

/** The role changed (role conflict, RFC 8445 §7.3.1.1, or a lite peer). */
export interface RoleTrace {
  /** Discriminant: `role`. */
  readonly type: 'role';
  /** The new role. */
  readonly role: IceRole;
}

/**
 * A step of a STUN or TURN server attempt (one server, from one host
 * socket): `started`; every `request` sent to the server (Binding, Allocate,
 * Refresh, CreatePermission, ChannelBind; a retransmission repeats its
 * `transactionId`) and every `response` (an error one with `code` and
 * `reason`); `mapped` (the server told our reflexive address), `allocated`
 * (a TURN relayed address), or `error` (what `errors$` reports).
 */
export interface ServerTrace {
  /** Discriminant: `server`. */
  readonly type: 'server';
  /** The server URL as configured. */
  readonly url: string;
  /** The local address the attempt runs from. */
  readonly hostAddress: string;
  /** The step. */
  readonly step: 'started' | 'request' | 'response' | 'mapped' | 'allocated' | 'error' | 'dropped';
  /** `request` and `response`: the STUN/TURN method (`Binding`, `Allocate`, `Refresh`...). */
  readonly method?: string;
  /** `request` and `response`: the transaction ID (hex). */
  readonly transactionId?: string;
  /** `mapped`: the reflexive address; `allocated`: the relayed address. */
  readonly address?: string;
  /** `error`: which request failed (`IceServerErrorKind`). */
  readonly kind?: string;
  /** `error`, or an error `response`: the server's error code. */
  readonly code?: number;
  /**
   * `error`: the cause in words; an error `response`: the server's reason
   * phrase; `dropped`: why a datagram from the server was dropped
   * (`malformed`, `unexpected`, `unmatched`, `unauthenticated`,
   * `no-permission`, `unknown-channel`; counted in `getStats()`).
   */
  readonly reason?: string;
  /** `dropped`: the datagram's size in bytes. */
  readonly length?: number;
}

/** A datagram was dropped (the counters in `getStats()` say how many, this says which). */
export interface DatagramDroppedTrace {
  /** Discriminant: `datagram-dropped`. */
  readonly type: 'datagram-dropped';
  /** The local socket it arrived on. */
  readonly socketId: number;
  /** Where it came from. */
  readonly from: string;
  /** Its size in bytes. */
  readonly length: number;
  /** Why it was dropped. */
  readonly reason: DropReason;
}

/**
 * A warning, not a failure: the agent gathered (its credentials are out)
 * but still has no remote credentials after `remoteCredentialsWarningAfter`
 * ms; no check can start until `setRemoteCredentials()` is called.
 */
export interface RemoteCredentialsMissingTrace {
  /** Discriminant: `remote-credentials-missing`. */
  readonly type: 'remote-credentials-missing';
  /** How long it has waited, ms. */
  readonly waited: number;
}

/** Trace records were lost: more arrived in one step than the buffer holds (1024). */
export interface TraceLostTrace {
  /** Discriminant: `trace-lost`. */
  readonly type: 'trace-lost';
  /** How many. */
  readonly count: number;
}

/** One step of the agent, before the time and generation are stamped on it. */
export type TraceRecord =
  | CheckSentTrace
  | CheckRetransmittedTrace
  | CheckAnsweredTrace
  | CheckFailedTrace
  | RequestReceivedTrace
  | PairStateTrace
  | NominationTrace
  | PairNominatedTrace
  | PairSelectedTrace
  | ConsentSentTrace
  | ConsentAnsweredTrace
  | ConsentExpiredTrace
  | KeepaliveTrace
  | ConnectionStateTrace
  | GatheringStateTrace
  | LocalCandidateTrace
  | RemoteCandidateTrace
  | RoleTrace
  | ServerTrace
  | DatagramDroppedTrace
  | RemoteCredentialsMissingTrace
  | TraceLostTrace;

/** What every event of `trace$` carries besides its own fields. */
export interface TraceStamp {
  /** The scheduler's time (ms) when it happened. */
  readonly at: number;
  /** The ICE generation it belongs to (0, then +1 per restart). */
  readonly generation: number;
}

/** One event of `IceAgent.trace$`: a {@link TraceRecord} with its {@link TraceStamp}. */
export type TraceEvent = TraceRecord & TraceStamp;

/** `address:port`, IPv6 in brackets. */
export function endpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
