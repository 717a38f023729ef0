import { distinct, type MonoTypeOperatorFunction, type ObservableInput } from 'rxjs';
import type { Candidate } from '../lib/candidate-types.js';
import { canonicalIp } from './internal/ip.js';

/**
 * The identity {@link distinctCandidates} deduplicates on: transport address
 * (address in canonical form, so `2001:db8::1` and `2001:DB8:0::1` are one
 * address, plus port), candidate type and transport protocol.
 */
export function candidateKey(candidate: Candidate): string {
  return `${candidate.transport} ${candidate.type} ${canonicalIp(candidate.address)} ${candidate.port}`;
}

/**
 * Drops candidates already seen with the same transport address, type and
 * protocol (see {@link candidateKey}); the first one wins. Useful when several
 * signaling paths, a re-sent offer or an ICE restart deliver the same
 * candidate twice. Like RxJS `distinct`, it remembers every key it has seen;
 * pass `flushes` (say, each new remote ufrag) to forget them.
 *
 * ```
 * candidates$:            -a-b-A-c-|   A: a again, with another foundation and priority
 * distinctCandidates()    -a-b---c-|
 * ```
 *
 * @example
 * ```ts
 * import { distinctCandidates, fromSdpCandidate } from 'rx-ice/operators';
 *
 * merge(fromWebSocket$, fromHttpPolling$)
 *   .pipe(fromSdpCandidate(), distinctCandidates())
 *   .subscribe((c) => agent.addRemoteCandidate(serializeCandidate(c)));
 * ```
 *
 * @param flushes each emission clears the set of keys seen so far
 */
export function distinctCandidates<T extends Candidate>(
  flushes?: ObservableInput<unknown>,
): MonoTypeOperatorFunction<T> {
  return distinct<T, string>(candidateKey, flushes);
}
