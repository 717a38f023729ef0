/**
 * The virtual TURN server's memory of the responses it sent (RFC 8489
 * §6.3.1): over UDP a request may arrive twice (a retransmission, or a
 * duplicate made by the network), and the second copy must leave client and
 * server in the state the first one did. The server answers a copy with the
 * response it sent to the first, for 40 s, instead of running the request
 * again (a duplicated Refresh LIFETIME 0 must not delete the allocation made
 * since).
 * @module
 */
import type { SchedulerLike } from 'rxjs';

/** How long a response is remembered, ms (RFC 8489 §6.3.1: "the last 40 seconds"). */
export const RESPONSE_MEMORY_MS = 40_000;

/** Most responses remembered at once; the oldest go first. */
export const MAX_REMEMBERED_RESPONSES = 10_000;

/** Responses by client address and transaction ID, each for {@link RESPONSE_MEMORY_MS}. */
export class TransactionResponses {
  readonly #entries = new Map<string, { readonly at: number; readonly response: Uint8Array }>();

  constructor(private readonly scheduler: SchedulerLike) {}

  /** The response sent to the first copy of request `key`, if it is still remembered. */
  get(key: string): Uint8Array | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.scheduler.now() - entry.at <= RESPONSE_MEMORY_MS) return entry.response;
    this.#entries.delete(key);
    return undefined;
  }

  /** Remembers the response to request `key` (the first one only). */
  set(key: string, response: Uint8Array): void {
    if (this.#entries.has(key)) return;
    const now = this.scheduler.now();
    // Insertion order is time order: forget what expired, then the oldest past the limit.
    for (const [old, entry] of this.#entries) {
      if (now - entry.at <= RESPONSE_MEMORY_MS && this.#entries.size < MAX_REMEMBERED_RESPONSES) break;
      this.#entries.delete(old);
    }
    this.#entries.set(key, { at: now, response });
  }

  /** Responses remembered now. */
  get size(): number {
    return this.#entries.size;
  }
}

/** The key of a request: who sent it, and its transaction ID. */
export function requestKey(address: string, port: number, transactionId: Uint8Array): string {
  return `${address}|${port}|${Buffer.from(transactionId).toString('hex')}`;
}

/** Whether `data` is a STUN response to the transaction `transactionId`. */
export function answers(data: Uint8Array, transactionId: Uint8Array): boolean {
  if (data.length < 20 || (data[0] as number) > 3) return false;
  for (let i = 0; i < 12; i++) if (data[8 + i] !== transactionId[i]) return false;
  return true;
}
