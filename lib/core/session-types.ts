/**
 * The data types an {@link IceSession} takes and yields: its settings, its
 * states, the datagrams and events it produces.
 */
import type { Candidate } from '../candidate-types.js';
import type { DEFAULT_PAC_TIMEOUT } from './conclusion.js';
import type { IceCredentials } from './credentials.js';
import type { LivenessConfig } from './liveness.js';
import type { NominationPolicy } from './nomination-policy.js';
import type { CandidatePair, IceRole } from './pair.js';
import type { RetransmissionPolicy } from './retransmission.js';
import type { isCheckableTransportPair } from './tcp-pairing.js';

/** Connection states (W3C `RTCIceConnectionState`, plus `new`/`closed`). */
export type ConnectionState =
  | 'new'
  | 'checking'
  | 'connected'
  | 'completed'
  | 'failed'
  | 'disconnected'
  | 'closed';

/**
 * Why a session is `failed` (see {@link FAILURE_DESCRIPTIONS} for each in words):
 * - `checks-timed-out`: every pair failed and every failed check went
 *   unanswered (the peer never answered: firewall, wrong addresses, peer gone);
 * - `credentials-rejected`: the peer answered our checks with 401
 *   Unauthorized and none succeeded (the remote credentials we were given are
 *   wrong or stale);
 * - `no-remote-candidates`: nothing to check: no remote candidate was
 *   signaled and no check came from the peer;
 * - `no-local-candidates`: nothing to check from: gathering ended without a
 *   usable local candidate;
 * - `turn-refused`: as `no-local-candidates`, and a TURN server refused the
 *   allocation (the `failed` trace event has its code);
 * - `checks`: every pair failed, for mixed reasons (some checks timed out,
 *   some were answered with errors);
 * - `consent`: consent expired on the selected pair (RFC 7675);
 * - `local-address`: the selected pair's local address went away;
 * - `peer-silent`: (ICE-lite agent) the peer's checks stopped arriving.
 *
 * A session without remote credentials never fails (trickle may be slow):
 * it emits a `remote-credentials-missing` warning on `trace$` instead.
 * `checks` is the only value releases before the precise ones used for a
 * checklist that failed; {@link isChecklistFailure} tells all of them apart
 * from the others.
 */
export type FailureReason =
  | 'checks'
  | 'checks-timed-out'
  | 'credentials-rejected'
  | 'no-remote-candidates'
  | 'no-local-candidates'
  | 'turn-refused'
  | 'consent'
  | 'local-address'
  | 'peer-silent';

/** Settings of one ICE session (one generation of credentials). */
export interface SessionConfig {
  readonly role: IceRole;
  readonly tieBreaker: bigint;
  readonly localCredentials: IceCredentials;
  /** Fresh 12-byte transaction ids (the agent's `entropy`); default: the process-wide CSPRNG pool. */
  readonly newTransactionId?: () => Uint8Array;
  /** Pacing of new checks, ms (RFC 8445 §14.2). */
  readonly ta: number;
  readonly checklistLimit: number;
  readonly maxRemoteCandidates: number;
  readonly retransmission: RetransmissionPolicy;
  /** Controlling side: how long to wait for a better pair after the first valid one before nominating. */
  readonly nominationDelay: number;
  /**
   * Controlling side: which pair to nominate and when. Default `'regular'`
   * ({@link regularNomination}); `'aggressive'` puts USE-CANDIDATE on every
   * check (RFC 5245 §8.1.1.2) and selects the highest-priority pair that
   * succeeded.
   */
  readonly nomination?: 'regular' | 'aggressive' | NominationPolicy;
  /** This session offers renomination (draft-thatcher-ice-renomination); the peer must offer it too. */
  readonly renomination?: boolean;
  /**
   * Controlling side, renomination agreed: keep a backup pair warm and
   * renominate it when the selected path goes silent (see lib/core/failover.ts).
   */
  readonly failover?: boolean;
  /** The peer offered renomination (its `a=ice-options`); see {@link IceSession.setRemoteRenomination}. */
  readonly remoteRenomination?: boolean;
  /**
   * How long the agent waits, once every pair failed (or none could be
   * formed), for more remote candidates or peer-reflexive checks before it
   * declares `failed`; never before the PAC timer expires. Zero wait applies
   * after the remote's end-of-candidates.
   */
  readonly candidateWait: number;
  /**
   * RFC 8863 PAC timer, ms from the moment remote credentials arrive: the
   * session never declares `failed` before it expires. Default
   * {@link DEFAULT_PAC_TIMEOUT} (39.5 s).
   */
  readonly pacTimeout?: number;
  /** Consent, disconnected and keepalive timing of the selected pair; RFC defaults when omitted. */
  readonly liveness?: Partial<LivenessConfig>;
  /**
   * This session is an ICE-lite agent (RFC 8445 §2.5): always controlled, it
   * sends no checks, answers the peer's, takes its nomination (regular or
   * aggressive) and goes `connected` → `completed` at once (§8.2).
   */
  readonly lite?: boolean;
  /** Lite only: ms without a check from the peer before `failed` (`peer-silent`); default 30000. */
  readonly liteTimeout?: number;
  /**
   * Accept TCP remote candidates (RFC 6544): they pair by `tcptype`
   * ({@link isCheckableTransportPair}). Off: they are counted in
   * `unsupportedRemoteCandidates` and ignored.
   */
  readonly tcp?: boolean;
  /** The peer is an ICE-lite agent (RFC 8445 §2.5): it never checks, and never takes the controlling role. */
  readonly remoteIceLite?: boolean;
}

/** A datagram the session wants sent from one of the agent's sockets. */
export interface Transmit {
  readonly socketId: number;
  readonly address: string;
  readonly port: number;
  readonly data: Uint8Array;
}

/** Something the agent must surface. */
export type SessionEvent =
  | { readonly type: 'state'; readonly state: ConnectionState }
  | { readonly type: 'selected-pair'; readonly pair: CandidatePair }
  | { readonly type: 'remote-candidate'; readonly candidate: Candidate }
  | { readonly type: 'role'; readonly role: IceRole };

/** Why `addRemoteCandidate` did not pair a candidate. */
export type RemoteCandidateOutcome = 'added' | 'duplicate' | 'unsupported' | 'limit';
