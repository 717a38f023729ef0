/**
 * Address text helpers shared by the virtual network, its NAT boxes and its
 * servers: canonical form, family, loopback, `address:port` text, port ranges.
 */
import { isIP } from 'node:net';
import { Address6 } from 'ip-address';
import { InvalidArgumentError } from '../errors.js';
import type { AddressFamily, PortRange } from '../transport/types.js';

/** Canonical text of an IP address, or undefined when it is not one (zones are rejected). */
export function normalizeAddress(address: string): string | undefined {
  if (typeof address !== 'string') return undefined;
  const v = isIP(address);
  if (v === 4) return address;
  return v === 6 && !address.includes('%') ? new Address6(address).correctForm() : undefined;
}

/** Canonical text, taking the fast path for text that is already canonical IPv4. */
export function canonicalOrSelf(address: string): string {
  return address.includes(':') ? (normalizeAddress(address) ?? address) : address;
}

export function familyOf(address: string): AddressFamily {
  return address.includes(':') ? 'IPv6' : 'IPv4';
}

export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** `address:port`, or `[address]:port` for IPv6. */
export function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function isValidPort(port: unknown): port is number {
  return Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535;
}

export function isValidPortRange(range: PortRange | undefined): range is PortRange {
  return (
    typeof range === 'object' &&
    range !== null &&
    isValidPort(range.min) &&
    isValidPort(range.max) &&
    range.min <= range.max
  );
}

/**
 * The normalized form of `address` to bind on within `ports`, or the
 * {@link InvalidArgumentError} a bind with a bad address or port range fails with.
 */
export function bindAddress(address: string, ports: PortRange | undefined): string | InvalidArgumentError {
  const normal = normalizeAddress(address);
  if (normal === undefined) return new InvalidArgumentError(`not an IP address: ${address}`);
  if (ports !== undefined && !isValidPortRange(ports)) {
    const { min, max } = ports as PortRange;
    return new InvalidArgumentError(`invalid port range ${String(min)}-${String(max)}`);
  }
  return normal;
}
