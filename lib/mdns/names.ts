import { randomUUID } from 'node:crypto';

// RFC 6762 names as browsers use them for ICE: one label (a UUID, in practice) under `.local`.
const MDNS_HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.local\.?$/i;

/** Whether `name` is a single-label `.local` host name, as WebRTC stacks put in candidates. */
export function isMdnsHostname(name: string): boolean {
  return MDNS_HOSTNAME.test(name);
}

/** A fresh `<uuid>.local` name to publish a host address under (what browsers do to hide it). */
export function randomMdnsHostname(): string {
  return `${randomUUID()}.local`;
}

/** Canonical form for comparing names: lower case, no trailing dot. */
export function canonicalMdnsHostname(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
