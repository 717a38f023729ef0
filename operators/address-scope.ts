import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { Candidate } from '../lib/candidate-types.js';
import { InvalidArgumentError } from '../lib/errors.js';
import { parseIpAddress } from './internal/ip.js';

/**
 * Where an address is reachable from, as {@link addressScope} and
 * {@link addressScopeOf} classify it:
 *
 * - `loopback`: `127.0.0.0/8`, `::1` (and IPv4-mapped forms of them);
 * - `link-local`: `169.254.0.0/16`, `fe80::/10`;
 * - `private`: RFC 1918 (`10/8`, `172.16/12`, `192.168/16`), carrier-grade NAT
 *   (`100.64.0.0/10`, RFC 6598) and IPv6 unique local addresses (`fc00::/7`);
 * - `public`: globally reachable unicast (the IANA special-purpose registries
 *   say so: `isGlobal()` of `ip-address`).
 */
export type AddressScope = 'private' | 'public' | 'loopback' | 'link-local';

const SCOPES: readonly AddressScope[] = ['private', 'public', 'loopback', 'link-local'];

/**
 * The {@link AddressScope} of an IP literal, or undefined for a name (mDNS
 * `.local`) and for special-purpose addresses that fit no scope (unspecified,
 * multicast, documentation, benchmarking, reserved). Classification is done
 * by the `ip-address` package; IPv4-mapped IPv6 addresses answer for the IPv4
 * address they embed.
 */
export function addressScopeOf(address: string): AddressScope | undefined {
  const ip = parseIpAddress(address);
  if (ip === undefined) return undefined;
  if (ip.isLoopback()) return 'loopback';
  if (ip.isLinkLocal()) return 'link-local';
  if (ip.isPrivate() || ip.isCGNAT()) return 'private';
  if (ip.isGlobal()) return 'public';
  return undefined;
}

/**
 * Lets through only candidates whose address is in one of the given
 * {@link AddressScope}s (classified with the `ip-address` package, never by
 * string matching). Names such as mDNS `.local` addresses match no scope.
 *
 * ```
 * candidates$:                       -l-p-g-|   l: 127.0.0.1, p: 192.168.1.2, g: 8.8.8.8
 * addressScope('private', 'public')  ---p-g-|
 * ```
 *
 * @example
 * ```ts
 * import { addressScope } from 'rx-ice/operators';
 *
 * // Keep loopback and link-local addresses out of signaling.
 * agent.candidates$.pipe(addressScope('private', 'public')).subscribe(sendToPeer);
 * ```
 *
 * @param scopes one or more scopes to keep
 * @throws InvalidArgumentError when no scope, or an unknown one, is given
 */
export function addressScope<T extends Candidate>(
  ...scopes: readonly AddressScope[]
): MonoTypeOperatorFunction<T> {
  if (scopes.length === 0) throw new InvalidArgumentError('addressScope() needs at least one scope');
  for (const scope of scopes) {
    if (!SCOPES.includes(scope)) {
      throw new InvalidArgumentError(`address scope "${String(scope)}" is not one of ${SCOPES.join(', ')}`);
    }
  }
  const wanted = new Set<string>(scopes);
  return filter((candidate) => {
    const scope = addressScopeOf(candidate.address);
    return scope !== undefined && wanted.has(scope);
  });
}
