import { endWith, type OperatorFunction } from 'rxjs';

/** The SDP attribute line that says no more candidates will come (RFC 8838 §8.2, RFC 8839 §5.2). */
export const END_OF_CANDIDATES = 'a=end-of-candidates';

/** True for an `a=end-of-candidates` line (with or without the `a=`, surrounding spaces ignored). */
export function isEndOfCandidates(line: string): boolean {
  if (typeof line !== 'string') return false;
  const text = line.trim();
  return text === END_OF_CANDIDATES || text === 'end-of-candidates';
}

/**
 * Appends `a=end-of-candidates` when the source completes: put it after
 * {@link toSdpCandidate} on a candidate stream that completes when gathering
 * does (see {@link withGatheringTimeout}).
 *
 * ```
 * lines$:             -a-b-|
 * endOfCandidates()   -a-b-(e|)   e: 'a=end-of-candidates'
 * ```
 *
 * @example
 * ```ts
 * import { endOfCandidates, toSdpCandidate, withGatheringTimeout } from 'rx-ice/operators';
 *
 * agent.candidates$
 *   .pipe(withGatheringTimeout(5000, agent.gatheringState$), toSdpCandidate(), endOfCandidates())
 *   .subscribe((line) => signaling.send(line));
 * ```
 */
export function endOfCandidates(): OperatorFunction<string, string> {
  return endWith(END_OF_CANDIDATES);
}
