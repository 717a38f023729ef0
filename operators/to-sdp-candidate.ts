import { map, type OperatorFunction } from 'rxjs';
import { serializeCandidate } from '../lib/candidate.js';
import type { Candidate } from '../lib/candidate-types.js';

/** Options of {@link toSdpCandidate}. */
export interface ToSdpCandidateOptions {
  /**
   * Prefix each line with `a=` (an SDP attribute line, the default), or not
   * (the `candidate` field of a browser's `RTCIceCandidateInit`).
   */
  readonly attribute?: boolean;
}

/**
 * Formats each candidate as an SDP `a=candidate:` line (RFC 8839 §5.1) with
 * `serializeCandidate`. Invalid candidates error the stream with
 * `InvalidCandidateError`.
 *
 * ```
 * candidates$:       -c-|
 * toSdpCandidate()   -l-|   l: 'a=candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host'
 * ```
 *
 * @example
 * ```ts
 * import { endOfCandidates, toSdpCandidate, withGatheringTimeout } from 'rx-ice/operators';
 *
 * // The candidate lines of an SDP offer, ending with a=end-of-candidates.
 * const lines = await lastValueFrom(
 *   agent.candidates$.pipe(
 *     withGatheringTimeout(5000, agent.gatheringState$),
 *     toSdpCandidate(),
 *     endOfCandidates(),
 *     toArray(),
 *   ),
 * );
 * ```
 */
export function toSdpCandidate(options: ToSdpCandidateOptions = {}): OperatorFunction<Candidate, string> {
  const prefix = (options.attribute ?? true) ? 'a=' : '';
  return map((candidate) => prefix + serializeCandidate(candidate));
}
