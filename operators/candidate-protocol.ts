import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { Candidate } from '../lib/candidate-types.js';
import { InvalidArgumentError } from '../lib/errors.js';

/**
 * Lets through only candidates of one transport protocol, `'udp'` or
 * `'tcp'` (RFC 6544 TCP candidates as signaled by some peers).
 *
 * ```
 * candidates$:               -u-t-u-|
 * candidateProtocol('udp')   -u---u-|
 * ```
 *
 * @example
 * ```ts
 * import { fromSdpCandidate, candidateProtocol } from 'rx-ice/operators';
 *
 * // Only hand the agent the UDP candidates a browser trickles.
 * remoteLines$.pipe(fromSdpCandidate(), candidateProtocol('udp'));
 * ```
 *
 * @param protocol the transport protocol to keep
 * @throws InvalidArgumentError for anything but `'udp'` or `'tcp'`
 */
export function candidateProtocol<T extends Candidate>(protocol: 'udp' | 'tcp'): MonoTypeOperatorFunction<T> {
  if (protocol !== 'udp' && protocol !== 'tcp') {
    throw new InvalidArgumentError(`candidate protocol "${String(protocol)}" is not 'udp' or 'tcp'`);
  }
  return filter((candidate) => candidate.transport === protocol);
}
