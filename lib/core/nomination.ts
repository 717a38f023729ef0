/**
 * Nomination (RFC 8445 §8.1.1) as one explicit value per session and plain
 * functions: which valid pair the controlling agent nominates, and when.
 */
import { type CandidatePair, checkedPairOf } from './pair.js';

/**
 * Where a session's nomination stands. One value, so no two flags can
 * disagree about it:
 * - `none`: no pair chosen yet.
 * - `nominating` (controlling side): the valid `pair` was chosen; a check
 *   carrying USE-CANDIDATE is queued or in flight on its checked pair. If
 *   neither is true the session re-queues it; if the pair stops being valid
 *   (its check timed out) the nomination returns to `none` and another pair
 *   is chosen.
 * - `nominated`: `pair` is nominated and selected; checking is concluded
 *   (RFC 8445 §8.1.2).
 */
export type Nomination =
  | { readonly phase: 'none' }
  | { readonly phase: 'nominating'; readonly pair: CandidatePair }
  | { readonly phase: 'nominated'; readonly pair: CandidatePair };

/** The `none` nomination. */
export const NO_NOMINATION: Nomination = { phase: 'none' };

/** Whether a check on `checked` carries USE-CANDIDATE under `nomination` (controlling side). */
export function carriesUseCandidate(nomination: Nomination, checked: CandidatePair): boolean {
  return nomination.phase === 'nominating' && checkedPairOf(nomination.pair) === checked;
}

/**
 * The pair to nominate now, or undefined to keep waiting: the best valid
 * pair, once no higher-priority pair can still succeed or `deadline` (first
 * valid pair + nomination delay) has passed. `pairs` are ordered by
 * descending priority. A full agent facing an ICE-lite peer decides the same
 * way: it never waits for checks from the peer, only for its own.
 */
export function pairToNominate(
  pairs: readonly CandidatePair[],
  deadline: number | undefined,
  now: number,
): CandidatePair | undefined {
  const best = pairs.find((p) => p.valid);
  if (!best) return undefined;
  const betterPending = pairs.some(
    (p) => p.priority > best.priority && p.state !== 'failed' && !p.valid && p.generatedBy === undefined,
  );
  if (betterPending && deadline !== undefined && now < deadline) return undefined;
  return best;
}
