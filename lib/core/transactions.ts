/**
 * The connectivity checks in flight (RFC 8445 §7.2.2, §14.3): which
 * transaction answers which pair, their retransmission timers, and which
 * check is the current one of each pair. Plain data and functions of time.
 */
import type { CandidatePair, IceRole } from './pair.js';
import { nextRto, type RetransmissionPolicy } from './retransmission.js';

/** One connectivity check in flight (first transmission and retransmissions). */
export interface CheckTransaction {
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

/** Cancelled checks still awaiting a late answer, per pair. */
export const MAX_CANCELLED_PER_PAIR = 4;

/** When `tx` would give up if it went on retransmitting on `policy`'s schedule from where it is. */
export function timeoutIfContinued(
  tx: Pick<CheckTransaction, 'nextAt' | 'rto' | 'attempts'>,
  policy: RetransmissionPolicy,
): number {
  let at = tx.nextAt;
  let rto = tx.rto;
  for (let attempts = tx.attempts; attempts <= policy.retransmissions; attempts++) {
    rto = nextRto(rto, policy);
    at += rto;
  }
  return at;
}

/** The transactions of one session's connectivity checks, keyed by transaction ID (hex). */
export class CheckTransactions {
  private readonly byKey = new Map<string, CheckTransaction>();
  private readonly currentOf = new Map<CandidatePair, CheckTransaction>();

  /** Checks in flight (cancelled ones included until they time out). */
  get size(): number {
    return this.byKey.size;
  }

  /** Whether `key` is one of our transactions. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  /** The transaction `key` names, if any. */
  get(key: string): CheckTransaction | undefined {
    return this.byKey.get(key);
  }

  /**
   * A new check went out on `tx.pair`; it becomes the pair's current check.
   * One still in flight on the pair is superseded ({@link cancelCurrent}),
   * so a pair never has two checks retransmitting, and cancelling a pair's
   * current check stops all of them.
   */
  start(key: string, tx: CheckTransaction, policy: RetransmissionPolicy): void {
    this.cancelCurrent(tx.pair, policy);
    this.byKey.set(key, tx);
    this.currentOf.set(tx.pair, tx);
  }

  /** Transaction `key` got its answer: forget it. */
  finish(key: string): void {
    const tx = this.byKey.get(key);
    if (tx === undefined) return;
    this.byKey.delete(key);
    if (this.currentOf.get(tx.pair) === tx) this.currentOf.delete(tx.pair);
  }

  /**
   * The pair's check in flight stops retransmitting (a triggered check
   * replaces it), but a late answer still counts until the moment it would
   * have timed out had it kept going (RFC 8445 §7.2.5.4): on a path with a
   * round trip above the first RTO the answer can only arrive after it.
   */
  cancelCurrent(pair: CandidatePair, policy: RetransmissionPolicy): void {
    const tx = this.currentOf.get(pair);
    this.currentOf.delete(pair);
    if (!tx) return;
    tx.cancelled = true;
    tx.nextAt = timeoutIfContinued(tx, policy);
    this.forgetOldestCancelled(pair);
  }

  /** Cancels the checks in flight on each of `pairs` ({@link cancelCurrent}): checking concluded (RFC 8445 §8.1.2). */
  cancelPairs(pairs: Iterable<CandidatePair>, policy: RetransmissionPolicy): void {
    for (const pair of pairs) if (this.currentOf.has(pair)) this.cancelCurrent(pair, policy);
  }

  /** Forgets every check in flight: answers to them will match nothing (the credentials they carry are gone). */
  abandonAll(): void {
    this.byKey.clear();
    this.currentOf.clear();
  }

  /** Whether `pair` has a check in flight that was not cancelled. */
  hasCurrent(pair: CandidatePair): boolean {
    return this.currentOf.has(pair);
  }

  /** Whether a check carrying USE-CANDIDATE is in flight (and not cancelled) on `pair`. */
  isNominating(pair: CandidatePair): boolean {
    const tx = this.currentOf.get(pair);
    return tx?.useCandidate === true && !tx.cancelled;
  }

  /** Keeps at most MAX_CANCELLED_PER_PAIR cancelled checks per pair, so a peer's retransmissions cannot grow the table. */
  private forgetOldestCancelled(pair: CandidatePair): void {
    const cancelled = [...this.byKey].filter(([, tx]) => tx.pair === pair && tx.cancelled);
    if (cancelled.length <= MAX_CANCELLED_PER_PAIR) return;
    cancelled.sort(([, a], [, b]) => a.firstSentAt - b.firstSentAt);
    for (const [key] of cancelled.slice(0, cancelled.length - MAX_CANCELLED_PER_PAIR)) this.byKey.delete(key);
  }

  /**
   * Retransmits what is due at `now` (`resend`), and gives up on checks past
   * their last retransmission: a pair whose current check that was and is
   * still in progress goes to `timedOut`.
   */
  handleTimeout(
    now: number,
    policy: RetransmissionPolicy,
    resend: (tx: CheckTransaction) => void,
    timedOut: (pair: CandidatePair, tx: CheckTransaction) => void,
  ): void {
    for (const [key, tx] of this.byKey) {
      if (tx.nextAt > now) continue;
      if (tx.cancelled || tx.attempts > policy.retransmissions) {
        this.byKey.delete(key);
        if (this.currentOf.get(tx.pair) === tx) {
          this.currentOf.delete(tx.pair);
          if (tx.pair.state === 'in-progress') timedOut(tx.pair, tx);
        }
        continue;
      }
      tx.attempts++;
      tx.rto = nextRto(tx.rto, policy);
      tx.nextAt = now + tx.rto;
      resend(tx);
    }
  }

  /** The earliest retransmission or timeout, if any. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const tx of this.byKey.values()) if (next === undefined || tx.nextAt < next) next = tx.nextAt;
    return next;
  }

  /** Forgets every check on these pairs (their socket went away). */
  removePairs(pairs: ReadonlySet<CandidatePair>): void {
    for (const [key, tx] of this.byKey) if (pairs.has(tx.pair)) this.byKey.delete(key);
    for (const pair of pairs) this.currentOf.delete(pair);
  }

  /** Forgets everything (the session closed). */
  clear(): void {
    this.byKey.clear();
    this.currentOf.clear();
  }
}
