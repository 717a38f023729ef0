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
import {
  earliest,
  isPairable,
  peerReflexivePriority,
  rejectRequest,
  transactionKey,
} from './check-messages.js';
import { Checklist } from './checklist.js';
import type { IceCredentials } from './credentials.js';
import { type LivenessConfig, type LivenessOutput, PairLiveness, resolveLivenessConfig } from './liveness.js';
import { pairToNominate } from './nomination.js';
import { nextPacedSlot } from './pacing.js';
import { type CandidatePair, createPair, type IceRole, isOnPath, type LocalCandidate } from './pair.js';
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
 * Once a pair is selected, {@link PairLiveness} keeps consent fresh on it
 * (RFC 7675), reports `disconnected` and sends keepalives (RFC 8445 §11).
 */
export class IceSession {
  role: IceRole;
  state: ConnectionState = 'new';
  selectedPair: CandidatePair | undefined;
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

  private readonly localKey: KeyObject;
  private remoteKey: KeyObject | undefined;
  private readonly transactions = new CheckTransactions();
  private readonly transmits: Transmit[] = [];
  private readonly events: SessionEvent[] = [];
  private readonly livenessConfig: LivenessConfig;
  private liveness: PairLiveness | undefined;
  private reachedCompleted = false;
  private lastCheckAt: number | undefined;
  private firstValidAt: number | undefined;
  private settledAt: number | undefined;
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
    const lost = this.selectedPair !== undefined && this.selectedPair.local.socketId === socketId;
    if (lost) this.fail('local-address');
    this.update(now);
    return lost;
  }

  /** A remote candidate was signaled (trickle: any time, in any order). */
  addRemoteCandidate(remote: Candidate, now: number): RemoteCandidateOutcome {
    if (remote.transport !== 'udp' || ipVersion(remote.address) === 0) {
      this.counters.unsupportedRemoteCandidates++;
      return 'unsupported';
    }
    const known = this.findRemote(remote.address, remote.port);
    if (known) {
      // A signaled candidate replaces the peer-reflexive stand-in learned from a check.
      if (known.type === 'prflx' && remote.type !== 'prflx') {
        this.remoteCandidates[this.remoteCandidates.indexOf(known)] = remote;
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

  /** The remote's ufrag/pwd; checks may start from now on. */
  setRemoteCredentials(credentials: IceCredentials, now: number): void {
    this.remoteCredentials = credentials;
    this.remoteKey = shortTermKey(credentials.pwd);
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
   */
  handleStun(socketId: number, address: string, port: number, message: StunMessageView, now: number): void {
    if (message.hasFingerprint && !verifyFingerprint(message.raw)) {
      this.counters.badFingerprintPackets++;
      return;
    }
    if (message.cls === 'request') this.handleRequest(socketId, address, port, message, now);
    else if (message.cls === 'success' || message.cls === 'error')
      this.handleResponse(socketId, address, port, message, now);
    else this.counters.indicationsReceived++;
    this.update(now);
  }

  /** Time has passed: retransmit, time out, send the next paced check, nominate, keep the selected pair alive. */
  handleTimeout(now: number): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.transactions.handleTimeout(now, this.config.retransmission, this.retransmitCheck, this.failPair);
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
    next = earliest(next, this.failureDeadline());
    next = earliest(next, this.liveness?.nextDeadline(now, this.lastDataSentAt));
    return next;
  }

  /**
   * Whether a non-STUN datagram from this path may be delivered as data: the
   * path has a valid pair, or the peer authenticated itself on it.
   */
  acceptsDataFrom(socketId: number, address: string, port: number): boolean {
    if (this.selectedPair !== undefined && isOnPath(this.selectedPair, socketId, address, port)) return true;
    const pair = this.checklist.find(socketId, address, port);
    return pair !== undefined && (pair.valid || pair.remoteAuthenticated);
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

  // ---- STUN -----------------------------------------------------------------

  private handleRequest(
    socketId: number,
    address: string,
    port: number,
    request: StunMessageView,
    now: number,
  ): void {
    const reply = (code: number, reason: string, key?: KeyObject): void => {
      this.transmits.push({
        socketId,
        address,
        port,
        data: buildBindingError({ transactionId: request.transactionId, code, reason, key }),
      });
    };
    const rejection = rejectRequest(request, this.localCredentials.ufrag, this.localKey);
    if (rejection) {
      this.counters[rejection.counter]++;
      reply(rejection.code, rejection.reason, rejection.authenticated ? this.localKey : undefined);
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
      if (!this.checklist.add(created)) return;
      pair = created;
    }
    pair.remoteAuthenticated = true;
    pair.counters.requestsReceived++;
    pair.counters.responsesSent++;
    if (this.state === 'failed') return; // answered (RFC 7675 §5.1), but no more checks of our own
    this.triggerCheck(pair);
    if (request.useCandidate && this.role === 'controlled') {
      pair.remoteNominated = true;
      if (pair.valid) this.nominate(pair, now);
    }
  }

  /** RFC 8445 §7.3.1.4: a check from the peer triggers our own check on the same pair. */
  private triggerCheck(pair: CandidatePair): void {
    if (pair.state === 'succeeded') return;
    if (pair.state === 'in-progress') this.transactions.cancelCurrent(pair, this.config.retransmission);
    this.checklist.enqueueTriggered(pair);
  }

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
    if (response.cls === 'error') {
      if (response.errorCode?.code === 487) {
        this.handleRoleConflictResponse(tx);
        return;
      }
      this.failPair(pair);
      return;
    }
    if (!response.xorMappedAddress) {
      this.failPair(pair);
      return;
    }
    if (tx.attempts === 1) pair.rtt = now - tx.firstSentAt;
    this.learnLocalPeerReflexive(pair, response.xorMappedAddress.address, response.xorMappedAddress.port);
    pair.state = 'succeeded';
    pair.valid = true;
    this.firstValidAt ??= now;
    this.checklist.unfreezeFoundation(pair.foundation);
    if (tx.useCandidate || (this.role === 'controlled' && pair.remoteNominated)) this.nominate(pair, now);
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
    for (const pair of this.checklist.pairs) pair.nominateOnNextCheck = false;
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

  /** RFC 8445 §7.2.5.3.1: a mapped address we do not know is a local peer-reflexive candidate. */
  private learnLocalPeerReflexive(pair: CandidatePair, address: string, port: number): void {
    const known = this.localCandidates.some(
      (c) => c.candidate.address === address && c.candidate.port === port,
    );
    if (known || pair.local.candidate.type === 'relay') return;
    this.localCandidates.push(localPeerReflexive(pair.local, address, port));
  }

  // ---- checks ---------------------------------------------------------------

  private sendCheck(pair: CandidatePair, now: number): void {
    const useCandidate = this.role === 'controlling' && pair.nominateOnNextCheck;
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

  private readonly failPair = (pair: CandidatePair): void => {
    pair.state = 'failed';
    this.checklist.releaseFoundation(pair.foundation);
  };

  private nextCheckAt(now: number): number | undefined {
    if (!this.remoteCredentials || !this.checklist.hasWork()) return undefined;
    return nextPacedSlot(this.lastCheckAt, now, this.config.ta);
  }

  // ---- nomination, selection and state ----------------------------------------

  private nominate(pair: CandidatePair, now: number): void {
    pair.nominated = true;
    pair.nominateOnNextCheck = false;
    const current = this.selectedPair;
    // Controlled side with aggressive nomination: the highest-priority nominated pair wins.
    if (current === undefined || (current !== pair && pair.priority > current.priority)) {
      this.selectedPair = pair;
      this.liveness = new PairLiveness(pair, this.livenessConfig, now);
      this.events.push({ type: 'selected-pair', pair });
    }
  }

  private nominationDeadline(): number | undefined {
    if (this.role !== 'controlling' || this.firstValidAt === undefined || this.isNominating())
      return undefined;
    return this.firstValidAt + this.config.nominationDelay;
  }

  private isNominating(): boolean {
    return this.selectedPair !== undefined || this.checklist.pairs.some((p) => p.nominateOnNextCheck);
  }

  /** Regular nomination (RFC 8445 §8.1.1), controlling side: the next check on the chosen pair carries USE-CANDIDATE. */
  private considerNomination(now: number): void {
    if (this.role !== 'controlling' || this.isNominating()) return;
    const chosen = pairToNominate(this.checklist.pairs, this.nominationDeadline(), now);
    if (!chosen) return;
    chosen.nominateOnNextCheck = true;
    this.checklist.enqueueTriggered(chosen);
  }

  /**
   * When checking gives up (RFC 8863-style bounded wait): `candidateWait`
   * after every pair failed, or at once when the remote signaled
   * end-of-candidates. Undefined while some pair may still succeed.
   */
  private failureDeadline(): number | undefined {
    if (this.settledAt === undefined) return undefined;
    const immediate = this.remoteEndOfCandidates && this.checklist.pairs.length > 0;
    return this.settledAt + (immediate ? 0 : this.config.candidateWait);
  }

  private update(now: number): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.considerNomination(now);
    if (this.selectedPair) {
      this.updateSelectedState(now);
      return;
    }
    if (this.counters.requestsSent > 0 || this.counters.requestsReceived > 0) this.setState('checking');
    const hopeless =
      this.remoteCredentials !== undefined &&
      this.localGatheringComplete &&
      this.checklist.isSettled() &&
      this.transactions.size === 0 &&
      !this.checklist.pairs.some((p) => p.valid);
    if (!hopeless) {
      this.settledAt = undefined;
      return;
    }
    this.settledAt ??= now;
    const deadline = this.failureDeadline();
    if (deadline !== undefined && now >= deadline) this.fail('checks');
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
      this.setState('connected');
      const finished =
        this.remoteEndOfCandidates &&
        this.localGatheringComplete &&
        this.checklist.isSettled() &&
        this.transactions.size === 0;
      if (!finished) return;
      this.reachedCompleted = true;
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
