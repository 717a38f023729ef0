import type { KeyObject } from 'node:crypto';
import type { Candidate } from '../candidate-types.js';
import { shortTermKey } from '../stun/message.js';
import { type DropReason, endpoint } from '../trace-events.js';
import { AnsweredRequests } from './answered-requests.js';
import { remoteUfragOf } from './check-messages.js';
import { Checklist } from './checklist.js';
import { type ConclusionFacts, DEFAULT_PAC_TIMEOUT } from './conclusion.js';
import type { IceCredentials } from './credentials.js';
import type { FailoverWatch } from './failover.js';
import {
  type CheckFailureCounts,
  checklistFailureReason,
  createCheckFailureCounts,
  FAILURE_DESCRIPTIONS,
} from './failure-reasons.js';
import { type Liveness, type LivenessConfig, resolveLivenessConfig } from './liveness.js';
import { NO_NOMINATION, type Nomination, selectedPairOf } from './nomination.js';
import type { CandidatePair, IceRole, LocalCandidate } from './pair.js';
import { remember } from './recent.js';
import { createSessionCounters, type SessionCounters } from './session-counters.js';
import type {
  ConnectionState,
  FailureReason,
  SessionConfig,
  SessionEvent,
  Transmit,
} from './session-types.js';
import { TraceBuffer } from './trace-buffer.js';
import { CheckTransactions } from './transactions.js';

/**
 * The data of one ICE session and the plumbing every part of it shares:
 * candidates, checklist, transactions, the queues of datagrams and events,
 * the connection state and the facts the conclusion rules read. The parts of
 * the protocol build on it one layer at a time (outbound checks, nomination,
 * responses, inbound checks) up to {@link IceSession}.
 */
export abstract class SessionState {
  role: IceRole;
  state: ConnectionState = 'new';
  /** Set when the state is `failed`: why. */
  failureReason: FailureReason | undefined;
  /**
   * When application data last went out over the selected pair (scheduler
   * clock). The agent writes it on every `send()`: a plain number, so the data
   * path allocates nothing. Keepalives wait for Tr of silence after it.
   */
  lastDataSentAt = Number.NEGATIVE_INFINITY;
  readonly counters: SessionCounters = createSessionCounters();
  readonly checklist: Checklist;
  readonly localCandidates: LocalCandidate[] = [];
  /** Trace records for `trace$`; the agent switches it on while someone listens, and drains it. */
  readonly trace = new TraceBuffer();
  /**
   * A TURN server refused an allocation (its error code, when it gave one):
   * the agent notes it so that a checklist without local candidates fails as
   * `turn-refused`.
   */
  turnRefusal: { readonly code: number | undefined } | undefined;
  readonly remoteCandidates: Candidate[] = [];
  remoteCredentials: IceCredentials | undefined;
  remoteEndOfCandidates = false;
  localGatheringComplete = false;
  /** Where nomination stands: one value (see {@link Nomination}). */
  nomination: Nomination = NO_NOMINATION;
  /**
   * The peer is an ICE-lite agent (RFC 8445 §2.5): from the config, or
   * learned later from signaling ({@link IceSession.setRemoteIceLite}).
   */
  remoteIceLite: boolean;
  /**
   * The peer announced renomination support (`a=ice-options:renomination`,
   * draft-thatcher-ice-renomination); it takes effect only when this session
   * offers it too ({@link renominationAgreed}).
   */
  remoteRenomination: boolean;

  protected readonly localKey: KeyObject;
  protected remoteKey: KeyObject | undefined;
  protected readonly transactions = new CheckTransactions();
  protected readonly answered = new AnsweredRequests();
  protected readonly transmits: Transmit[] = [];
  protected readonly events: SessionEvent[] = [];
  protected readonly livenessConfig: LivenessConfig;
  protected liveness: Liveness | undefined;
  protected reachedCompleted = false;
  protected lastCheckAt: number | undefined;
  protected firstValidAt: number | undefined;
  /** Controlling side: when the nomination policy wants to be asked again (scheduler clock). */
  protected policyAskAgainAt: number | undefined;
  /** Controlling side: nominations started so far, the NOMINATION value of the latest (renomination). */
  protected nominationCount = 0;
  /** Option `failover`: the selected pair it watches and its state. */
  protected failover: { readonly selected: CandidatePair; readonly watch: FailoverWatch } | undefined;
  protected pacStartedAt: number | undefined;
  /** This session followed new remote credentials without proof once (see remote-restart.ts). */
  followedUnproven = false;
  /**
   * The remote credentials are the previous session's, kept by our own
   * restart (RFC 8445 §9 changes only the restarting agent's credentials)
   * until the peer answers with new ones or a check from it names our new
   * ufrag: it took ours and kept its own (see remote-restart.ts).
   */
  remoteKept = false;
  /** Remote ufrags named in the USERNAME of authenticated checks (the last few; see {@link heardFrom}). */
  private readonly remoteUfragsHeard: string[] = [];
  /** Remote ufrags this session followed newer credentials away from (the last 4; see {@link namesReplacedRemote}). */
  protected readonly replacedRemoteUfrags: string[] = [];
  /** The USERNAME of the last authenticated check ({@link noteRemoteUfrag}). */
  private lastUsernameHeard: string | undefined;
  /** What failed checks met: the failure reason is read from it. */
  protected readonly checkFailures: CheckFailureCounts = createCheckFailureCounts();
  protected hopelessSince: number | undefined;
  protected nextPairId = 1;
  protected nextPrflxId = 1;

  constructor(protected readonly config: SessionConfig) {
    this.role = config.role;
    this.remoteIceLite = config.remoteIceLite === true;
    this.remoteRenomination = config.remoteRenomination === true;
    this.localKey = shortTermKey(config.localCredentials.pwd);
    this.checklist = new Checklist(config.checklistLimit);
    this.livenessConfig = resolveLivenessConfig(config.liveness, config.retransmission);
  }

  /** This session's own ufrag and pwd (one generation). */
  get localCredentials(): IceCredentials {
    return this.config.localCredentials;
  }

  /** Both sides offered renomination: the controlling side may nominate again, the controlled side follows the highest NOMINATION. */
  get renominationAgreed(): boolean {
    return this.config.renomination === true && this.remoteRenomination;
  }

  /** The nominated pair data flows over, once there is one. */
  get selectedPair(): CandidatePair | undefined {
    return selectedPairOf(this.nomination);
  }

  /** Application data may go out: a pair is selected and the session has not failed (consent holds). */
  canSendData(): boolean {
    return this.selectedPair !== undefined && this.state !== 'failed' && this.state !== 'closed';
  }

  /** Next datagram to send, or undefined. */
  /**
   * Whether an authenticated check named the remote ufrag `ufrag` (the part
   * after the colon of its USERNAME): proof that the peer's generation
   * `ufrag` knows this session's credentials (see remote-restart.ts).
   */
  heardFrom(ufrag: string): boolean {
    return this.remoteUfragsHeard.includes(ufrag);
  }

  /**
   * Whether a check's sender (the remote half of its USERNAME) is a remote generation this session
   * followed newer credentials away from: the peer's old session, which its
   * new one replaces. Such a check is answered and keeps its path alive (that
   * session carries data until the peer's new one selects), but triggers and
   * nominates nothing here: its nominations are the old session's.
   */
  protected namesReplacedRemote(ufrag: string | undefined): boolean {
    return ufrag !== undefined && this.replacedRemoteUfrags.includes(ufrag);
  }

  /** Records the remote half of an authenticated check's USERNAME; keeps the last 4. */
  protected noteRemoteUfrag(username: string | undefined): void {
    // Every check of a pair carries the same USERNAME: the common case costs one comparison.
    if (username === undefined || username === this.lastUsernameHeard) return;
    this.lastUsernameHeard = username;
    const ufrag = remoteUfragOf(username);
    if (this.remoteKept && ufrag === this.remoteCredentials?.ufrag) this.remoteKept = false;
    remember(this.remoteUfragsHeard, ufrag, 4);
  }

  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  /** Next event, or undefined. */
  pollEvent(): SessionEvent | undefined {
    return this.events.shift();
  }

  protected send(pair: CandidatePair, data: Uint8Array): void {
    this.transmits.push({
      socketId: pair.local.socketId,
      address: pair.remote.address,
      port: pair.remote.port,
      data,
    });
  }

  protected setState(state: ConnectionState): void {
    if (this.state === state) return;
    const before = this.state;
    this.state = state;
    this.events.push({ type: 'state', state });
    if (this.trace.enabled) this.traceState(before, state);
  }

  protected fail(reason: FailureReason): void {
    this.failureReason = reason;
    this.liveness = undefined;
    this.setState('failed');
  }

  /** The precise reason of a checklist that failed (see {@link checklistFailureReason}). */
  protected checklistFailureReason(): FailureReason {
    let pairable = 0;
    for (const c of this.localCandidates) {
      if (c.candidate.type === 'host' || c.candidate.type === 'relay') pairable++;
    }
    return checklistFailureReason({
      pairableLocalCandidates: pairable,
      remoteCandidates: this.remoteCandidates.length,
      checks: this.checkFailures,
      turnRefused: this.turnRefusal !== undefined,
    });
  }

  /** A datagram is dropped: traced when someone listens (the caller counts it). */
  protected traceDrop(
    socketId: number,
    address: string,
    port: number,
    length: number,
    reason: DropReason,
  ): void {
    if (!this.trace.enabled) return;
    this.trace.push({ type: 'datagram-dropped', socketId, from: endpoint(address, port), length, reason });
  }

  private traceState(before: ConnectionState, state: ConnectionState): void {
    const reason = this.failureReason;
    if (state === 'failed' && reason !== undefined) {
      const code = reason === 'turn-refused' ? this.turnRefusal?.code : undefined;
      this.trace.push({
        type: 'connection-state',
        state,
        reason: FAILURE_DESCRIPTIONS[reason],
        failureReason: reason,
        ...(code === undefined ? {} : { code }),
      });
      return;
    }
    this.trace.push({
      type: 'connection-state',
      state,
      reason: stateReason(before, state, this.config.lite === true),
    });
  }

  protected findRemote(address: string, port: number, transport?: 'udp' | 'tcp'): Candidate | undefined {
    return this.remoteCandidates.find(
      (c) =>
        c.port === port && c.address === address && (transport === undefined || c.transport === transport),
    );
  }

  protected facts(): ConclusionFacts {
    return {
      hasRemoteCredentials: this.remoteCredentials !== undefined,
      remoteKept: this.remoteKept,
      localGatheringComplete: this.localGatheringComplete,
      remoteEndOfCandidates: this.remoteEndOfCandidates,
      pacStartedAt: this.pacStartedAt,
      pacTimeout: this.config.pacTimeout ?? DEFAULT_PAC_TIMEOUT,
      candidateWait: this.config.candidateWait,
      hopelessSince: this.hopelessSince,
      isControlled: this.role === 'controlled',
      hasValidPair: this.checklist.pairs.some((p) => p.valid),
      nominated: this.selectedPair !== undefined,
      lite: this.config.lite === true,
    };
  }
}

/** Why a session entered `state` (other than `failed`), in words. */
function stateReason(before: ConnectionState, state: ConnectionState, lite: boolean): string {
  switch (state) {
    case 'checking':
      return 'the first connectivity check went out or came in';
    case 'connected':
      return before === 'disconnected' ? 'the selected pair answered again' : 'a pair was selected';
    case 'completed':
      return lite
        ? 'the peer nominated a pair'
        : 'a pair is selected and both sides finished gathering: no new pair can appear';
    case 'disconnected':
      return lite
        ? 'no check from the peer on the selected pair for a while'
        : 'consent checks on the selected pair went unanswered';
    case 'closed':
      return 'the session was closed';
    default:
      return state;
  }
}
