import type { KeyObject } from 'node:crypto';
import type { Candidate } from '../candidate-types.js';
import {
  buildBindingError,
  buildBindingIndication,
  buildBindingRequest,
  buildBindingSuccess,
  shortTermKey,
  verifyFingerprint,
  verifyIntegrity,
} from '../stun/message.js';
import type { StunMessageView } from '../stun/types.js';
import { ipVersion } from './address.js';
import { AnsweredRequests } from './answered-requests.js';
import {
  earliest,
  isPairable,
  peerReflexivePriority,
  rejectRequest,
  transactionKey,
} from './check-messages.js';
import { Checklist } from './checklist.js';
import {
  type AwaitedInput,
  awaitedInput,
  type ConclusionFacts,
  DEFAULT_PAC_TIMEOUT,
  failureDeadline,
  isCompleted,
} from './conclusion.js';
import type { IceCredentials } from './credentials.js';
import { type LivenessConfig, type LivenessOutput, PairLiveness, resolveLivenessConfig } from './liveness.js';
import { carriesUseCandidate, NO_NOMINATION, type Nomination, pairToNominate } from './nomination.js';
import { nextPacedSlot } from './pacing.js';
import {
  type CandidatePair,
  checkedPairOf,
  createPair,
  type IceRole,
  isOnPath,
  type LocalCandidate,
  pathKey,
} from './pair.js';
import { localPeerReflexive, remotePeerReflexive } from './peer-reflexive.js';
import { initialRto } from './retransmission.js';
import { createSessionCounters, type SessionCounters } from './session-counters.js';
import type {
  ConnectionState,
  FailureReason,
  RemoteCandidateOutcome,
  SessionConfig,
  SessionEvent,
  Transmit,
} from './session-types.js';
import { type CheckTransaction, CheckTransactions } from './transactions.js';

export type { AwaitedInput } from './conclusion.js';
export type {
  ConnectionState,
  FailureReason,
  RemoteCandidateOutcome,
  SessionConfig,
  SessionEvent,
  Transmit,
} from './session-types.js';

/**
 * One ICE session (RFC 8445 full agent, one data stream, component 1), in the
 * sans-IO style: inputs are candidates, credentials, STUN messages and the
 * current time; outputs are datagrams to send ({@link pollTransmit}), events
 * ({@link pollEvent}) and the next time it wants to be woken
 * ({@link nextTimeout}). No sockets, no clocks: the caller drives it.
 *
 * Invariant (checked by the explorer): a session that is not `failed` or
 * `closed` always has a {@link nextTimeout} or names the input it waits for
 * ({@link awaiting}).
 *
 * Once a pair is nominated, checking concludes (RFC 8445 §8.1.2) and
 * {@link PairLiveness} keeps consent fresh on it (RFC 7675), reports
 * `disconnected` and sends keepalives (RFC 8445 §11).
 */
export class IceSession {
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
  readonly remoteCandidates: Candidate[] = [];
  remoteCredentials: IceCredentials | undefined;
  remoteEndOfCandidates = false;
  localGatheringComplete = false;
  /** Where nomination stands: one value (see {@link Nomination}). */
  nomination: Nomination = NO_NOMINATION;

  private readonly localKey: KeyObject;
  private remoteKey: KeyObject | undefined;
  private readonly transactions = new CheckTransactions();
  private readonly answered = new AnsweredRequests();
  private readonly transmits: Transmit[] = [];
  private readonly events: SessionEvent[] = [];
  private readonly livenessConfig: LivenessConfig;
  private liveness: PairLiveness | undefined;
  private reachedCompleted = false;
  private lastCheckAt: number | undefined;
  private firstValidAt: number | undefined;
  private pacStartedAt: number | undefined;
  private hopelessSince: number | undefined;
  private nextPairId = 1;
  private nextPrflxId = 1;

  constructor(private readonly config: SessionConfig) {
    this.role = config.role;
    this.localKey = shortTermKey(config.localCredentials.pwd);
    this.checklist = new Checklist(config.checklistLimit);
    this.livenessConfig = resolveLivenessConfig(config.liveness, config.retransmission);
  }

  /** This session's own ufrag and pwd (one generation). */
  get localCredentials(): IceCredentials {
    return this.config.localCredentials;
  }

  /** The nominated pair data flows over, once there is one. */
  get selectedPair(): CandidatePair | undefined {
    return this.nomination.phase === 'nominated' ? this.nomination.pair : undefined;
  }

  /** Application data may go out: a pair is selected and the session has not failed (consent holds). */
  canSendData(): boolean {
    return this.selectedPair !== undefined && this.state !== 'failed' && this.state !== 'closed';
  }

  // ---- inputs ---------------------------------------------------------------

  /** A local candidate is ready; host and relayed ones are paired with every compatible remote. */
  addLocalCandidate(local: LocalCandidate, now: number): void {
    this.localCandidates.push(local);
    if (!isPairable(local)) return;
    for (const remote of this.remoteCandidates) this.pair(local, remote);
    this.update(now);
  }

  /**
   * The local socket `socketId` is gone (its interface vanished): its
   * candidates, pairs and checks are dropped. Returns true when it carried
   * the selected pair; the session then fails with reason `local-address`
   * (only an ICE restart can pick a new pair, RFC 8445 §8.1.1).
   */
  removeLocalSocket(socketId: number, now: number): boolean {
    const kept = this.localCandidates.filter((c) => c.socketId !== socketId);
    this.localCandidates.splice(0, this.localCandidates.length, ...kept);
    const removed = new Set(this.checklist.removeSocket(socketId));
    this.transactions.removePairs(removed);
    if (this.nomination.phase === 'nominating' && removed.has(this.nomination.pair)) {
      this.nomination = NO_NOMINATION;
    }
    const lost = this.selectedPair !== undefined && this.selectedPair.local.socketId === socketId;
    if (lost) this.fail('local-address');
    this.update(now);
    return lost;
  }

  /**
   * A remote candidate was signaled (trickle: any time, in any order). Once
   * checking has concluded it is remembered but not paired (RFC 8445 §8.1.2).
   */
  addRemoteCandidate(remote: Candidate, now: number): RemoteCandidateOutcome {
    if (remote.transport !== 'udp' || ipVersion(remote.address) === 0) {
      this.counters.unsupportedRemoteCandidates++;
      return 'unsupported';
    }
    const known = this.findRemote(remote.address, remote.port);
    if (known) {
      // A signaled candidate replaces the peer-reflexive stand-in learned from a check, in its pairs too.
      if (known.type === 'prflx' && remote.type !== 'prflx') {
        this.remoteCandidates[this.remoteCandidates.indexOf(known)] = remote;
        this.checklist.replaceRemote(known, remote, this.role);
        // The application sees the selected pair again, now with the type the peer signaled.
        const selected = this.selectedPair;
        if (selected?.remote === remote) this.events.push({ type: 'selected-pair', pair: selected });
        this.update(now);
        return 'added';
      }
      return 'duplicate';
    }
    if (this.remoteCandidates.length >= this.config.maxRemoteCandidates) return 'limit';
    this.remoteCandidates.push(remote);
    for (const local of this.localCandidates) if (isPairable(local)) this.pair(local, remote);
    this.update(now);
    return 'added';
  }

  /**
   * The remote's ufrag/pwd; checks may start from now on. Our own
   * credentials were handed out when the session was made, so the PAC timer
   * (RFC 8863 §4) starts here.
   */
  setRemoteCredentials(credentials: IceCredentials, now: number): void {
    this.remoteCredentials = credentials;
    this.remoteKey = shortTermKey(credentials.pwd);
    this.pacStartedAt ??= now;
    this.update(now);
  }

  /** The remote signaled end-of-candidates. */
  endOfRemoteCandidates(now: number): void {
    this.remoteEndOfCandidates = true;
    this.update(now);
  }

  /** Our own gathering is complete. */
  endOfLocalCandidates(now: number): void {
    this.localGatheringComplete = true;
    this.update(now);
  }

  /**
   * A STUN message arrived on socket `socketId` from `address:port`. Invalid
   * or unauthenticated messages are dropped and counted, never thrown.
   * Authenticated requests are answered in every state, `failed` included.
   * FINGERPRINT policy: a wrong FINGERPRINT drops the message; a check
   * without one is processed (MESSAGE-INTEGRITY authenticates it) and counted
   * in `requestsWithoutFingerprint`.
   */
  handleStun(socketId: number, address: string, port: number, message: StunMessageView, now: number): void {
    if (message.hasFingerprint && !verifyFingerprint(message.raw)) {
      this.counters.badFingerprintPackets++;
      return;
    }
    if (message.cls === 'request') {
      if (!message.hasFingerprint) this.counters.requestsWithoutFingerprint++;
      this.handleRequest(socketId, address, port, message, now);
    } else if (message.cls === 'success' || message.cls === 'error') {
      this.handleResponse(socketId, address, port, message, now);
    } else {
      this.counters.indicationsReceived++;
    }
    this.update(now);
  }

  /** Time has passed: retransmit, time out, send the next paced check, nominate, keep the selected pair alive. */
  handleTimeout(now: number): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.transactions.handleTimeout(now, this.config.retransmission, this.retransmitCheck, this.failPair);
    this.considerNomination(now); // a nominating check that just timed out is replaced before the slot is used
    const checkAt = this.nextCheckAt(now);
    if (checkAt !== undefined && checkAt <= now) {
      const pair = this.checklist.nextPairToCheck();
      if (pair) this.sendCheck(pair, now);
    }
    if (this.liveness !== undefined && this.canSendData()) {
      this.liveness.handleTimeout(now, this.lastDataSentAt, this.livenessOutput);
    }
    this.update(now);
  }

  // ---- outputs --------------------------------------------------------------

  /** Next datagram to send, or undefined. */
  pollTransmit(): Transmit | undefined {
    return this.transmits.shift();
  }

  /** Next event, or undefined. */
  pollEvent(): SessionEvent | undefined {
    return this.events.shift();
  }

  /** Absolute time (scheduler clock) the session next needs `handleTimeout`, if any. */
  nextTimeout(now: number): number | undefined {
    if (this.state === 'failed' || this.state === 'closed') return undefined;
    let next = this.nextCheckAt(now);
    next = earliest(next, this.transactions.nextDeadline());
    next = earliest(next, this.nominationDeadline());
    next = earliest(next, failureDeadline(this.facts()));
    next = earliest(next, this.liveness?.nextDeadline(now, this.lastDataSentAt));
    return next;
  }

  /**
   * The input this session waits for when it has nothing scheduled: remote
   * credentials, the end of our gathering, or the peer's nomination.
   * Undefined when it has a deadline or is terminal; a non-terminal session
   * with neither would be stalled (a bug the explorer looks for).
   */
  awaiting(now: number): AwaitedInput | undefined {
    if (this.state === 'failed' || this.state === 'closed' || this.nextTimeout(now) !== undefined) {
      return undefined;
    }
    return awaitedInput(this.facts());
  }

  /**
   * Whether a non-STUN datagram from this path may be delivered as data: the
   * path has a valid pair, or the peer authenticated itself on it.
   */
  acceptsDataFrom(socketId: number, address: string, port: number): boolean {
    if (this.selectedPair !== undefined && isOnPath(this.selectedPair, socketId, address, port)) return true;
    const pair = this.checklist.find(socketId, address, port);
    return pair !== undefined && (pair.valid || pair.validPair?.valid === true || pair.remoteAuthenticated);
  }

  /** Whether a response with this transaction ID would answer one of our checks (consent checks included). */
  ownsTransaction(transactionId: Uint8Array): boolean {
    const key = transactionKey(transactionId);
    return this.transactions.has(key) || this.liveness?.owns(key) === true;
  }

  /** Ends the session: no more transmits or timers. */
  close(): void {
    this.transactions.clear();
    this.transmits.length = 0;
    this.liveness = undefined;
    this.setState('closed');
  }

  // ---- inbound checks (RFC 8445 §7.3) -----------------------------------------

  private handleRequest(
    socketId: number,
    address: string,
    port: number,
    request: StunMessageView,
    now: number,
  ): void {
    const reply = (code: number, reason: string, key?: KeyObject, unknown?: readonly number[]): void => {
      const data = buildBindingError({
        transactionId: request.transactionId,
        code,
        reason,
        key,
        unknownAttributes: unknown,
      });
      this.transmits.push({ socketId, address, port, data });
    };
    const rejection = rejectRequest(request, this.localCredentials.ufrag, this.localKey);
    if (rejection) {
      this.counters[rejection.counter]++;
      // RFC 8489 §14.9: a 420 lists the attributes it did not understand.
      const unknown = rejection.code === 420 ? request.unknownComprehensionRequired : undefined;
      reply(rejection.code, rejection.reason, rejection.authenticated ? this.localKey : undefined, unknown);
      return;
    }
    if (!this.answered.admit(transactionKey(request.transactionId), pathKey(socketId, address, port), now)) {
      this.counters.replayedRequests++; // a signed check replayed from another address
      return;
    }
    if (this.resolveRoleConflict(request)) {
      this.counters.roleConflicts++;
      reply(487, 'Role Conflict', this.localKey);
      return;
    }
    const local = this.localCandidates.find((c) => c.socketId === socketId && isPairable(c));
    if (!local) {
      this.counters.unmatchedPackets++;
      return;
    }
    this.counters.requestsReceived++;
    this.counters.responsesSent++;
    this.transmits.push({
      socketId,
      address,
      port,
      data: buildBindingSuccess({
        transactionId: request.transactionId,
        mapped: { address, port },
        key: this.localKey,
      }),
    });

    const remote = this.findRemote(address, port) ?? this.learnPeerReflexive(address, port, request.priority);
    if (!remote) return;
    let pair = this.checklist.find(socketId, address, port);
    if (!pair) {
      const created = createPair(this.nextPairId++, local, remote, this.role);
      if (!this.checklist.add(created)) return; // full, or checking concluded (RFC 8445 §8.1.2)
      pair = created;
    }
    pair.remoteAuthenticated = true;
    pair.counters.requestsReceived++;
    pair.counters.responsesSent++;
    if (this.state === 'failed') return; // answered (RFC 7675 §5.1), but no more checks of our own
    const nominatedByPeer = request.useCandidate && this.role === 'controlled';
    if (nominatedByPeer) pair.remoteNominated = true;
    // RFC 8445 §7.3.1.5: a nomination on a pair that already produced a valid pair takes effect now.
    const valid = pair.validPair?.valid ? pair.validPair : undefined;
    if (nominatedByPeer && valid) this.nominate(valid, now);
    else this.triggerCheck(pair, nominatedByPeer);
  }

  /**
   * RFC 8445 §7.3.1.4: a check from the peer triggers our own check on the
   * same pair, unless that pair already succeeded; an In-Progress check is
   * cancelled and sent again. After conclusion only the nominated path is
   * checked, or a pair the peer nominates (`force`, controlled side).
   */
  private triggerCheck(pair: CandidatePair, force: boolean): void {
    if (pair.state === 'succeeded') return;
    if (this.checklist.concluded && pair !== this.selectedGeneratingPair() && !force) return;
    if (pair.state === 'in-progress') this.transactions.cancelCurrent(pair, this.config.retransmission);
    this.checklist.enqueueTriggered(pair, force);
  }

  /** Returns true when the request must be answered with 487 (RFC 8445 §7.3.1.1). */
  private resolveRoleConflict(request: StunMessageView): boolean {
    const ours = this.config.tieBreaker;
    if (this.role === 'controlling' && request.iceControlling !== undefined) {
      if (ours >= request.iceControlling) return true;
      this.setRole('controlled');
    } else if (this.role === 'controlled' && request.iceControlled !== undefined) {
      if (ours < request.iceControlled) return true;
      this.setRole('controlling');
    }
    return false;
  }

  private setRole(role: IceRole): void {
    this.role = role;
    this.checklist.recomputePriorities(role);
    if (this.nomination.phase === 'nominating') this.nomination = NO_NOMINATION; // only a controlling agent nominates
    this.events.push({ type: 'role', role });
  }

  private learnPeerReflexive(
    address: string,
    port: number,
    priority: number | undefined,
  ): Candidate | undefined {
    if (this.remoteCandidates.length >= this.config.maxRemoteCandidates) {
      this.counters.droppedPeerReflexive++;
      return undefined;
    }
    const candidate = remotePeerReflexive(this.nextPrflxId++, address, port, priority);
    this.remoteCandidates.push(candidate);
    this.events.push({ type: 'remote-candidate', candidate });
    return candidate;
  }

  // ---- responses to our checks (RFC 8445 §7.2.5) ----------------------------------

  private handleResponse(
    socketId: number,
    address: string,
    port: number,
    response: StunMessageView,
    now: number,
  ): void {
    const id = transactionKey(response.transactionId);
    if (this.liveness?.owns(id)) {
      this.handleConsentResponse(this.liveness, id, socketId, address, port, response, now);
      return;
    }
    const tx = this.transactions.get(id);
    if (!tx) {
      this.counters.unmatchedPackets++;
      return;
    }
    // A peer that cannot authenticate our check (400, 401) cannot sign its answer either. The 96-bit
    // transaction ID and the path still tie it to our check, so it fails the pair now rather than
    // after the whole retransmission schedule. A role conflict (487) must be signed: it flips roles.
    const unsignedRejection =
      response.cls === 'error' &&
      !response.hasIntegrity &&
      response.errorCode !== undefined &&
      response.errorCode.code !== 487 &&
      isOnPath(tx.pair, socketId, address, port);
    if (!unsignedRejection && !this.isAuthenticResponse(response)) return;
    this.transactions.finish(id);
    const pair = tx.pair;
    pair.counters.responsesReceived++;
    this.counters.responsesReceived++;
    // RFC 8445 §7.2.5.2.1: the response must come back over the same path.
    if (!isOnPath(pair, socketId, address, port)) {
      this.counters.nonSymmetricResponses++;
      this.failPair(pair);
      return;
    }
    // RFC 8489 §6.3.3 (and §6.3.4): unknown comprehension-required attributes: discarded, the transaction failed.
    if (response.unknownComprehensionRequired.length > 0) {
      this.counters.unknownAttributeResponses++;
      this.failPair(pair);
      return;
    }
    if (response.cls === 'error') {
      if (response.errorCode?.code === 487) this.handleRoleConflictResponse(tx);
      else this.failPair(pair);
      return;
    }
    const mapped = response.xorMappedAddress;
    if (!mapped) {
      this.failPair(pair);
      return;
    }
    if (tx.attempts === 1) pair.rtt = now - tx.firstSentAt;
    this.learnLocalPeerReflexive(pair, mapped.address, mapped.port);
    // A late answer to an older check must not hide a newer one still queued or in flight.
    if (!this.transactions.hasCurrent(pair) && !this.checklist.isQueued(pair)) pair.state = 'succeeded';
    const valid = this.validPairFor(pair, mapped.address, mapped.port);
    valid.valid = true;
    pair.validPair = valid;
    pair.validatedAt = now;
    this.firstValidAt ??= now;
    this.checklist.unfreezeFoundation(pair.foundation);
    // RFC 8445 §7.2.5.3.4 (our USE-CANDIDATE check succeeded) and §7.3.1.5 (the peer nominated this pair).
    const nominatedByUs = tx.useCandidate && this.role === 'controlling';
    if (nominatedByUs || (this.role === 'controlled' && pair.remoteNominated)) this.nominate(valid, now);
  }

  /**
   * RFC 8445 §7.2.5.3.2: the valid pair is made of the local candidate whose
   * address is the mapped address (a server- or peer-reflexive one, when a
   * NAT is in the way) and the remote the check went to. When that is not the
   * checked pair, it joins the checklist as a valid-only pair, generated by
   * the checked one.
   */
  private validPairFor(checked: CandidatePair, address: string, port: number): CandidatePair {
    const local = this.localCandidates.find(
      (c) =>
        c.socketId === checked.local.socketId && c.candidate.address === address && c.candidate.port === port,
    );
    if (!local || local.candidate === checked.local.candidate) return checked;
    const known = this.checklist.pairs.find((p) => p.generatedBy === checked && p.local === local);
    if (known) return known;
    const created = createPair(this.nextPairId++, local, checked.remote, this.role);
    created.state = 'succeeded';
    created.generatedBy = checked;
    return this.checklist.addValidOnly(created) ? created : checked;
  }

  /** RFC 7675 §5.1: only an authenticated success response over the selected path refreshes consent. */
  private handleConsentResponse(
    liveness: PairLiveness,
    id: string,
    socketId: number,
    address: string,
    port: number,
    response: StunMessageView,
    now: number,
  ): void {
    if (!this.isAuthenticResponse(response)) return;
    const pair = liveness.pair;
    if (!isOnPath(pair, socketId, address, port)) {
      this.counters.nonSymmetricResponses++;
      return;
    }
    if (response.cls !== 'success') return;
    pair.counters.responsesReceived++;
    this.counters.consentResponsesReceived++;
    liveness.handleResponse(id, now);
  }

  private isAuthenticResponse(response: StunMessageView): boolean {
    if (response.hasIntegrity && this.remoteKey && verifyIntegrity(response.raw, this.remoteKey)) return true;
    this.counters.unauthenticatedPackets++;
    return false;
  }

  private handleRoleConflictResponse(tx: CheckTransaction): void {
    if (this.config.remoteIceLite) {
      // A lite peer is always controlled (RFC 8445 §6.1.1): a 487 from it is an error, not a reason to yield.
      this.failPair(tx.pair);
      return;
    }
    // RFC 8445 §7.2.5.1: switch to the opposite of the role the request claimed, then retry.
    if (this.role === tx.role) this.setRole(tx.role === 'controlling' ? 'controlled' : 'controlling');
    this.checklist.enqueueTriggered(tx.pair);
  }

  /** RFC 8445 §7.2.5.3.1: a mapped address we do not know is a local peer-reflexive candidate. */
  private learnLocalPeerReflexive(pair: CandidatePair, address: string, port: number): void {
    const known = this.localCandidates.some(
      (c) => c.candidate.address === address && c.candidate.port === port,
    );
    if (known || pair.local.candidate.type === 'relay') return;
    this.localCandidates.push(localPeerReflexive(pair.local, address, port));
  }

  // ---- checks (RFC 8445 §7.2.4) -------------------------------------------------

  private sendCheck(pair: CandidatePair, now: number): void {
    const useCandidate = this.role === 'controlling' && carriesUseCandidate(this.nomination, pair);
    const { transactionId, bytes } = this.buildCheck(pair, useCandidate);
    const active = this.checklist.pairs.filter(
      (p) => p.state === 'waiting' || p.state === 'in-progress',
    ).length;
    const rto = initialRto(this.config.ta, active);
    const tx: CheckTransaction = {
      pair,
      bytes,
      useCandidate,
      role: this.role,
      firstSentAt: now,
      attempts: 1,
      rto,
      nextAt: now + rto,
      cancelled: false,
    };
    this.transactions.start(transactionKey(transactionId), tx);
    pair.state = 'in-progress';
    pair.counters.requestsSent++;
    this.counters.requestsSent++;
    this.lastCheckAt = now;
    this.send(pair, bytes);
  }

  /** A Binding request on `pair` as RFC 8445 §7.2.2 words it; consent checks are the same message. */
  private buildCheck(pair: CandidatePair, useCandidate: boolean) {
    const credentials = this.remoteCredentials as IceCredentials;
    return buildBindingRequest({
      username: `${credentials.ufrag}:${this.localCredentials.ufrag}`,
      key: this.remoteKey as KeyObject,
      priority: peerReflexivePriority(pair.local.candidate),
      role: this.role,
      tieBreaker: this.config.tieBreaker,
      useCandidate,
    });
  }

  /** What the selected pair's {@link PairLiveness} sends through; counted in the session's counters. */
  private readonly livenessOutput: LivenessOutput = {
    sendConsentCheck: () => {
      const pair = this.selectedPair as CandidatePair;
      const { transactionId, bytes } = this.buildCheck(pair, false);
      pair.counters.requestsSent++;
      this.counters.consentRequestsSent++;
      this.send(pair, bytes);
      return { key: transactionKey(transactionId), bytes };
    },
    resendConsentCheck: (bytes) => {
      this.counters.consentRetransmissions++;
      this.send(this.selectedPair as CandidatePair, bytes);
    },
    sendKeepalive: () => {
      this.counters.keepalivesSent++;
      this.send(this.selectedPair as CandidatePair, buildBindingIndication());
    },
  };

  private send(pair: CandidatePair, data: Uint8Array): void {
    this.transmits.push({
      socketId: pair.local.socketId,
      address: pair.remote.address,
      port: pair.remote.port,
      data,
    });
  }

  private readonly retransmitCheck = (tx: CheckTransaction): void => {
    this.counters.retransmissions++;
    this.send(tx.pair, tx.bytes);
  };

  /** A check failed (timeout, error, asymmetric answer): the path is not (or no longer) valid. */
  private readonly failPair = (pair: CandidatePair): void => {
    pair.state = 'failed';
    pair.valid = false;
    if (pair.validPair) pair.validPair.valid = false;
  };

  private nextCheckAt(now: number): number | undefined {
    if (!this.remoteCredentials || !this.checklist.hasWork()) return undefined;
    return nextPacedSlot(this.lastCheckAt, now, this.config.ta);
  }

  // ---- nomination (RFC 8445 §8.1) -------------------------------------------------

  private selectedGeneratingPair(): CandidatePair | undefined {
    const selected = this.selectedPair;
    return selected && checkedPairOf(selected);
  }

  /**
   * `pair` (valid) is nominated. The first nomination selects it and
   * concludes checking (RFC 8445 §8.1.2: other pairs' checks are cancelled,
   * none start again); a later, higher-priority nomination from a peer that
   * nominates aggressively replaces it.
   */
  private nominate(pair: CandidatePair, now: number): void {
    pair.nominated = true;
    const current = this.selectedPair;
    if (current !== undefined && (current === pair || pair.priority <= current.priority)) return;
    this.nomination = { phase: 'nominated', pair };
    this.liveness = new PairLiveness(pair, this.livenessConfig, now);
    this.events.push({ type: 'selected-pair', pair });
    const cancelled = this.checklist.conclude(checkedPairOf(pair));
    this.transactions.cancelPairs(cancelled, this.config.retransmission);
  }

  /** Controlling side, no nomination yet: when to stop waiting for a better pair than the first valid one. */
  private nominationDeadline(): number | undefined {
    if (this.role !== 'controlling' || this.firstValidAt === undefined || this.nomination.phase !== 'none')
      return undefined;
    // Only a deadline while a valid pair waits for it: with none, there is nothing to nominate.
    if (!this.checklist.pairs.some((p) => p.valid)) return undefined;
    return this.firstValidAt + this.config.nominationDelay;
  }

  /**
   * Regular nomination (RFC 8445 §8.1.1), controlling side: choose a valid
   * pair, then keep a USE-CANDIDATE check queued or in flight on its checked
   * pair until it succeeds; if the pair stops being valid, choose again.
   */
  private considerNomination(now: number): void {
    if (this.role !== 'controlling') return;
    const nomination = this.nomination;
    if (nomination.phase === 'nominated') return;
    if (nomination.phase === 'nominating') {
      if (nomination.pair.valid) {
        const checked = checkedPairOf(nomination.pair);
        if (!this.transactions.isNominating(checked) && !this.checklist.isQueued(checked)) {
          this.checklist.enqueueTriggered(checked);
        }
        return;
      }
      this.nomination = NO_NOMINATION; // its check failed: the path died
    }
    const chosen = pairToNominate(this.checklist.pairs, this.nominationDeadline(), now);
    if (!chosen) return;
    this.nomination = { phase: 'nominating', pair: chosen };
    this.checklist.enqueueTriggered(checkedPairOf(chosen));
  }

  // ---- state ----------------------------------------------------------------------

  private facts(): ConclusionFacts {
    return {
      hasRemoteCredentials: this.remoteCredentials !== undefined,
      localGatheringComplete: this.localGatheringComplete,
      remoteEndOfCandidates: this.remoteEndOfCandidates,
      pacStartedAt: this.pacStartedAt,
      pacTimeout: this.config.pacTimeout ?? DEFAULT_PAC_TIMEOUT,
      candidateWait: this.config.candidateWait,
      hopelessSince: this.hopelessSince,
      isControlled: this.role === 'controlled',
      hasValidPair: this.checklist.pairs.some((p) => p.valid),
      nominated: this.selectedPair !== undefined,
    };
  }

  private update(now: number): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.considerNomination(now);
    if (this.selectedPair) {
      this.updateSelectedState(now);
      return;
    }
    if (this.counters.requestsSent > 0 || this.counters.requestsReceived > 0) this.setState('checking');
    let hopeless = this.isHopeless();
    if (hopeless && this.retryAnsweredPaths(now)) hopeless = false;
    this.hopelessSince = hopeless ? (this.hopelessSince ?? now) : undefined;
    const deadline = failureDeadline(this.facts());
    if (deadline !== undefined && now >= deadline) this.fail('checks');
  }

  /** Nothing can succeed any more: no valid pair, nothing left to check, no check in flight. */
  private isHopeless(): boolean {
    return (
      this.remoteCredentials !== undefined &&
      this.localGatheringComplete &&
      this.checklist.isSettled() &&
      this.transactions.size === 0 &&
      !this.checklist.pairs.some((p) => p.valid)
    );
  }

  /**
   * While the PAC timer runs (RFC 8863), a session out of hope checks again
   * the failed pairs that answered before: a path that lost a run of packets
   * (the nominating check, say) is retried rather than given up, a
   * transaction timeout at a time, until the timer expires. Returns whether
   * anything was queued.
   */
  private retryAnsweredPaths(now: number): boolean {
    const pacEnds = (this.pacStartedAt ?? now) + (this.config.pacTimeout ?? DEFAULT_PAC_TIMEOUT);
    if (now >= pacEnds || this.checklist.concluded) return false;
    let queued = false;
    for (const pair of this.checklist.pairs) {
      if (pair.state === 'failed' && pair.validatedAt !== undefined && pair.generatedBy === undefined) {
        queued = this.checklist.enqueueTriggered(pair) || queued;
      }
    }
    return queued;
  }

  /** connected → completed once checking is over; disconnected while consent checks go unanswered; failed when consent expires. */
  private updateSelectedState(now: number): void {
    const liveness = this.liveness;
    if (liveness?.consentExpired(now)) {
      this.fail('consent');
      return;
    }
    if (liveness?.isDisconnected(now)) {
      this.setState('disconnected');
      return;
    }
    if (!this.reachedCompleted) {
      this.setState('connected'); // W3C order: connected, then completed
      this.reachedCompleted = isCompleted(this.facts());
      if (!this.reachedCompleted) return;
    }
    this.setState('completed');
  }

  private fail(reason: FailureReason): void {
    this.failureReason = reason;
    this.liveness = undefined;
    this.setState('failed');
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.events.push({ type: 'state', state });
  }

  private pair(local: LocalCandidate, remote: Candidate): void {
    if (ipVersion(local.candidate.address) !== ipVersion(remote.address)) return;
    this.checklist.add(createPair(this.nextPairId++, local, remote, this.role));
  }

  private findRemote(address: string, port: number): Candidate | undefined {
    return this.remoteCandidates.find((c) => c.port === port && c.address === address);
  }
}
