/**
 * The hand decoder of the hot path: connectivity checks (Binding requests)
 * and their success answers, read straight from the bytes without `stun`,
 * into the same {@link StunMessageView} and under the same rules as the
 * general decoder in message.ts. Anything else goes to the general decoder.
 * @internal
 * @module
 */
import { SocketAddress } from 'node:net';
import stun from 'stun';
import { asBuffer, readUint16, readUint32 } from './raw.js';
import type { StunAddress, StunMessageView } from './types.js';

const A = stun.constants;

/** Binding request message type. */
export const BINDING_REQUEST = 0x0001;
/** Binding success response message type. */
export const BINDING_SUCCESS = 0x0101;

/**
 * Comprehension-required attributes (< 0x8000) rx-ice understands or may
 * safely ignore. MAPPED-ADDRESS is superseded by XOR-MAPPED-ADDRESS, which
 * servers send alongside it.
 */
export const UNDERSTOOD = new Set<number>([
  A.STUN_ATTR_MAPPED_ADDRESS,
  A.STUN_ATTR_USERNAME,
  A.STUN_ATTR_MESSAGE_INTEGRITY,
  A.STUN_ATTR_ERROR_CODE,
  A.STUN_ATTR_UNKNOWN_ATTRIBUTES,
  A.STUN_ATTR_CHANNEL_NUMBER,
  A.STUN_ATTR_LIFETIME,
  A.STUN_ATTR_XOR_PEER_ADDRESS,
  A.STUN_ATTR_DATA,
  A.STUN_ATTR_REALM,
  A.STUN_ATTR_NONCE,
  A.STUN_ATTR_XOR_RELAYED_ADDRESS,
  A.STUN_ATTR_XOR_MAPPED_ADDRESS,
  A.STUN_ATTR_PRIORITY,
  A.STUN_ATTR_USE_CANDIDATE,
]);

/** Returned by {@link decodeCheck} for a message with attributes it leaves to the general decoder. */
export const FALLBACK = Symbol('fallback');

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The attributes {@link decodeCheck} reads, each with a bit of its own. */
const CHECK_ATTRIBUTES = new Map<number, number>([
  [A.STUN_ATTR_USERNAME, 1],
  [A.STUN_ATTR_PRIORITY, 2],
  [A.STUN_ATTR_USE_CANDIDATE, 4],
  [A.STUN_ATTR_ICE_CONTROLLING, 8],
  [A.STUN_ATTR_ICE_CONTROLLED, 16],
  [A.STUN_ATTR_MESSAGE_INTEGRITY, 32],
  [A.STUN_ATTR_FINGERPRINT, 64],
  [A.STUN_ATTR_NOMINATION, 128],
  [A.STUN_ATTR_XOR_MAPPED_ADDRESS, 256],
]);

/**
 * Decodes a Binding request or Binding success response (`type`) that passed
 * `scanStun` (so every TLV fits) when it carries only what a connectivity
 * check or its answer carries (USERNAME, PRIORITY, USE-CANDIDATE, NOMINATION,
 * ICE-CONTROLLING/ICE-CONTROLLED, XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY,
 * FINGERPRINT, unknown or comprehension-optional attributes). Only the first
 * of each attribute counts; after MESSAGE-INTEGRITY only FINGERPRINT does.
 * {@link FALLBACK} when another understood comprehension-required attribute
 * comes before MESSAGE-INTEGRITY; undefined when one of these is malformed.
 */
export function decodeCheck(data: Uint8Array, type: number): StunMessageView | undefined | typeof FALLBACK {
  const view: Writable<StunMessageView> = {
    cls: type === BINDING_SUCCESS ? 'success' : 'request',
    method: 1,
    // A copy, as the general path gives: a Buffer for responses (stun's), a Uint8Array for checks.
    transactionId:
      type === BINDING_SUCCESS
        ? Buffer.from(data.subarray(8, 20))
        : Uint8Array.prototype.slice.call(data, 8, 20),
    raw: data,
    useCandidate: false,
    hasIntegrity: false,
    hasFingerprint: false,
    unknownComprehensionRequired: [],
  };
  let unknown: number[] | undefined;
  let seen = 0; // bits of the attributes met so far: only the first of each counts
  for (let offset = 20; offset < data.length; ) {
    const attributeType = readUint16(data, offset);
    const length = readUint16(data, offset + 2);
    const value = offset + 4;
    offset = value + ((length + 3) & ~3);
    if (view.hasFingerprint) break; // nothing counts after FINGERPRINT
    if (view.hasIntegrity && attributeType !== A.STUN_ATTR_FINGERPRINT) continue; // RFC 8489 §14.5
    const bit = CHECK_ATTRIBUTES.get(attributeType);
    if (bit === undefined) {
      if (attributeType >= 0x8000) continue; // comprehension-optional: ignored
      if (UNDERSTOOD.has(attributeType)) return FALLBACK;
      unknown ??= [];
      if (!unknown.includes(attributeType)) unknown.push(attributeType);
      continue;
    }
    if ((seen & bit) !== 0) continue;
    seen |= bit;
    if (!readCheckAttribute(view, data, attributeType, value, length)) return undefined;
  }
  if (unknown !== undefined) view.unknownComprehensionRequired = unknown;
  return view;
}

/** One attribute of {@link CHECK_ATTRIBUTES} into the view; false when its value is malformed. */
function readCheckAttribute(
  view: Writable<StunMessageView>,
  data: Uint8Array,
  type: number,
  value: number,
  length: number,
): boolean {
  switch (type) {
    case A.STUN_ATTR_USERNAME:
      view.username = asBuffer(data).toString('utf8', value, value + length);
      return true;
    case A.STUN_ATTR_PRIORITY:
      view.priority = readUint32(data, value);
      return length === 4;
    case A.STUN_ATTR_USE_CANDIDATE:
      view.useCandidate = true;
      return length === 0;
    case A.STUN_ATTR_NOMINATION:
      view.nomination = readUint32(data, value);
      return length === 4;
    case A.STUN_ATTR_ICE_CONTROLLING:
    case A.STUN_ATTR_ICE_CONTROLLED: {
      if (length !== 8) return false;
      const tieBreaker = (BigInt(readUint32(data, value)) << 32n) | BigInt(readUint32(data, value + 4));
      if (type === A.STUN_ATTR_ICE_CONTROLLING) view.iceControlling = tieBreaker;
      else view.iceControlled = tieBreaker;
      return true;
    }
    case A.STUN_ATTR_XOR_MAPPED_ADDRESS: {
      const address = xorAddressAt(data, value, length);
      if (address === undefined) return false;
      view.xorMappedAddress = address;
      return true;
    }
    case A.STUN_ATTR_MESSAGE_INTEGRITY:
      view.hasIntegrity = true;
      return length === 20;
    case A.STUN_ATTR_FINGERPRINT:
      view.hasFingerprint = true;
      return length === 4;
    default:
      return true;
  }
}

/**
 * An XOR-*-ADDRESS value at `valueOffset` (RFC 8489 §14.2): family 1 with 4
 * address bytes XORed with the magic cookie, or family 2 with 16 bytes XORed
 * with the cookie and the transaction ID; undefined for anything else. IPv6
 * comes out in Node's own (RFC 5952) text form, the one in `rinfo`.
 */
export function xorAddressAt(data: Uint8Array, valueOffset: number, length: number): StunAddress | undefined {
  const family = data[valueOffset + 1];
  const port = readUint16(data, valueOffset + 2) ^ 0x2112;
  // The XOR mask: magic cookie (bytes 4–7 of the header), then the transaction ID (bytes 8–19).
  const unmask = (i: number): number => (data[valueOffset + 4 + i] as number) ^ (data[4 + i] as number);
  if (family === 1 && length === 8) {
    return { address: `${unmask(0)}.${unmask(1)}.${unmask(2)}.${unmask(3)}`, port };
  }
  if (family === 2 && length === 20) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((unmask(i) << 8) | unmask(i + 1)).toString(16));
    return { address: new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address, port };
  }
  return undefined;
}
