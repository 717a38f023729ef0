/**
 * Regular nomination (RFC 8445 §8.1.1) as a plain function: which valid pair
 * the controlling agent nominates, and when.
 */
import type { CandidatePair } from './pair.js';

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
  const betterPending = pairs.some((p) => p.priority > best.priority && p.state !== 'failed' && !p.valid);
  if (betterPending && deadline !== undefined && now < deadline) return undefined;
  return best;
}
