/**
 * IP address classification for the candidate operators, on top of the
 * `ip-address` package (no hand-written parsing).
 * @internal
 */
import { Address4, Address6 } from 'ip-address';

/** An IPv4 or IPv6 literal (an IPv6 zone id such as `%eth0` is allowed), or undefined for anything else (an mDNS `.local` name, say). */
export function parseIpAddress(address: string): Address4 | Address6 | undefined {
  if (typeof address !== 'string' || address.includes('/')) return undefined; // no CIDR suffixes
  if (Address4.isValid(address)) return new Address4(address);
  if (Address6.isValid(address)) {
    const ip = new Address6(address);
    return ip.zone === '%' ? undefined : ip;
  }
  return undefined;
}

/**
 * The canonical text of an address, so equal addresses compare equal as
 * strings: IPv6 in RFC 5952 form with its zone id kept, IPv4 as is, names
 * lower-cased.
 */
export function canonicalIp(address: string): string {
  const ip = parseIpAddress(address);
  if (ip === undefined) return address.toLowerCase();
  return ip instanceof Address6 ? ip.correctForm() + ip.zone : ip.correctForm();
}
