/**
 * STUN client transactions towards a server (RFC 8489 §6.2), sans-IO: the
 * table decides when to retransmit and when to give up; the caller supplies
 * the time and sends what lands in the outbox it shares with the table.
 */
import { nextRto, type RetransmissionPolicy } from '../core/retransmission.js';

/** Retransmission of requests to STUN/TURN servers. */
export interface ServerRetransmission extends RetransmissionPolicy {
  /** First RTO in ms (RFC 8489 recommends 500 ms). */
  readonly initialRto: number;
}

/**
 * Default: 4 transmissions (0, 0.5, 1.5, 3.1 s), given up at 4.7 s, so an
 * unreachable server delays gathering by under 5 s (RFC 8489's Rc = 7 would
 * take 39.5 s).
 */
export const DEFAULT_SERVER_RETRANSMISSION: ServerRetransmission = {
  initialRto: 500,
  retransmissions: 3,
  maxRto: 1600,
};

/** How long an unanswered request lives in total: over TCP/TLS it is sent once and waited for that long. */
export function transactionTimeout(policy: ServerRetransmission): number {
  let total = 0;
  let rto = policy.initialRto;
  for (let i = 0; i <= policy.retransmissions; i++) {
    total += rto;
    rto = nextRto(rto, policy);
  }
  return total;
}

interface Pending<T> {
  readonly bytes: Uint8Array;
  readonly context: T;
  readonly firstSentAt: number;
  attempts: number;
  rto: number;
  nextAt: number;
}

/** A request that got no answer in time. */
export interface TimedOut<T> {
  readonly context: T;
  readonly attempts: number;
}

/**
 * In-flight requests keyed by transaction ID, each with its own context. Over
 * UDP requests are retransmitted with a doubling RTO; over a reliable stream
 * they are sent once and time out after the same total time. Bounded: `start`
 * refuses a request when `limit` are in flight.
 */
export class ClientTransactions<T> {
  private readonly pending = new Map<string, Pending<T>>();
  private readonly timeout: number;
  /** Retransmissions sent so far. */
  retransmissions = 0;
  /** Requests started so far (first transmissions). */
  started = 0;
  /** Bumped whenever the set of requests (hence the next deadline) changes. */
  version = 0;

  /**
   * @param outbox where (re)transmissions are appended, shared with the
   *   caller's other outgoing messages so their order is kept.
   */
  constructor(
    private readonly policy: ServerRetransmission,
    private readonly reliable: boolean,
    private readonly outbox: Uint8Array[],
    private readonly limit = 64,
  ) {
    this.timeout = transactionTimeout(policy);
  }

  /** Queues `bytes` for sending and tracks its answer; false (nothing sent) when the table is full. */
  start(transactionId: Uint8Array, bytes: Uint8Array, context: T, now: number): boolean {
    if (this.pending.size >= this.limit) return false;
    const rto = this.reliable ? this.timeout : this.policy.initialRto;
    this.pending.set(key(transactionId), {
      bytes,
      context,
      firstSentAt: now,
      attempts: 1,
      rto,
      nextAt: now + rto,
    });
    this.started++;
    this.version++;
    this.outbox.push(bytes);
    return true;
  }

  /** The context of the request this response answers, without ending the transaction. */
  peek(transactionId: Uint8Array): T | undefined {
    return this.pending.get(key(transactionId))?.context;
  }

  /** Ends the transaction this response answers; returns its context and round-trip time. */
  finish(transactionId: Uint8Array, now: number): { context: T; rtt: number | undefined } | undefined {
    const id = key(transactionId);
    const tx = this.pending.get(id);
    if (!tx) return undefined;
    this.pending.delete(id);
    this.version++;
    // Karn: a retransmitted request's answer says nothing reliable about the RTT.
    return { context: tx.context, rtt: tx.attempts === 1 ? now - tx.firstSentAt : undefined };
  }

  /** Retransmits what is due and returns the requests that gave up. */
  handleTimeout(now: number): TimedOut<T>[] {
    this.version++;
    const timedOut: TimedOut<T>[] = [];
    for (const [id, tx] of this.pending) {
      if (tx.nextAt > now) continue;
      if (this.reliable || tx.attempts > this.policy.retransmissions) {
        this.pending.delete(id);
        timedOut.push({ context: tx.context, attempts: tx.attempts });
        continue;
      }
      tx.attempts++;
      tx.rto = nextRto(tx.rto, this.policy);
      tx.nextAt = now + tx.rto;
      this.retransmissions++;
      this.outbox.push(tx.bytes);
    }
    return timedOut;
  }

  /** When `handleTimeout` is next needed, if any request is in flight. */
  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const tx of this.pending.values()) if (next === undefined || tx.nextAt < next) next = tx.nextAt;
    return next;
  }

  /** Whether any request matching `predicate` is in flight. */
  some(predicate: (context: T) => boolean): boolean {
    for (const tx of this.pending.values()) if (predicate(tx.context)) return true;
    return false;
  }

  /** Number of requests in flight. */
  get size(): number {
    return this.pending.size;
  }

  /** Forgets every request (what is already in the outbox stays). */
  clear(): void {
    this.version++;
    this.pending.clear();
  }
}

function key(transactionId: Uint8Array): string {
  return Buffer.from(transactionId.buffer, transactionId.byteOffset, transactionId.byteLength).toString(
    'hex',
  );
}
