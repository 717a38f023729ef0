/**
 * Which valid pair the controlling agent nominates, and when (RFC 8445
 * §8.1.1), as a pure function the application may replace: option
 * `nomination: 'regular' | 'aggressive' | NominationPolicy`.
 */
import type { Candidate } from '../candidate-types.js';

/** One valid pair, as a nomination policy sees it. */
export interface NominationCandidate {
  /** The pair's id (as in `getStats().candidatePairs` and `pairs$`). */
  readonly id: number;
  /** Local candidate (for a valid pair a check produced, the reflexive address it revealed). */
  readonly local: Candidate;
  /** Remote candidate. */
  readonly remote: Candidate;
  /** Pair priority (RFC 8445 §6.1.2.3), 64 bits. */
  readonly priority: bigint;
  /** Last round-trip time measured on the pair, ms. */
  readonly rtt: number | undefined;
  /** Checks sent on the pair (first transmissions). */
  readonly checksSent: number;
  /** Answers received to them. */
  readonly checksAnswered: number;
  /** When the pair last became valid (scheduler clock, ms). */
  readonly validatedAt: number;
}

/** What a nomination policy decides from. */
export interface NominationInput {
  /** The scheduler's clock, ms. */
  readonly now: number;
  /** The valid pairs, highest priority first (never empty when the policy is asked). */
  readonly valid: readonly NominationCandidate[];
  /** A pair of higher priority than the best valid one may still succeed (it is waiting, frozen or in progress). */
  readonly betterPending: boolean;
  /** When the first pair became valid, ms. */
  readonly firstValidAt: number;
  /** The `nominationDelay` option, ms. */
  readonly nominationDelay: number;
  /**
   * The selected pair, when the policy is asked again after a nomination
   * (only with renomination agreed by both sides): returning another pair
   * renominates.
   */
  readonly selected: NominationCandidate | undefined;
}

/**
 * A policy's answer: nominate the pair with this id now, ask again at `at`
 * (ms, scheduler clock; the policy is also asked whenever a check changes
 * the valid pairs), or `undefined` to wait for such a change.
 */
export type NominationDecision =
  | {
      /** Id of the valid pair to nominate now. */
      readonly nominate: number;
    }
  | {
      /** When to ask the policy again, ms on the scheduler clock. */
      readonly askAgainAt: number;
    }
  | undefined;

/**
 * A nomination policy: a pure function of {@link NominationInput}. Asked on
 * the controlling side while no pair is nominated, and after a nomination
 * only when both sides agreed on renomination.
 *
 * @example
 * ```ts
 * import { IceAgent, type NominationPolicy } from 'rx-ice';
 *
 * // The valid pair with the lowest RTT, once no better pair can still succeed (or after 300 ms).
 * const lowestRtt: NominationPolicy = ({ valid, betterPending, firstValidAt, now }) => {
 *   if (betterPending && now < firstValidAt + 300) return { askAgainAt: firstValidAt + 300 };
 *   const best = [...valid].sort((a, b) => (a.rtt ?? Infinity) - (b.rtt ?? Infinity))[0];
 *   return best && { nominate: best.id };
 * };
 * const agent = new IceAgent({ role: 'controlling', nomination: lowestRtt });
 * ```
 */
export type NominationPolicy = (input: NominationInput) => NominationDecision;

/**
 * Regular nomination as RFC 8445 §8.1.1 suggests: the highest-priority valid
 * pair, once no higher-priority pair can still succeed or `nominationDelay`
 * has passed since the first valid pair. After a nomination it keeps the
 * selected pair (it never renominates by itself).
 */
export const regularNomination: NominationPolicy = (input) => {
  if (input.selected !== undefined) return undefined;
  const best = input.valid[0];
  if (best === undefined) return undefined;
  const deadline = input.firstValidAt + input.nominationDelay;
  if (input.betterPending && input.now < deadline) return { askAgainAt: deadline };
  return { nominate: best.id };
};
