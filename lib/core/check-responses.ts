import { verifyIntegrity } from '../stun/message.js';
import type { StunMessageView } from '../stun/types.js';
import { endpoint } from '../trace-events.js';
import { transactionKey } from './check-messages.js';
import type { Liveness } from './liveness.js';
import { carriesUseCandidate } from './nomination.js';
import { type CandidatePair, createPair, isOnPath } from './pair.js';
import { localPeerReflexive } from './peer-reflexive.js';
import { NominatingSession } from './session-nomination.js';
import type { CheckTransaction } from './transactions.js';

/**
 * Answers to our checks (RFC 8445 §7.2.5): authenticating them, the
 * symmetric-path rule, error responses (487 role conflicts), the
 * peer-reflexive candidate a mapped address reveals (§7.2.5.3.1), the valid
 * pair it makes (§7.2.5.3.2), the nominations it completes, and consent
 * answers on the selected pair (RFC 7675).
 */
export abstract class CheckResponses extends NominatingSession {
  protected handleResponse(
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
      this.traceDrop(socketId, address, port, response.raw.length, 'unmatched');
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
    if (!unsignedRejection && !this.isAuthenticResponse(response)) {
      this.traceDrop(socketId, address, port, response.raw.length, 'unauthenticated');
      return;
    }
    this.transactions.finish(id);
    const pair = tx.pair;
    pair.counters.responsesReceived++;
    this.counters.responsesReceived++;
    // RFC 8445 §7.2.5.2.1: the response must come back over the same path.
    if (!isOnPath(pair, socketId, address, port)) {
      this.counters.nonSymmetricResponses++;
      this.checkFailed(tx, 'non-symmetric');
      this.failPair(pair);
      return;
    }
    // RFC 8489 §6.3.3 (and §6.3.4): unknown comprehension-required attributes: discarded, the transaction failed.
    if (response.unknownComprehensionRequired.length > 0) {
      this.counters.unknownAttributeResponses++;
      this.checkFailed(tx, 'unknown-attribute');
      this.failPair(pair);
      return;
    }
    if (response.cls === 'error') {
      const code = response.errorCode?.code;
      if (code === 487) {
        this.traceRoleConflictAnswer(tx);
        this.handleRoleConflictResponse(tx);
      } else {
        this.checkFailed(tx, 'error-response', code, response.errorCode?.reason);
        this.failPair(pair);
      }
      return;
    }
    const mapped = response.xorMappedAddress;
    if (!mapped) {
      this.checkFailed(tx, 'no-mapped-address');
      this.failPair(pair);
      return;
    }
    if (tx.attempts === 1) pair.rtt = now - tx.firstSentAt;
    this.checkFailures.answered++;
    if (this.trace.enabled) {
      this.trace.push({
        type: 'check-answered',
        pairId: pair.id,
        transactionId: id,
        rtt: tx.attempts === 1 ? now - tx.firstSentAt : undefined,
        mapped: endpoint(mapped.address, mapped.port),
      });
    }
    this.learnLocalPeerReflexive(pair, mapped.address, mapped.port);
    // The path answered: a triggered re-check still queued for it is moot (RFC 8445 §7.3.1.4 re-queues a
    // pair whose check is in progress when the peer's check arrives; if both sides keep doing that, their
    // checks cross forever and starve the checklist), unless it carries the nomination. A late answer to
    // an older check must not hide a newer one in flight, nor a queued nominating check.
    if (
      this.checklist.isQueued(pair) &&
      !(this.role === 'controlling' && carriesUseCandidate(this.nomination, pair))
    ) {
      this.checklist.dequeue(pair);
    }
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
  protected validPairFor(checked: CandidatePair, address: string, port: number): CandidatePair {
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
  protected handleConsentResponse(
    liveness: Liveness,
    id: string,
    socketId: number,
    address: string,
    port: number,
    response: StunMessageView,
    now: number,
  ): void {
    if (!this.isAuthenticResponse(response)) {
      this.traceDrop(socketId, address, port, response.raw.length, 'unauthenticated');
      return;
    }
    const pair = liveness.pair;
    if (!isOnPath(pair, socketId, address, port)) {
      this.counters.nonSymmetricResponses++;
      return;
    }
    if (response.cls !== 'success') return;
    pair.counters.responsesReceived++;
    this.counters.consentResponsesReceived++;
    liveness.handleResponse(id, now);
    if (this.trace.enabled) this.trace.push({ type: 'consent-answered', pairId: pair.id, transactionId: id });
  }

  protected isAuthenticResponse(response: StunMessageView): boolean {
    if (response.hasIntegrity && this.remoteKey && verifyIntegrity(response.raw, this.remoteKey)) return true;
    this.counters.unauthenticatedPackets++;
    return false;
  }

  /** A 487 answer is traced as a failed check; the check is retried in the other role (not counted as a failure). */
  private traceRoleConflictAnswer(tx: CheckTransaction): void {
    if (!this.trace.enabled) return;
    this.trace.push({
      type: 'check-failed',
      pairId: tx.pair.id,
      transactionId: transactionKey(tx.bytes.subarray(8, 20)),
      cause: 'error-response',
      code: 487,
      reason: 'Role Conflict',
    });
  }

  protected handleRoleConflictResponse(tx: CheckTransaction): void {
    if (this.remoteIceLite) {
      // A lite peer is always controlled (RFC 8445 §6.1.1): a 487 from it is an error, not a reason to yield.
      this.failPair(tx.pair);
      return;
    }
    // RFC 8445 §7.2.5.1: switch to the opposite of the role the request claimed, then retry.
    if (this.role === tx.role) this.setRole(tx.role === 'controlling' ? 'controlled' : 'controlling');
    this.checklist.enqueueTriggered(tx.pair);
  }

  /** RFC 8445 §7.2.5.3.1: a mapped address we do not know is a local peer-reflexive candidate. */
  protected learnLocalPeerReflexive(pair: CandidatePair, address: string, port: number): void {
    const known = this.localCandidates.some(
      (c) => c.candidate.address === address && c.candidate.port === port,
    );
    if (known || pair.local.candidate.type === 'relay') return;
    // RFC 6544 §7.1: a TCP connection's mapped port is its ephemeral one; only a new address is news.
    if (pair.local.candidate.transport === 'tcp' && address === pair.local.candidate.address) return;
    this.localCandidates.push(localPeerReflexive(pair.local, address, port));
  }
}
