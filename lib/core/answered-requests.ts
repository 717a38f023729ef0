/**
 * Replay protection for inbound checks: which path each recently answered
 * transaction came over. A signed check copied off the wire and replayed
 * from another address carries a transaction ID we already answered; it must
 * not make that address look authenticated (so its data would reach
 * `data$`). Retransmissions of a check come over the same path and are
 * answered again (RFC 8489 §6.3.4).
 */

/** Transactions remembered at most; the oldest is forgotten first. */
export const MAX_ANSWERED_REQUESTS = 512;
/** How long a transaction is remembered, ms: past the 39.5 s a client retransmits for (RFC 8489 §6.2.1). */
export const ANSWERED_REQUEST_LIFETIME = 40_000;

interface Answered {
  readonly path: string;
  readonly at: number;
}

/** A bounded, time-limited table of answered transaction IDs and their paths. */
export class AnsweredRequests {
  private readonly byKey = new Map<string, Answered>();

  /**
   * Records that transaction `key` arrived over `path` at `now`. Returns false
   * when the same transaction was already answered over another path (a
   * replay): the request must be dropped.
   */
  admit(key: string, path: string, now: number): boolean {
    this.expire(now);
    const known = this.byKey.get(key);
    if (known !== undefined) return known.path === path;
    if (this.byKey.size >= MAX_ANSWERED_REQUESTS) {
      const oldest = this.byKey.keys().next().value as string;
      this.byKey.delete(oldest);
    }
    this.byKey.set(key, { path, at: now });
    return true;
  }

  /** Transactions currently remembered. */
  get size(): number {
    return this.byKey.size;
  }

  private expire(now: number): void {
    // Insertion order is arrival order: the expired ones are at the front.
    for (const [key, entry] of this.byKey) {
      if (now - entry.at < ANSWERED_REQUEST_LIFETIME) return;
      this.byKey.delete(key);
    }
  }
}
