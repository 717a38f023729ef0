/**
 * Retransmission timing of connectivity checks as plain functions of time
 * (RFC 8445 §14.3, RFC 8489 §6.2.1), shared by the agent and tests.
 */

/** Knobs of the retransmission schedule. */
export interface RetransmissionPolicy {
  /** Transmissions after the first one before the check fails. */
  readonly retransmissions: number;
  /** Cap of the doubled RTO, in ms. */
  readonly maxRto: number;
}

/** Default: 7 transmissions in all, RTO doubling from ≥ 500 ms up to 1.6 s; a dead path fails in ~9.5 s. */
export const DEFAULT_RETRANSMISSION: RetransmissionPolicy = { retransmissions: 6, maxRto: 1600 };

/**
 * Initial RTO of a check (RFC 8445 §14.3): `max(500 ms, Ta × (waiting + in-progress pairs))`,
 * so retransmissions never crowd out new checks when the checklist is long.
 */
export function initialRto(ta: number, activePairs: number): number {
  return Math.max(500, ta * activePairs);
}

/** RTO after one more unanswered transmission: doubled, capped. */
export function nextRto(rto: number, policy: RetransmissionPolicy): number {
  return Math.min(rto * 2, Math.max(policy.maxRto, rto));
}

/**
 * Offsets (ms from the first transmission) of every transmission, followed by
 * the offset at which the check gives up. Handy for documentation and tests.
 */
export function retransmissionSchedule(rto: number, policy: RetransmissionPolicy): number[] {
  const offsets: number[] = [0];
  let at = 0;
  let current = rto;
  for (let i = 0; i < policy.retransmissions; i++) {
    at += current;
    offsets.push(at);
    current = nextRto(current, policy);
  }
  offsets.push(at + current);
  return offsets;
}
