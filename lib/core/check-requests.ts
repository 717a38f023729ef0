import type { KeyObject } from 'node:crypto';
import type { Candidate } from '../candidate-types.js';
import { buildBindingError, buildBindingSuccess, decodeStun } from '../stun/message.js';
import { type StunScan, verifyScannedFingerprint } from '../stun/raw.js';
import type { StunMessageView } from '../stun/types.js';
import { endpoint, type RequestReceivedTrace } from '../trace-events.js';
import {
  authenticateRequest,
  isPairable,
  type RequestRejection,
  remoteUfragOf,
  transactionKey,
  UNKNOWN_ATTRIBUTE,
} from './check-messages.js';
import { CheckResponses } from './check-responses.js';
import { LiteLiveness } from './lite-liveness.js';
import { type CandidatePair, createPair, type LocalCandidate, pathKey } from './pair.js';
import { remotePeerReflexive } from './peer-reflexive.js';

/**
 * Checks from the peer (RFC 8445 §7.3): authentication and 400/401/420
 * answers, replay protection, role conflicts (§7.3.1.1), the success
 * response, peer-reflexive remote candidates (§7.3.1.3), triggered checks
 * (§7.3.1.4) and the peer's nomination (§7.3.1.5).
 */
export abstract class CheckRequests extends CheckResponses {
  /**
   * An inbound check (any request) on its raw bytes, framed and within limits
   * ({@link scanStun}): FINGERPRINT, then USERNAME and MESSAGE-INTEGRITY under
   * the key made once for our credentials, then (authentic only) the rest is
   * decoded, or `decoded` is used when the caller has it. Unauthenticated
   * requests get 400/401 and cost one HMAC at most. Returns false when an
   * authentic request has a malformed attribute (dropped; the caller counts
   * it as malformed).
   */
  protected handleRequestBytes(
    socketId: number,
    address: string,
    port: number,
    raw: Uint8Array,
    scan: StunScan,
    now: number,
    decoded?: StunMessageView,
  ): boolean {
    if (scan.fingerprint >= 0 && !verifyScannedFingerprint(raw, scan)) {
      this.counters.badFingerprintPackets++;
      if (this.trace.enabled) this.traceRequest(raw, socketId, address, port, 'dropped', 'bad-fingerprint');
      return true;
    }
    if (scan.fingerprint < 0) this.counters.requestsWithoutFingerprint++;
    const rejection = authenticateRequest(raw, scan, this.localCredentials.ufrag, this.localKey);
    if (rejection) {
      this.counters[rejection.counter]++;
      this.replyError(socketId, address, port, raw.subarray(8, 20), rejection);
      if (this.trace.enabled) {
        this.traceRequest(raw, socketId, address, port, 'error', rejection.reason, rejection.code);
      }
      return true;
    }
    const request = decoded ?? decodeStun(raw);
    if (request === undefined) return false;
    this.noteRemoteUfrag(request.username);
    this.handleRequest(socketId, address, port, request, now);
    return true;
  }

  private replyError(
    socketId: number,
    address: string,
    port: number,
    transactionId: Uint8Array,
    rejection: RequestRejection,
    unknownAttributes?: readonly number[],
  ): void {
    const data = buildBindingError({
      transactionId,
      code: rejection.code,
      reason: rejection.reason,
      key: rejection.authenticated ? this.localKey : undefined,
      unknownAttributes,
    });
    this.transmits.push({ socketId, address, port, data });
  }

  /** Traces a check from the peer and what it got (only called while tracing). */
  private traceRequest(
    raw: Uint8Array,
    socketId: number,
    address: string,
    port: number,
    outcome: RequestReceivedTrace['outcome'],
    reason?: string,
    code?: number,
    request?: StunMessageView,
    pairId?: number,
  ): void {
    this.trace.push({
      type: 'request-received',
      transactionId: transactionKey(raw.subarray(8, 20)),
      from: endpoint(address, port),
      socketId,
      pairId,
      useCandidate: request?.useCandidate === true,
      outcome,
      ...(code === undefined ? {} : { code }),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** An authenticated check (RFC 8445 §7.3.1). */
  private handleRequest(
    socketId: number,
    address: string,
    port: number,
    request: StunMessageView,
    now: number,
  ): void {
    const reply = (code: number, reason: string, key?: KeyObject): void => {
      const data = buildBindingError({ transactionId: request.transactionId, code, reason, key });
      this.transmits.push({ socketId, address, port, data });
    };
    if (request.unknownComprehensionRequired.length > 0) {
      // RFC 8489 §14.9: a 420 lists the attributes it did not understand.
      this.counters[UNKNOWN_ATTRIBUTE.counter]++;
      this.replyError(
        socketId,
        address,
        port,
        request.transactionId,
        UNKNOWN_ATTRIBUTE,
        request.unknownComprehensionRequired,
      );
      if (this.trace.enabled) {
        this.traceRequest(
          request.raw,
          socketId,
          address,
          port,
          'error',
          UNKNOWN_ATTRIBUTE.reason,
          420,
          request,
        );
      }
      return;
    }
    if (!this.answered.admit(transactionKey(request.transactionId), pathKey(socketId, address, port), now)) {
      this.counters.replayedRequests++; // a signed check replayed from another address
      if (this.trace.enabled) this.traceRequest(request.raw, socketId, address, port, 'dropped', 'replayed');
      return;
    }
    if (this.resolveRoleConflict(request)) {
      this.counters.roleConflicts++;
      reply(487, 'Role Conflict', this.localKey);
      if (this.trace.enabled) {
        this.traceRequest(request.raw, socketId, address, port, 'error', 'Role Conflict', 487, request);
      }
      return;
    }
    const local = this.localCandidates.find((c) => c.socketId === socketId && isPairable(c));
    if (!local) {
      this.counters.unmatchedPackets++;
      if (this.trace.enabled) this.traceRequest(request.raw, socketId, address, port, 'dropped', 'unmatched');
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

    const pair = this.pairForCheck(socketId, address, port, local, request.priority);
    if (this.trace.enabled) {
      this.traceRequest(
        request.raw,
        socketId,
        address,
        port,
        'success',
        undefined,
        undefined,
        request,
        pair?.id,
      );
    }
    if (!pair) return;
    pair.remoteAuthenticated = true;
    pair.lastCheckReceivedAt = now;
    if (!request.useCandidate) pair.plainCheckReceived = true;
    pair.counters.requestsReceived++;
    pair.counters.responsesSent++;
    if (this.state === 'failed') return; // answered (RFC 7675 §5.1), but no more checks of our own
    // The peer's old session (a generation this session followed newer credentials away from): its
    // checks keep the path alive, but its nominations are not the new session's, nor do they trigger.
    const sender = request.username === undefined ? undefined : remoteUfragOf(request.username);
    const fromOldSession = this.namesReplacedRemote(sender);
    if (this.config.lite) {
      this.acceptAsLite(pair, request.useCandidate && !fromOldSession, sender, now);
      return;
    }
    if (fromOldSession) return;
    // With renomination agreed, NOMINATION nominates too (draft-thatcher-ice-renomination); the highest value wins.
    const renominated = request.nomination !== undefined && this.renominationAgreed;
    const nominatedByPeer = (request.useCandidate || renominated) && this.role === 'controlled';
    if (nominatedByPeer) {
      pair.remoteNominated = true;
      pair.remoteNominatedBy = sender;
    }
    if (nominatedByPeer && renominated) {
      pair.remoteNominationValue = Math.max(pair.remoteNominationValue ?? 0, request.nomination as number);
    }
    // RFC 8445 §7.3.1.5: a nomination on a pair that already produced a valid pair takes effect now.
    const valid = pair.validPair?.valid ? pair.validPair : undefined;
    if (nominatedByPeer && valid) this.nominate(valid, now);
    else this.triggerCheck(pair, nominatedByPeer);
  }

  /**
   * The pair an authenticated check from `address:port` on `socketId` belongs
   * to: found, or made with the known remote candidate or a peer-reflexive
   * one learned from it (RFC 8445 §7.3.1.3). Undefined when the
   * remote-candidate table or the checklist is full, or checking concluded
   * (RFC 8445 §8.1.2).
   */
  private pairForCheck(
    socketId: number,
    address: string,
    port: number,
    local: LocalCandidate,
    priority: number | undefined,
  ): CandidatePair | undefined {
    const remote =
      this.findRemote(address, port, local.candidate.transport) ??
      this.learnPeerReflexive(address, port, priority, local.candidate);
    if (!remote) return undefined;
    const pair = this.checklist.find(socketId, address, port);
    if (pair) return pair;
    const created = createPair(this.nextPairId++, local, remote, this.role);
    return this.checklist.add(created) ? created : undefined;
  }

  /**
   * RFC 8445 §7.3.1.4: a check from the peer triggers our own check on the
   * same pair, unless that pair already succeeded; an In-Progress check is
   * cancelled and sent again. After conclusion only the nominated path is
   * checked, or a pair the peer nominates (`force`, controlled side).
   */
  protected triggerCheck(pair: CandidatePair, force: boolean): void {
    if (pair.state === 'succeeded') return;
    if (this.checklist.concluded && pair !== this.selectedGeneratingPair() && !force) return;
    if (pair.state === 'in-progress') this.transactions.cancelCurrent(pair, this.config.retransmission);
    this.checklist.enqueueTriggered(pair, force);
  }

  /**
   * An ICE-lite agent sends no checks (RFC 8445 §2.5): an authenticated check
   * from the full peer makes its pair valid at once, USE-CANDIDATE nominates
   * it (the peer may nominate aggressively: the highest-priority nomination
   * wins), and every check on the selected pair keeps it alive.
   */
  private acceptAsLite(
    pair: CandidatePair,
    useCandidate: boolean,
    by: string | undefined,
    now: number,
  ): void {
    pair.state = 'succeeded';
    pair.valid = true;
    pair.validPair = pair;
    pair.validatedAt = now;
    if (this.liveness instanceof LiteLiveness && this.liveness.pair === pair) this.liveness.noteCheck(now);
    if (useCandidate) {
      pair.remoteNominated = true;
      pair.remoteNominatedBy = by;
      this.nominate(pair, now);
    }
  }

  /** Returns true when the request must be answered with 487 (RFC 8445 §7.3.1.1). */
  protected resolveRoleConflict(request: StunMessageView): boolean {
    // A lite agent is always controlled (RFC 8445 §6.1.1): a full peer that also claims to be
    // controlled is told to switch, whatever the tie-breakers say.
    if (this.config.lite) return request.iceControlled !== undefined;
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

  protected learnPeerReflexive(
    address: string,
    port: number,
    priority: number | undefined,
    local?: Candidate,
  ): Candidate | undefined {
    if (this.remoteCandidates.length >= this.config.maxRemoteCandidates) {
      this.counters.droppedPeerReflexive++;
      if (this.trace.enabled) {
        this.trace.push({
          type: 'remote-candidate',
          candidateType: 'prflx',
          address: endpoint(address, port),
          outcome: 'limit',
        });
      }
      return undefined;
    }
    const candidate = remotePeerReflexive(this.nextPrflxId++, address, port, priority, local);
    this.remoteCandidates.push(candidate);
    this.events.push({ type: 'remote-candidate', candidate });
    if (this.trace.enabled) {
      this.trace.push({
        type: 'remote-candidate',
        candidateType: 'prflx',
        address: endpoint(address, port),
        outcome: 'peer-reflexive',
      });
    }
    return candidate;
  }
}
