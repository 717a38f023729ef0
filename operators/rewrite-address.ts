import { type MonoTypeOperatorFunction, map } from 'rxjs';
import type { Candidate } from '../lib/candidate-types.js';
import { InvalidArgumentError } from '../lib/errors.js';
import { canonicalIp, parseIpAddress } from './internal/ip.js';

/**
 * How {@link rewriteAddress} maps addresses: a table from private (host)
 * address to the public one (`Record` or `Map`), or a function that returns
 * the public address for a candidate, or undefined to leave it alone.
 */
export type AddressRewrite =
  | Readonly<Record<string, string>>
  | ReadonlyMap<string, string>
  | ((candidate: Candidate) => string | undefined);

function checkIp(address: unknown, what: string): string {
  if (typeof address !== 'string' || parseIpAddress(address) === undefined) {
    throw new InvalidArgumentError(`rewriteAddress: ${what} "${String(address)}" is not an IP address`);
  }
  return address;
}

/**
 * For a server behind a 1:1 NAT (a cloud VM with an elastic/public IP, a
 * port-forwarding box): replaces the address of **host** candidates with the
 * configured public address, keeps the port, and records the original in
 * `raddr`/`rport` (as a server-reflexive candidate would). The type, priority
 * and foundation are unchanged (the base is the same socket), so the remote
 * checks the public address and its packets reach the same local socket.
 * Candidates whose address is not in the table, and non-host candidates, pass
 * through unchanged. Table keys are matched in canonical form (IPv6 case and
 * zero compression do not matter).
 *
 * ```
 * candidates$:                                  -h-s-|   h: host 10.0.0.5:5000
 * rewriteAddress({ '10.0.0.5': '203.0.113.7' }) -H-s-|   H: host 203.0.113.7:5000 raddr 10.0.0.5 rport 5000
 * ```
 *
 * @example
 * ```ts
 * import { rewriteAddress } from 'rx-ice/operators';
 *
 * // EC2: the instance only sees its private address; the world sees the elastic IP.
 * agent.candidates$
 *   .pipe(rewriteAddress({ '172.31.5.10': '52.1.2.3' }))
 *   .subscribe((c) => sendToPeer(serializeCandidate(c)));
 * ```
 *
 * @param rewrite a table private → public address, or a function of the candidate
 * @throws InvalidArgumentError when a table entry is not a pair of IP addresses
 *   (the function form is checked per candidate, and a bad result errors the stream)
 */
export function rewriteAddress<T extends Candidate>(rewrite: AddressRewrite): MonoTypeOperatorFunction<T> {
  let lookup: (candidate: Candidate) => string | undefined;
  if (typeof rewrite === 'function') {
    lookup = rewrite;
  } else if (typeof rewrite === 'object' && rewrite !== null) {
    const entries = rewrite instanceof Map ? [...rewrite] : Object.entries(rewrite);
    const table = new Map<string, string>();
    for (const [from, to] of entries) {
      table.set(canonicalIp(checkIp(from, 'private address')), checkIp(to, 'public address'));
    }
    lookup = (candidate) => table.get(canonicalIp(candidate.address));
  } else {
    throw new InvalidArgumentError('rewriteAddress() takes an address table or a function');
  }
  return map((candidate) => {
    if (candidate.type !== 'host') return candidate;
    const address = lookup(candidate);
    if (address === undefined || address === candidate.address) return candidate;
    checkIp(address, 'public address');
    return { ...candidate, address, relatedAddress: candidate.address, relatedPort: candidate.port };
  });
}
