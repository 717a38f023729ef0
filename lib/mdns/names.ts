import { cryptoEntropy, drawBytes, type Entropy } from '../entropy.js';

// RFC 6762 names as browsers use them for ICE: one label (a UUID, in practice) under `.local`.
const MDNS_HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.local\.?$/i;

/** Whether `name` is a single-label `.local` host name, as WebRTC stacks put in candidates. */
export function isMdnsHostname(name: string): boolean {
  return MDNS_HOSTNAME.test(name);
}

/**
 * A fresh `<uuid>.local` name (a version-4 UUID drawn from `entropy`, default
 * the CSPRNG) to publish a host address under (what browsers do to hide it).
 */
export function randomMdnsHostname(entropy: Entropy = cryptoEntropy): string {
  const bytes = drawBytes(entropy, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40; // version 4
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}.local`;
}

/** Canonical form for comparing names: lower case, no trailing dot. */
export function canonicalMdnsHostname(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
