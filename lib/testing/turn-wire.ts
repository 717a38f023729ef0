/**
 * TURN wire details the virtual server needs beyond lib/stun's flat decoder:
 * every XOR-PEER-ADDRESS of a request (CreatePermission may carry several),
 * REQUESTED-TRANSPORT and REQUESTED-ADDRESS-FAMILY, and ChannelData framing
 * (RFC 8656 §12.4). Independent of the agent's TURN client on purpose: the
 * two sides of a test should not share a bug.
 */
import { attributeOffsets, readUint16 } from '../stun/raw.js';
import { normalizeAddress } from './network-addresses.js';
import type { TransportAddress } from './network-types.js';

const XOR_PEER_ADDRESS = 0x0012;
const REQUESTED_ADDRESS_FAMILY = 0x0017;
const REQUESTED_TRANSPORT = 0x0019;
const DONT_FRAGMENT = 0x001a;
/** Attributes after which nothing but FINGERPRINT counts (RFC 8489 §14.5, §14.6). */
const INTEGRITY_ATTRIBUTES = new Set([0x0008, 0x001c, 0x8028]);

/** Comprehension-required TURN attributes the server understands, beyond lib/stun's set. */
export const TURN_UNDERSTOOD_ATTRIBUTES: ReadonlySet<number> = new Set([
  REQUESTED_ADDRESS_FAMILY,
  REQUESTED_TRANSPORT,
  DONT_FRAGMENT,
]);

/** ChannelData channel numbers (RFC 8656 §12). */
export const MIN_CHANNEL = 0x4000;
export const MAX_CHANNEL = 0x4fff;

/** Every XOR-PEER-ADDRESS before MESSAGE-INTEGRITY, decoded; undefined when one is malformed. */
export function readPeerAddresses(raw: Uint8Array): TransportAddress[] | undefined {
  const peers: TransportAddress[] = [];
  for (const offset of attributeOffsets(raw) ?? []) {
    const type = readUint16(raw, offset);
    if (INTEGRITY_ATTRIBUTES.has(type)) break;
    if (type !== XOR_PEER_ADDRESS) continue;
    const peer = decodeXorAddress(raw, offset + 4, readUint16(raw, offset + 2));
    if (peer === undefined) return undefined;
    peers.push(peer);
  }
  return peers;
}

/** The protocol number of REQUESTED-TRANSPORT (17 for UDP), or undefined when absent or malformed. */
export function readRequestedTransport(raw: Uint8Array): number | undefined {
  const value = firstValue(raw, REQUESTED_TRANSPORT);
  return value !== undefined && value.length === 4 ? value[0] : undefined;
}

/** REQUESTED-ADDRESS-FAMILY: 'IPv4' (0x01), 'IPv6' (0x02), 'invalid', or undefined when absent. */
export function readRequestedFamily(raw: Uint8Array): 'IPv4' | 'IPv6' | 'invalid' | undefined {
  const value = firstValue(raw, REQUESTED_ADDRESS_FAMILY);
  if (value === undefined) return undefined;
  if (value.length !== 4) return 'invalid';
  return value[0] === 1 ? 'IPv4' : value[0] === 2 ? 'IPv6' : 'invalid';
}

/** A ChannelData message: 16-bit channel number, 16-bit length, the data (no padding over UDP). */
export function encodeChannelData(channel: number, data: Uint8Array): Uint8Array {
  const message = new Uint8Array(4 + data.length);
  message[0] = channel >> 8;
  message[1] = channel & 0xff;
  message[2] = data.length >> 8;
  message[3] = data.length & 0xff;
  message.set(data, 4);
  return message;
}

/** Decodes ChannelData (trailing padding allowed); undefined for a bad channel number or length. */
export function decodeChannelData(
  message: Uint8Array,
): { readonly channel: number; readonly data: Uint8Array } | undefined {
  if (message.length < 4) return undefined;
  const channel = readUint16(message, 0);
  const length = readUint16(message, 2);
  if (channel < MIN_CHANNEL || channel > MAX_CHANNEL || 4 + length > message.length) return undefined;
  return { channel, data: message.subarray(4, 4 + length) };
}

function firstValue(raw: Uint8Array, wanted: number): Uint8Array | undefined {
  for (const offset of attributeOffsets(raw) ?? []) {
    const type = readUint16(raw, offset);
    if (INTEGRITY_ATTRIBUTES.has(type)) return undefined;
    if (type === wanted) return raw.subarray(offset + 4, offset + 4 + readUint16(raw, offset + 2));
  }
  return undefined;
}

/** XOR-*-ADDRESS value (RFC 8489 §14.2): XOR with the magic cookie, and for IPv6 the transaction ID too. */
function decodeXorAddress(raw: Uint8Array, offset: number, length: number): TransportAddress | undefined {
  const family = raw[offset + 1];
  const size = family === 1 ? 4 : family === 2 ? 16 : 0;
  if (size === 0 || length !== 4 + size) return undefined;
  const port = readUint16(raw, offset + 2) ^ 0x2112;
  const bytes: number[] = [];
  for (let i = 0; i < size; i++) bytes.push((raw[offset + 4 + i] as number) ^ (raw[4 + i] as number));
  if (size === 4) return { address: bytes.join('.'), port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  const address = normalizeAddress(groups.join(':'));
  return address === undefined ? undefined : { address, port };
}
