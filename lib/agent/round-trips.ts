/**
 * Round-trip times of every answered check, consent checks included, for
 * the W3C stats (`totalRoundTripTime`, `currentRoundTripTime`): the agent
 * notes when each Binding request leaves and, when the session accepts its
 * success response, adds the time it took to the pair's counters. A request
 * that was retransmitted gives no sample (Karn's rule: its answer could be to
 * either copy).
 * @internal
 * @module
 */
import type { CandidatePair } from '../core/pair.js';

/** Requests remembered at most; the oldest is forgotten first (answers come within seconds). */
const MAX_PENDING = 256;
/** Marks a request sent more than once. */
const RETRANSMITTED = -1;

/** Send times of Binding requests in flight, by transaction ID. */
export class RoundTripMeter {
  private readonly pending = new Map<string, number>();

  /** A datagram leaves: when it is a Binding request, note when (or that it is a retransmission). */
  sent(data: Uint8Array, now: number): void {
    // Binding request: message type 0x0001 (RFC 8489 §18.2); the caller sends only framed STUN here.
    if (data.length < 20 || data[0] !== 0x00 || data[1] !== 0x01) return;
    const key = transactionKey(data.subarray(8, 20));
    const pending = this.pending;
    if (pending.has(key)) {
      pending.set(key, RETRANSMITTED);
      return;
    }
    if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value as string);
    pending.set(key, now);
  }

  /** When the request with this ID was sent once and is still pending, its send time. */
  sentAt(transactionId: Uint8Array): number | undefined {
    const at = this.pending.get(transactionKey(transactionId));
    return at === undefined || at === RETRANSMITTED ? undefined : at;
  }

  /** The session accepted the answer to `transactionId` on `pair`: one RTT sample. */
  record(pair: CandidatePair, transactionId: Uint8Array, sentAt: number, now: number): void {
    this.pending.delete(transactionKey(transactionId));
    const c = pair.counters;
    const rtt = now - sentAt;
    c.totalRoundTripTime = (c.totalRoundTripTime ?? 0) + rtt;
    c.roundTripTimeMeasurements = (c.roundTripTimeMeasurements ?? 0) + 1;
    c.lastRoundTripTime = rtt;
  }
}

function transactionKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('latin1');
}
