import type { KeyObject } from 'node:crypto';
import { buildBindingIndication, buildBindingRequest } from '../stun/message.js';
import { type CheckFailureCause, endpoint } from '../trace-events.js';
import { peerReflexivePriority, transactionKey } from './check-messages.js';
import type { IceCredentials } from './credentials.js';
import { type LivenessOutput, PairLiveness } from './liveness.js';
import { carriesUseCandidate } from './nomination.js';
import { NOMINATION_PROMPT_INTERVAL, promptPair } from './nomination-prompt.js';
import { nextPacedSlot } from './pacing.js';
import type { CandidatePair } from './pair.js';
import { initialRto } from './retransmission.js';
import { SessionState } from './session-state.js';
import type { CheckTransaction } from './transactions.js';

/**
 * Sending connectivity checks (RFC 8445 §7.2.4): one new check per Ta slot
 * (§6.1.4.2), retransmissions on the RTO schedule (§14.3), the consent checks
 * and keepalives of the selected pair, and what a failed check does to its
 * pair.
 */
export abstract class OutboundChecks extends SessionState {
  protected sendCheck(pair: CandidatePair, now: number): void {
    // Aggressive nomination (RFC 5245 §8.1.1.2): every check of the controlling side nominates.
    // Credentials our restart kept nominate nothing until the peer confirms them (lib/agent/kept-remote.ts).
    const useCandidate =
      this.role === 'controlling' &&
      !this.remoteKept &&
      (this.config.nomination === 'aggressive' || carriesUseCandidate(this.nomination, pair));
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
    this.transactions.start(transactionKey(transactionId), tx, this.config.retransmission);
    pair.state = 'in-progress';
    pair.counters.requestsSent++;
    this.counters.requestsSent++;
    this.lastCheckAt = now;
    this.send(pair, bytes);
    if (this.trace.enabled) {
      const local = pair.local.candidate;
      this.trace.push({
        type: 'check-sent',
        pairId: pair.id,
        transactionId: transactionKey(transactionId),
        local: endpoint(local.address, local.port),
        remote: endpoint(pair.remote.address, pair.remote.port),
        useCandidate,
        role: this.role,
      });
    }
  }

  /** A Binding request on `pair` as RFC 8445 §7.2.2 words it; consent checks are the same message. */
  protected buildCheck(pair: CandidatePair, useCandidate: boolean) {
    const credentials = this.remoteCredentials as IceCredentials;
    return buildBindingRequest({
      transactionId: this.config.newTransactionId?.(),
      username: `${credentials.ufrag}:${this.localCredentials.ufrag}`,
      key: this.remoteKey as KeyObject,
      priority: peerReflexivePriority(pair.local.candidate),
      role: this.role,
      tieBreaker: this.config.tieBreaker,
      useCandidate,
      // With renomination agreed, a nominating check says which nomination it is: the latest wins.
      nomination: useCandidate && this.renominationAgreed ? this.nominationCount : undefined,
    });
  }

  /** What the selected pair's {@link PairLiveness} sends through; counted in the session's counters. */
  protected readonly livenessOutput: LivenessOutput = {
    sendConsentCheck: () => {
      const pair = this.selectedPair as CandidatePair;
      const { transactionId, bytes } = this.buildCheck(pair, false);
      pair.counters.requestsSent++;
      this.counters.consentRequestsSent++;
      this.send(pair, bytes);
      const key = transactionKey(transactionId);
      if (this.trace.enabled) {
        this.trace.push({ type: 'consent-sent', pairId: pair.id, transactionId: key, retransmission: false });
      }
      return { key, bytes };
    },
    resendConsentCheck: (bytes) => {
      this.counters.consentRetransmissions++;
      const pair = this.selectedPair as CandidatePair;
      this.send(pair, bytes);
      if (this.trace.enabled) {
        const transactionId = transactionKey(bytes.subarray(8, 20));
        this.trace.push({ type: 'consent-sent', pairId: pair.id, transactionId, retransmission: true });
      }
    },
    sendKeepalive: () => {
      this.counters.keepalivesSent++;
      const pair = this.selectedPair as CandidatePair;
      this.send(pair, buildBindingIndication(this.config.newTransactionId?.()));
      if (this.trace.enabled) this.trace.push({ type: 'keepalive-sent', pairId: pair.id });
    },
  };

  protected readonly retransmitCheck = (tx: CheckTransaction): void => {
    this.counters.retransmissions++;
    this.send(tx.pair, tx.bytes);
    if (this.trace.enabled) {
      this.trace.push({
        type: 'check-retransmitted',
        pairId: tx.pair.id,
        transactionId: transactionKey(tx.bytes.subarray(8, 20)),
        attempt: tx.attempts,
      });
    }
  };

  /** A check got no answer after its last retransmission. */
  protected readonly checkTimedOut = (pair: CandidatePair, tx: CheckTransaction): void => {
    this.checkFailed(tx, 'timeout');
    this.failPair(pair);
  };

  /**
   * Notes why check `tx` failed (the failure reason reads the counts) and
   * traces it; the caller fails the pair.
   */
  protected checkFailed(
    tx: CheckTransaction,
    cause: CheckFailureCause,
    code?: number,
    reason?: string,
  ): void {
    const counts = this.checkFailures;
    if (cause === 'timeout') counts.timeouts++;
    else if (code === 401) counts.unauthorized++;
    else counts.other++;
    if (!this.trace.enabled) return;
    this.trace.push({
      type: 'check-failed',
      pairId: tx.pair.id,
      transactionId: transactionKey(tx.bytes.subarray(8, 20)),
      cause,
      ...(code === undefined ? {} : { code }),
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** A check failed (timeout, error, asymmetric answer): the path is not (or no longer) valid. */
  protected readonly failPair = (pair: CandidatePair): void => {
    pair.state = 'failed';
    pair.valid = false;
    if (pair.validPair) pair.validPair.valid = false;
  };

  protected nextCheckAt(now: number): number | undefined {
    if (this.config.lite || !this.remoteCredentials || !this.checklist.hasWork()) return undefined;
    return nextPacedSlot(this.lastCheckAt, now, this.config.ta);
  }

  /**
   * When a controlled session that holds a valid pair, has nothing left to
   * check and is not nominated sends its next nomination prompt
   * (`nomination-prompt.ts`), and on which pair. Undefined otherwise.
   */
  protected nextPrompt(now: number): { readonly at: number; readonly pair: CandidatePair } | undefined {
    if (this.config.lite || this.role !== 'controlled' || !this.remoteCredentials) return undefined;
    if (this.selectedPair !== undefined || this.checklist.hasWork()) return undefined;
    const pair = promptPair(this.checklist.pairs);
    if (pair === undefined) return undefined;
    return { at: nextPacedSlot(this.lastCheckAt, now, NOMINATION_PROMPT_INTERVAL), pair };
  }
}
