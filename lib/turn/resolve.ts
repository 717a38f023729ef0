/**
 * Server host names to addresses. IP literals and `localhost` need no lookup
 * (RFC 6761: localhost is loopback); other names go through `dns.lookup`
 * once, at gathering time, as an Observable (no timers of ours).
 */
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { Observable } from 'rxjs';
import { canonicalAddress } from '../core/address.js';

/** Resolves a host name to its addresses (any family); errors when it cannot. */
export type HostLookup = (host: string) => Observable<readonly string[]>;

/** The addresses of an IP literal or `localhost` without asking DNS; undefined for other names. */
export function literalAddresses(host: string): readonly string[] | undefined {
  if (isIP(host) !== 0) return [host];
  if (host === 'localhost') return ['127.0.0.1', '::1'];
  return undefined;
}

/** {@link HostLookup} over `dns.lookup(host, { all: true })`. */
export const dnsLookup: HostLookup = (host) =>
  new Observable<readonly string[]>((subscriber) => {
    lookup(host, { all: true }, (error, addresses) => {
      if (subscriber.closed) return;
      if (error) {
        subscriber.error(error);
        return;
      }
      subscriber.next(addresses.map((a) => canonicalAddress(a.address)));
      subscriber.complete();
    });
  });
