import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { Candidate } from '../lib/candidate-types.js';
import { InvalidArgumentError } from '../lib/errors.js';

/**
 * Lets through only candidates whose address satisfies `predicate`, which
 * also gets the whole candidate (to look at its port, type or related
 * address). For the common cases prefer {@link addressFamily} and
 * {@link addressScope}, which classify addresses with `ip-address` instead of
 * string tests.
 *
 * ```
 * candidates$:                                  -a-b-|   a: 10.0.0.1, b: 10.1.0.1
 * addressMatching((ip) => ip.startsWith('10.0.'))  -a---|
 * ```
 *
 * @example
 * ```ts
 * import { Address4 } from 'ip-address';
 * import { addressMatching } from 'rx-ice/operators';
 *
 * // Only the office subnet.
 * const office = new Address4('192.168.7.0/24');
 * agent.candidates$
 *   .pipe(addressMatching((address) => Address4.isValid(address) && new Address4(address).isInSubnet(office)))
 *   .subscribe(sendToPeer);
 * ```
 *
 * @param predicate called with the candidate's address (as signaled) and the candidate
 * @throws InvalidArgumentError when `predicate` is not a function
 */
export function addressMatching<T extends Candidate>(
  predicate: (address: string, candidate: T) => boolean,
): MonoTypeOperatorFunction<T> {
  if (typeof predicate !== 'function') {
    throw new InvalidArgumentError('addressMatching() takes a predicate function');
  }
  return filter((candidate) => predicate(candidate.address, candidate));
}
