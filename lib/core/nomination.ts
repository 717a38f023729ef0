/**
 * Nomination (RFC 8445 §8.1.1) as one explicit value per session: which pair
 * the controlling agent is nominating, and which one is selected.
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
 * - `renominating` (controlling side): `selected` stays selected while a
 *   check carrying USE-CANDIDATE runs on `pair`; on success `pair` is
 *   selected (and the phase is `nominated`), on failure the nomination
 *   returns to `nominated(selected)`. Either renomination agreed by both
 *   sides (the check carries a higher NOMINATION value), or `pair` is
 *   `selected` itself, nominated again for the peer's new generation after
 *   following its restart.
 */
export type Nomination =
  | { readonly phase: 'none' }
  | { readonly phase: 'nominating'; readonly pair: CandidatePair }
  | { readonly phase: 'nominated'; readonly pair: CandidatePair }
  | { readonly phase: 'renominating'; readonly pair: CandidatePair; readonly selected: CandidatePair };

/** The `none` nomination. */
export const NO_NOMINATION: Nomination = { phase: 'none' };

/** The pair data flows over under `nomination`, if any. */
export function selectedPairOf(nomination: Nomination): CandidatePair | undefined {
  if (nomination.phase === 'nominated') return nomination.pair;
  if (nomination.phase === 'renominating') return nomination.selected;
  return undefined;
}

/** The pair being nominated (a USE-CANDIDATE check queued or in flight), if any. */
export function pairBeingNominated(nomination: Nomination): CandidatePair | undefined {
  return nomination.phase === 'nominating' || nomination.phase === 'renominating'
    ? nomination.pair
    : undefined;
}

/** Whether a check on `checked` carries USE-CANDIDATE under `nomination` (controlling side, regular nomination). */
export function carriesUseCandidate(nomination: Nomination, checked: CandidatePair): boolean {
  const pair = pairBeingNominated(nomination);
  return pair !== undefined && checkedPairOf(pair) === checked;
}
