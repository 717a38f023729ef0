import type { KeyObject } from 'node:crypto';
import { candidatePriority, computeFoundation } from '../candidate.js';
import type { Candidate } from '../candidate-types.js';
import {
  buildBindingError,
  buildBindingRequest,
  buildBindingSuccess,
  shortTermKey,
  verifyFingerprint,
  verifyIntegrity,
} from '../stun/message.js';
import type { StunMessageView } from '../stun/types.js';
import { ipVersion } from './address.js';
import { Checklist } from './checklist.js';
import type { IceCredentials } from './credentials.js';
import { nextPacedSlot } from './pacing.js';
import { type CandidatePair, createPair, type IceRole, type LocalCandidate } from './pair.js';
import { initialRto, nextRto, type RetransmissionPolicy } from './retransmission.js';
import { createSessionCounters, type SessionCounters } from './session-counters.js';

/** Connection states (W3C `RTCIceConnectionState`, plus `new`/`closed`). */
export type ConnectionState =
  | 'new'
  | 'checking'
  | 'connected'
  | 'completed'
  | 'failed'
  | 'disconnected'
  | 'closed';

/** Settings of one ICE session (one generation of credentials). */
export interface SessionConfig {
  readonly role: IceRole;
  readonly tieBreaker: bigint;
  readonly localCredentials: IceCredentials;
  /** Pacing of new checks, ms (RFC 8445 §14.2). */
  readonly ta: number;
  readonly checklistLimit: number;
  readonly maxRemoteCandidates: number;
  readonly retransmission: RetransmissionPolicy;
  /** Controlling side: how long to wait for a better pair after the first valid one before nominating. */
  readonly nominationDelay: number;
  /**
   * How long the agent waits, once every pair failed (or none could be
   * formed), for more remote candidates or peer-reflexive checks before it
   * declares `failed`. Zero wait applies after the remote's end-of-candidates.
   */
  readonly candidateWait: number;
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

interface CheckTransaction {
  readonly pair: CandidatePair;
  readonly bytes: Uint8Array;
  readonly useCandidate: boolean;
  readonly role: IceRole;
  readonly firstSentAt: number;
  attempts: number;
  rto: number;
  nextAt: number;
  /** A newer check superseded this one: no retransmissions, but a late answer still counts. */
  cancelled: boolean;
}

/**
 * One ICE session (RFC 8445 full agent, one data stream, component 1), in the
 * sans-IO style: inputs are candidates, credentials, STUN messages and the
 * current time; outputs are datagrams to send ({@link pollTransmit}), events
 * ({@link pollEvent}) and the next time it wants to be woken
 * ({@link nextTimeout}). No sockets, no clocks: the caller drives it.
 */
export class IceSession {
  role: IceRole;
  state: ConnectionState = 'new';
  selectedPair: CandidatePair | undefined;
  readonly counters: SessionCounters = createSessionCounters();
  readonly checklist: Checklist;
  readonly localCandidates: LocalCandidate[] = [];
  readonly remoteCandidates: Candidate[] = [];
  remoteCredentials: IceCredentials | undefined;
  remoteEndOfCandidates = false;
  localGatheringComplete = false;

  private readonly localKey: KeyObject;
  private remoteKey: KeyObject | undefined;
  private readonly transactions = new Map<string, CheckTransaction>();
  private readonly currentCheck = new Map<CandidatePair, CheckTransaction>();
  private readonly transmits: Transmit[] = [];
  private readonly events: SessionEvent[] = [];
  private lastCheckAt: number | undefined;
  private firstValidAt: number | undefined;
  private settledAt: number | undefined;
  private nextPairId = 1;
  private nextPrflxId = 1;

  constructor(private readonly config: SessionConfig) {
    this.role = config.role;
    this.localKey = shortTermKey(config.localCredentials.pwd);
    this.checklist = new Checklist(config.checklistLimit);
  }

  get localCredentials(): IceCredentials {
    return this.config.localCredentials;
  }

  // ---- inputs ---------------------------------------------------------------

  /** A local candidate is ready; host and relayed ones are paired with every compatible remote. */
  addLocalCandidate(local: LocalCandidate, now: number): void {
    this.localCandidates.push(local);
    if (!isPairable(local)) return;
    for (const remote of this.remoteCandidates) this.pair(local, remote);
    this.update(now);
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
   */
  handleStun(socketId: number, address: string, port: number, message: StunMessageView, now: number): void {
    if (message.hasFingerprint && !verifyFingerprint(message.raw)) {
      this.counters.badFingerprintPackets++;
      return;
    }
    if (message.cls === 'request') this.handleRequest(socketId, address, port, message);
    else if (message.cls === 'success' || message.cls === 'error')
      this.handleResponse(socketId, address, port, message, now);
    else this.counters.indicationsReceived++;
    this.update(now);
  }

  /** Time has passed: retransmit, time out, send the next paced check, nominate. */
  handleTimeout(now: number): void {
    for (const [id, tx] of this.transactions) {
      if (tx.nextAt > now) continue;
      if (tx.cancelled || tx.attempts > this.config.retransmission.retransmissions) {
        this.transactions.delete(id);
        if (this.currentCheck.get(tx.pair) === tx) {
          this.currentCheck.delete(tx.pair);
          if (tx.pair.state === 'in-progress') this.failPair(tx.pair);
        }
        continue;
      }
      tx.attempts++;
      tx.rto = nextRto(tx.rto, this.config.retransmission);
      tx.nextAt = now + tx.rto;
      this.counters.retransmissions++;
      this.send(tx.pair, tx.bytes);
    }
    const checkAt = this.nextCheckAt(now);
    if (checkAt !== undefined && checkAt <= now) {
      const pair = this.checklist.nextPairToCheck();
      if (pair) this.sendCheck(pair, now);
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
    for (const tx of this.transactions.values()) next = earliest(next, tx.nextAt);
    next = earliest(next, this.nominationDeadline());
    next = earliest(next, this.failureDeadline());
    return next;
  }

  /**
   * Whether a non-STUN datagram from this path may be delivered as data: the
   * path has a valid pair, or the peer authenticated itself on it.
   */
  acceptsDataFrom(socketId: number, address: string, port: number): boolean {
    const selected = this.selectedPair;
    if (
      selected !== undefined &&
      selected.remote.port === port &&
      selected.local.socketId === socketId &&
      selected.remote.address === address
    ) {
      return true;
    }
    const pair = this.checklist.find(socketId, address, port);
    return pair !== undefined && (pair.valid || pair.remoteAuthenticated);
  }

  /** Whether a response with this transaction ID would answer one of our checks. */
  ownsTransaction(transactionId: Uint8Array): boolean {
    return this.transactions.has(transactionKey(transactionId));
  }

  /** Ends the session: no more transmits or timers. */
  close(): void {
    this.transactions.clear();
    this.currentCheck.clear();
    this.transmits.length = 0;
    this.setState('closed');
  }

  // ---- STUN -----------------------------------------------------------------

  private handleRequest(socketId: number, address: string, port: number, request: StunMessageView): void {
    const reply = (code: number, reason: string, key?: KeyObject): void => {
      this.transmits.push({
        socketId,
        address,
        port,
        data: buildBindingError({ transactionId: request.transactionId, code, reason, key }),
      });
    };
    if (request.username === undefined || !request.hasIntegrity) {
      this.counters.unauthenticatedPackets++;
      reply(400, 'Bad Request');
      return;
    }
    const colon = request.username.indexOf(':');
    const recipientUfrag = colon < 0 ? request.username : request.username.slice(0, colon);
    if (recipientUfrag !== this.localCredentials.ufrag || !verifyIntegrity(request.raw, this.localKey)) {
      this.counters.unauthenticatedPackets++;
      reply(401, 'Unauthorized');
      return;
    }
    if (request.unknownComprehensionRequired.length > 0) {
      this.counters.unknownAttributeRequests++;
      reply(420, 'Unknown Attribute', this.localKey);
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
    this.triggerCheck(pair);
    if (request.useCandidate && this.role === 'controlled') {
      pair.remoteNominated = true;
      if (pair.valid) this.nominate(pair);
    }
  }

  /** RFC 8445 §7.3.1.4: a check from the peer triggers our own check on the same pair. */
  private triggerCheck(pair: CandidatePair): void {
    if (pair.state === 'succeeded') return;
    if (pair.state === 'in-progress') {
      const tx = this.currentCheck.get(pair);
      if (tx) tx.cancelled = true;
      this.currentCheck.delete(pair);
    }
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
    const tx = this.transactions.get(id);
    if (!tx) {
      this.counters.unmatchedPackets++;
      return;
    }
    if (!response.hasIntegrity || !this.remoteKey || !verifyIntegrity(response.raw, this.remoteKey)) {
      this.counters.unauthenticatedPackets++;
      return;
    }
    this.transactions.delete(id);
    if (this.currentCheck.get(tx.pair) === tx) this.currentCheck.delete(tx.pair);
    const pair = tx.pair;
    pair.counters.responsesReceived++;
    this.counters.responsesReceived++;
    // RFC 8445 §7.2.5.2.1: the response must come back over the same path.
    if (socketId !== pair.local.socketId || address !== pair.remote.address || port !== pair.remote.port) {
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
    if (tx.useCandidate || (this.role === 'controlled' && pair.remoteNominated)) this.nominate(pair);
  }

  private handleRoleConflictResponse(tx: CheckTransaction): void {
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
    // RFC 8445 §7.3.1.3: the foundation only has to be unique; the priority comes from the request.
    const candidate: Candidate = {
      foundation: `prflx${this.nextPrflxId++}`,
      component: 1,
      transport: 'udp',
      priority: priority ?? candidatePriority('prflx', 0, 1),
      address,
      port,
      type: 'prflx',
      extensions: [],
    };
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
    const base = pair.local.candidate;
    this.localCandidates.push({
      socketId: pair.local.socketId,
      candidate: {
        foundation: computeFoundation('prflx', base.address, 'udp'),
        component: 1,
        transport: 'udp',
        priority: peerReflexivePriority(base),
        address,
        port,
        type: 'prflx',
        relatedAddress: base.address,
        relatedPort: base.port,
        extensions: [],
      },
    });
  }

  // ---- checks ---------------------------------------------------------------

  private sendCheck(pair: CandidatePair, now: number): void {
    const credentials = this.remoteCredentials as IceCredentials;
    const useCandidate = this.role === 'controlling' && pair.nominateOnNextCheck;
    const { transactionId, bytes } = buildBindingRequest({
      username: `${credentials.ufrag}:${this.localCredentials.ufrag}`,
      key: this.remoteKey as KeyObject,
      priority: peerReflexivePriority(pair.local.candidate),
      role: this.role,
      tieBreaker: this.config.tieBreaker,
      useCandidate,
    });
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
    this.transactions.set(transactionKey(transactionId), tx);
    this.currentCheck.set(pair, tx);
    pair.state = 'in-progress';
    pair.counters.requestsSent++;
    this.counters.requestsSent++;
    this.lastCheckAt = now;
    this.send(pair, bytes);
  }

  private send(pair: CandidatePair, data: Uint8Array): void {
    this.transmits.push({
      socketId: pair.local.socketId,
      address: pair.remote.address,
      port: pair.remote.port,
      data,
    });
  }

  private failPair(pair: CandidatePair): void {
    pair.state = 'failed';
    this.checklist.releaseFoundation(pair.foundation);
  }

  private nextCheckAt(now: number): number | undefined {
    if (!this.remoteCredentials || !this.checklist.hasWork()) return undefined;
    return nextPacedSlot(this.lastCheckAt, now, this.config.ta);
  }

  // ---- nomination, selection and state ----------------------------------------

  private nominate(pair: CandidatePair): void {
    pair.nominated = true;
    pair.nominateOnNextCheck = false;
    const current = this.selectedPair;
    // Controlled side with aggressive nomination: the highest-priority nominated pair wins.
    if (current === undefined || (current !== pair && pair.priority > current.priority)) {
      this.selectedPair = pair;
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

  /** Regular nomination (RFC 8445 §8.1.1): once no better pair can still succeed, or after a delay. */
  private considerNomination(now: number): void {
    if (this.role !== 'controlling' || this.isNominating()) return;
    const pairs = this.checklist.pairs;
    const best = pairs.find((p) => p.valid);
    if (!best) return;
    const betterPending = pairs.some((p) => p.priority > best.priority && p.state !== 'failed' && !p.valid);
    const deadline = this.nominationDeadline();
    if (betterPending && deadline !== undefined && now < deadline) return;
    best.nominateOnNextCheck = true;
    this.checklist.enqueueTriggered(best);
  }

  private failureDeadline(): number | undefined {
    if (this.settledAt === undefined) return undefined;
    const immediate = this.remoteEndOfCandidates && this.checklist.pairs.length > 0;
    return this.settledAt + (immediate ? 0 : this.config.candidateWait);
  }

  private update(now: number): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.considerNomination(now);
    if (this.selectedPair) {
      const finished =
        this.remoteEndOfCandidates &&
        this.localGatheringComplete &&
        this.checklist.isSettled() &&
        this.transactions.size === 0;
      if (this.state !== 'completed') this.setState('connected');
      if (finished) this.setState('completed');
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
    if (deadline !== undefined && now >= deadline) this.setState('failed');
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

/** Srflx candidates are pruned to their base and prflx ones are never checked from (RFC 8445 §6.1.2.4). */
function isPairable(local: LocalCandidate): boolean {
  return local.candidate.type === 'host' || local.candidate.type === 'relay';
}

/** PRIORITY of our checks: the peer-reflexive type preference with the candidate's own local preference. */
function peerReflexivePriority(local: Candidate): number {
  const localPreference = Math.floor(local.priority / 256) & 0xffff;
  return candidatePriority('prflx', localPreference, local.component);
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function transactionKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}
