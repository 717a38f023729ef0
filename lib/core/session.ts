import type { Candidate } from '../candidate-types.js';
import { shortTermKey, verifyFingerprint } from '../stun/message.js';
import { type StunScan, scanStun } from '../stun/raw.js';
import type { StunMessageView } from '../stun/types.js';
import { endpoint } from '../trace-events.js';
import { ipVersion } from './address.js';
import { earliest, isPairable, transactionKey } from './check-messages.js';
import { CheckRequests } from './check-requests.js';
import {
  type AwaitedInput,
  awaitedInput,
  DEFAULT_PAC_TIMEOUT,
  failureDeadline,
  isCompleted,
} from './conclusion.js';
import type { IceCredentials } from './credentials.js';
import { PairLiveness } from './liveness.js';
import { NO_NOMINATION } from './nomination.js';
import { checkedPairOf, createPair, isOnPath, type LocalCandidate } from './pair.js';
import { remember } from './recent.js';
import type { RemoteCandidateOutcome } from './session-types.js';
import { isCheckableTransportPair } from './tcp-pairing.js';

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
export class IceSession extends CheckRequests {
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
    const nominating = this.nomination;
    if (nominating.phase === 'nominating' && removed.has(nominating.pair)) this.nomination = NO_NOMINATION;
    if (nominating.phase === 'renominating' && removed.has(nominating.pair)) {
      this.nomination = { phase: 'nominated', pair: nominating.selected };
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
    const outcome = this.addRemote(remote, now);
    if (this.trace.enabled) {
      this.trace.push({
        type: 'remote-candidate',
        candidateType: remote.type,
        address: endpoint(remote.address, remote.port),
        outcome,
      });
    }
    return outcome;
  }

  private addRemote(remote: Candidate, now: number): RemoteCandidateOutcome {
    if (!this.supportsTransport(remote) || ipVersion(remote.address) === 0) {
      this.counters.unsupportedRemoteCandidates++;
      return 'unsupported';
    }
    const known = this.findRemote(remote.address, remote.port, remote.transport);
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

  /**
   * Follows the peer's answer to our restart (see remote-restart.ts): this
   * session keeps its local credentials and takes the peer's new ones. Checks
   * sent under the old remote credentials are abandoned (the peer would answer
   * them 401) and every pair but the selected one is checked again (what the
   * old credentials' answers proved, the peer's new generation has not seen), and
   * what the old generations nominated is forgotten.
   * `proven`: the peer's checks showed that it knows our credentials.
   */
  followRemoteCredentials(credentials: IceCredentials, now: number, proven: boolean): void {
    if (!proven) this.followedUnproven = true;
    this.remoteKept = false;
    const replaced = this.remoteCredentials?.ufrag;
    if (replaced !== undefined && replaced !== credentials.ufrag)
      remember(this.replacedRemoteUfrags, replaced, 4);
    this.transactions.abandonAll();
    // What answers under the old remote credentials proved, the peer's new generation has not seen:
    // every pair is checked again, but the selected one (data keeps flowing; consent now runs under
    // the new credentials and judges it).
    const selected = this.selectedPair;
    const keep = selected && checkedPairOf(selected);
    for (const pair of this.checklist.pairs) {
      if (pair === selected || pair === keep) continue;
      pair.valid = false;
      pair.validPair = undefined;
      // A nomination by the peer's old session must not select a pair once its check succeeds
      // (explore seed 20261215, #78872); one by the incoming generation (its checks may come first) stays.
      if (pair.remoteNominatedBy !== credentials.ufrag) {
        pair.remoteNominated = false;
        pair.remoteNominationValue = undefined;
      }
      if (pair.generatedBy === undefined && pair.state !== 'frozen') pair.state = 'waiting';
    }
    // RFC 8445 §8.1.2 concluded checking for the old generation only: the new one checks the pairs
    // again, may form new ones and nominates its own (a controlled session whose checklist stayed
    // concluded could not even pair the new generation's nomination: explore seed 20261218, #52558).
    // Unless the incoming generation already nominated the selected pair (its checks came first):
    // then checking is concluded for it too (explore seed 20261219, #25641).
    const nominatedByIncoming = [selected, keep].some((p) => p?.remoteNominatedBy === credentials.ufrag);
    if (!nominatedByIncoming) this.checklist.reopen();
    // RFC 8863 §4: the PAC timer runs from credentials the checks can use; the old ones were not.
    this.pacStartedAt = undefined;
    this.renominateSelected();
    this.setRemoteCredentials(credentials, now);
  }

  /**
   * Whether the peer is an ICE-lite agent (RFC 8445 §2.5), as signaling
   * reports it (SDP `a=ice-lite`), at any time. A lite peer sends no checks
   * and is always controlled, so a full session facing one takes the
   * controlling role (RFC 8445 §6.1.1) and never yields it to a 487. A lite
   * session ignores the role rule: the agent refuses a lite peer for it.
   */
  setRemoteIceLite(remoteIceLite: boolean, now: number): void {
    this.remoteIceLite = remoteIceLite;
    if (remoteIceLite && !this.config.lite && this.role === 'controlled') this.setRole('controlling');
    this.update(now);
  }

  /**
   * Whether the peer offers renomination (`a=ice-options:renomination`,
   * draft-thatcher-ice-renomination), as signaling reports it. With this
   * session's own `renomination` it is agreed: the controlling side may
   * nominate again (its policy is asked after a nomination too), every
   * nominating check carries NOMINATION, and the controlled side selects the
   * pair with the highest NOMINATION value.
   */
  setRemoteRenomination(offered: boolean, now: number): void {
    this.remoteRenomination = offered;
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
   * in `requestsWithoutFingerprint`. For requests straight off the wire,
   * {@link handleRequestPacket} authenticates before decoding.
   */
  handleStun(socketId: number, address: string, port: number, message: StunMessageView, now: number): void {
    if (message.cls === 'request') {
      const scan = scanStun(message.raw);
      if (scan !== undefined)
        this.handleRequestBytes(socketId, address, port, message.raw, scan, now, message);
      this.update(now);
      return;
    }
    if (message.hasFingerprint && !verifyFingerprint(message.raw)) {
      this.counters.badFingerprintPackets++;
      this.traceDrop(socketId, address, port, message.raw.length, 'bad-fingerprint');
      return;
    }
    if (message.cls === 'success' || message.cls === 'error') {
      this.handleResponse(socketId, address, port, message, now);
    } else {
      this.counters.indicationsReceived++;
    }
    this.update(now);
  }

  /**
   * A STUN request straight off the wire, already through {@link scanStun}
   * (framed, size and attribute limits, offsets found): FINGERPRINT and
   * MESSAGE-INTEGRITY are checked on the raw bytes with the key made once
   * for our credentials before anything else is decoded, so a forged or
   * garbled check costs no more than an authentic one. Then as
   * {@link handleStun}. Returns false when an authentic request has a
   * malformed attribute: dropped, for the caller to count.
   */
  handleRequestPacket(
    socketId: number,
    address: string,
    port: number,
    raw: Uint8Array,
    scan: StunScan,
    now: number,
  ): boolean {
    const handled = this.handleRequestBytes(socketId, address, port, raw, scan, now);
    this.update(now);
    return handled;
  }

  /** Time has passed: retransmit, time out, send the next paced check, nominate, keep the selected pair alive. */
  handleTimeout(now: number): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.transactions.handleTimeout(
      now,
      this.config.retransmission,
      this.retransmitCheck,
      this.checkTimedOut,
    );
    this.considerNomination(now); // a nominating check that just timed out is replaced before the slot is used
    const checkAt = this.nextCheckAt(now);
    if (checkAt !== undefined && checkAt <= now) {
      const pair = this.checklist.nextPairToCheck();
      if (pair) this.sendCheck(pair, now);
    }
    const prompt = this.nextPrompt(now);
    if (prompt !== undefined && prompt.at <= now) this.sendCheck(prompt.pair, now);
    if (this.liveness !== undefined && this.canSendData()) {
      this.liveness.handleTimeout(now, this.lastDataSentAt, this.livenessOutput);
    }
    this.update(now);
  }

  // ---- outputs --------------------------------------------------------------

  /** Absolute time (scheduler clock) the session next needs `handleTimeout`, if any. */
  nextTimeout(now: number): number | undefined {
    if (this.state === 'failed' || this.state === 'closed') return undefined;
    return earliest(this.deadlineWithoutPrompt(now), this.nextPrompt(now)?.at);
  }

  /** {@link nextTimeout} but for the nomination prompt: what the session has scheduled of its own accord. */
  private deadlineWithoutPrompt(now: number): number | undefined {
    let next = this.nextCheckAt(now);
    next = earliest(next, this.transactions.nextDeadline());
    next = earliest(next, this.nominationDeadline());
    next = earliest(next, this.failoverDeadline());
    next = earliest(next, failureDeadline(this.facts()));
    next = earliest(next, this.liveness?.nextDeadline(now, this.lastDataSentAt));
    return next;
  }

  /**
   * The input this session waits for when it has nothing scheduled: remote
   * credentials, the end of our gathering, or the peer's nomination.
   * Undefined when it has a deadline (a nomination prompt aside: a
   * controlled session that prompts still waits for the nomination) or is
   * terminal; a non-terminal session with neither would be stalled (a bug
   * the explorer looks for).
   */
  awaiting(now: number): AwaitedInput | undefined {
    if (this.state === 'failed' || this.state === 'closed' || this.deadlineWithoutPrompt(now) !== undefined) {
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

  // ---- state ----------------------------------------------------------------------

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
    if (deadline !== undefined && now >= deadline) this.fail(this.checklistFailureReason());
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
      if (this.trace.enabled && !this.config.lite)
        this.trace.push({ type: 'consent-expired', pairId: liveness.pair.id });
      this.fail(this.config.lite ? 'peer-silent' : 'consent');
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

  /** UDP always; TCP (RFC 6544) when the session was made with `tcp`. */
  private supportsTransport(remote: Candidate): boolean {
    return remote.transport === 'udp' || (remote.transport === 'tcp' && this.config.tcp === true);
  }

  private pair(local: LocalCandidate, remote: Candidate): void {
    // A lite agent keeps no checklist of its own: its pairs come from the peer's checks.
    if (this.config.lite) return;
    if (ipVersion(local.candidate.address) !== ipVersion(remote.address)) return;
    if (!isCheckableTransportPair(local.candidate, remote)) return;
    this.checklist.add(createPair(this.nextPairId++, local, remote, this.role));
  }
}
