import { Address4 } from 'ip-address';
import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { Candidate } from '../lib/candidate-types.js';
import { InvalidArgumentError } from '../lib/errors.js';
import { parseIpAddress } from './internal/ip.js';

/**
 * Lets through only candidates whose address is an IPv4 (`4`) or IPv6 (`6`)
 * literal, as classified by the `ip-address` package. Candidates carrying an
 * mDNS `.local` name have no family yet and are dropped.
 *
 * ```
 * candidates$:       -a-b-c-|   a: 10.0.0.1, b: 2001:db8::1, c: 1f9e….local
 * addressFamily(4)   -a-----|
 * ```
 *
 * @example
 * ```ts
 * import { addressFamily } from 'rx-ice/operators';
 *
 * // An IPv4-only signaling peer.
 * agent.candidates$.pipe(addressFamily(4)).subscribe(sendToPeer);
 * ```
 *
 * @param family `4` for IPv4, `6` for IPv6
 * @throws InvalidArgumentError for anything but 4 or 6
 */
export function addressFamily<T extends Candidate>(family: 4 | 6): MonoTypeOperatorFunction<T> {
  if (family !== 4 && family !== 6) {
    throw new InvalidArgumentError(`address family "${String(family)}" is not 4 or 6`);
  }
  return filter((candidate) => {
    const ip = parseIpAddress(candidate.address);
    return ip !== undefined && ip instanceof Address4 === (family === 4);
  });
}
