/**
 * The lines of a recording for mDNS (RFC 6762): the transport's look-ups
 * (`resolveMdns`) and publications (`publishMdns`) are numbered from 0 in the
 * order the agent asks for them (`id`, one sequence for both).
 * @module
 */
import type { Timed } from './record-lines.js';

/** Input: look-up `id` answered `address` (the agent keeps the first IP address). */
export interface MdnsAddressLine extends Timed<'mdns-address'> {
  /** The look-up's number. */
  readonly id: number;
  /** What it emitted. */
  readonly address: string;
}

/** Input: look-up `id` ended by itself (answered, or its socket failed). */
export interface MdnsEndLine extends Timed<'mdns-end'> {
  /** The look-up's number. */
  readonly id: number;
}

/** Input: the socket of look-up or publication `id` dropped a datagram that did not decode as DNS. */
export interface MdnsMalformedLine extends Timed<'mdns-malformed'> {
  /** The look-up's or publication's number. */
  readonly id: number;
}

/** The mDNS input lines. */
export type MdnsInputLine = MdnsAddressLine | MdnsEndLine | MdnsMalformedLine;
