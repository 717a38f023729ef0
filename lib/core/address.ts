import { isIP } from 'node:net';
import { Address6 } from 'ip-address';

/** 4, 6, or 0 for a name that is not an IP literal (an mDNS `.local` name, say). Zone ids are allowed. */
export function ipVersion(address: string): 0 | 4 | 6 {
  const zone = address.indexOf('%');
  return isIP(zone < 0 ? address : address.slice(0, zone)) as 0 | 4 | 6;
}

/**
 * The form Node's sockets report an address in (`rinfo.address`), so signaled
 * candidates and packet sources compare as plain strings: IPv6 compressed and
 * lower-case (RFC 5952), zone id kept; IPv4 and names unchanged.
 */
export function canonicalAddress(address: string): string {
  if (ipVersion(address) !== 6) return address;
  const zone = address.indexOf('%');
  const bare = zone < 0 ? address : address.slice(0, zone);
  const canonical = new Address6(bare).correctForm();
  return zone < 0 ? canonical : canonical + address.slice(zone);
}
