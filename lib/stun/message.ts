/**
 * STUN messages for ICE and TURN: decoding to a flat {@link StunMessageView}
 * and building ready-to-send datagrams. `stun` (nodertc/stun, as its maintained fork
 * `@msimerson/stun`) is the codec;
 * this module validates around it and corrects what it gets wrong (each
 * correction says why). Demultiplexing and integrity checks over raw bytes
 * (raw.ts) and builders (build.ts) are re-exported here.
 */
import { SocketAddress } from 'node:net';
import type { StunAttribute } from 'stun';
import stun from 'stun';
import { asBuffer, attributeOffsets, readUint16, readUint32, scanStun } from './raw.js';
import type { StunAddress, StunClass, StunMessageView } from './types.js';

export * from './build.js';
export {
  classifyPacket,
  isStunPacket,
  longTermKey,
  type PacketKind,
  shortTermKey,
  verifyFingerprint,
  verifyIntegrity,
} from './raw.js';

const A = stun.constants;

/** `valueType` of stun's attribute classes (its `attributeValueType` is not exported). */
const XOR_ADDRESS = 2;
const UINT32 = 3;
const BYTE_STRING = 4;
const ERROR_CODE = 5;

const CLASSES: readonly StunClass[] = ['request', 'indication', 'success', 'error'];

/**
 * Comprehension-required attributes (< 0x8000) this module understands or may
 * safely ignore. MAPPED-ADDRESS is superseded by XOR-MAPPED-ADDRESS, which
 * servers send alongside it.
 */
const UNDERSTOOD = new Set<number>([
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

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Thrown by the attribute readers; never escapes {@link decodeStun}. */
const MALFORMED = new Error('malformed STUN attribute');

/**
 * Decodes a datagram into a {@link StunMessageView}, or returns undefined
 * (never throws) when it is not one well-formed STUN message: shorter than a
 * header, first byte outside 0–3 (RFC 7983; so top two bits zero and methods
 * below 0x100), no magic cookie, header length not the datagram's
 * length minus 20 or not a multiple of 4, a truncated attribute, or a known
 * attribute with a malformed value. Only the first attribute of each type
 * counts, and attributes after MESSAGE-INTEGRITY other than FINGERPRINT are
 * ignored (RFC 8489 §14.5), so everything in the view is covered by the
 * integrity check. Integrity itself is not checked here: see
 * {@link verifyIntegrity}.
 */
export function decodeStun(data: Uint8Array): StunMessageView | undefined {
  const scan = scanStun(data);
  if (scan === undefined) return undefined;
  if (scan.type === BINDING_REQUEST) {
    const check = decodeCheck(data);
    if (check !== FALLBACK) return check;
  }
  const offsets = attributeOffsets(data);
  if (offsets === undefined) return undefined;
  try {
    const message = stun.decode(asBuffer(data));
    // stun exposes only the 16-bit type: split out the class bits C1 C0 and the method (RFC 8489 §5).
    const view: Writable<StunMessageView> = {
      cls: CLASSES[((message.type >> 7) & 2) | ((message.type >> 4) & 1)] as StunClass,
      method: (message.type & 0x000f) | ((message.type >> 1) & 0x0070) | ((message.type >> 2) & 0x0f80),
      transactionId: message.transactionId,
      raw: data,
      useCandidate: false,
      hasIntegrity: false,
      hasFingerprint: false,
      unknownComprehensionRequired: [],
    };
    const unknown: number[] = [];
    const seen = new Set<number>();
    let index = 0;
    for (const attribute of message) {
      const offset = offsets[index++];
      if (offset === undefined || readUint16(data, offset) !== attribute.type) return undefined;
      if (view.hasFingerprint || (view.hasIntegrity && attribute.type !== A.STUN_ATTR_FINGERPRINT)) continue;
      if (seen.has(attribute.type)) continue;
      seen.add(attribute.type);
      readAttribute(view, attribute, data, offset + 4, readUint16(data, offset + 2));
      if (attribute.type < 0x8000 && !UNDERSTOOD.has(attribute.type)) unknown.push(attribute.type);
    }
    if (index !== offsets.length) return undefined;
    view.unknownComprehensionRequired = unknown;
    return view;
  } catch {
    return undefined;
  }
}

const BINDING_REQUEST = 0x0001;

/** Returned by {@link decodeCheck} for a request with attributes it leaves to stun. */
const FALLBACK = Symbol('fallback');

/**
 * Decodes a Binding request that passed {@link scanStun} (so every TLV fits) without `stun`,
 * when it carries only what a connectivity check carries (USERNAME, PRIORITY,
 * USE-CANDIDATE, NOMINATION, ICE-CONTROLLING/ICE-CONTROLLED, MESSAGE-INTEGRITY,
 * FINGERPRINT, unknown or comprehension-optional attributes): the same view,
 * with the same rules, as the general path. {@link FALLBACK} when another
 * understood attribute comes before MESSAGE-INTEGRITY; undefined when one of
 * these is malformed.
 */
function decodeCheck(data: Uint8Array): StunMessageView | undefined | typeof FALLBACK {
  const view: Writable<StunMessageView> = {
    cls: 'request',
    method: 1,
    transactionId: Uint8Array.prototype.slice.call(data, 8, 20),
    raw: data,
    useCandidate: false,
    hasIntegrity: false,
    hasFingerprint: false,
    unknownComprehensionRequired: [],
  };
  let unknown: number[] | undefined;
  let seen = 0; // bits of the check attributes met so far: only the first of each counts
  for (let offset = 20; offset < data.length; ) {
    const type = readUint16(data, offset);
    const length = readUint16(data, offset + 2);
    const value = offset + 4;
    offset = value + ((length + 3) & ~3);
    if (view.hasFingerprint) break; // nothing counts after FINGERPRINT
    if (view.hasIntegrity && type !== A.STUN_ATTR_FINGERPRINT) continue; // RFC 8489 §14.5
    const bit = CHECK_ATTRIBUTES.get(type);
    if (bit === undefined) {
      if (type >= 0x8000) continue; // comprehension-optional: ignored
      if (UNDERSTOOD.has(type)) return FALLBACK;
      unknown ??= [];
      if (!unknown.includes(type)) unknown.push(type);
      continue;
    }
    if ((seen & bit) !== 0) continue;
    seen |= bit;
    switch (type) {
      case A.STUN_ATTR_USERNAME:
        view.username = asBuffer(data).toString('utf8', value, value + length);
        break;
      case A.STUN_ATTR_PRIORITY:
        if (length !== 4) return undefined;
        view.priority = readUint32(data, value);
        break;
      case A.STUN_ATTR_USE_CANDIDATE:
        if (length !== 0) return undefined;
        view.useCandidate = true;
        break;
      case A.STUN_ATTR_NOMINATION:
        if (length !== 4) return undefined;
        view.nomination = readUint32(data, value);
        break;
      case A.STUN_ATTR_ICE_CONTROLLING:
      case A.STUN_ATTR_ICE_CONTROLLED: {
        if (length !== 8) return undefined;
        const tieBreaker = (BigInt(readUint32(data, value)) << 32n) | BigInt(readUint32(data, value + 4));
        if (type === A.STUN_ATTR_ICE_CONTROLLING) view.iceControlling = tieBreaker;
        else view.iceControlled = tieBreaker;
        break;
      }
      case A.STUN_ATTR_MESSAGE_INTEGRITY:
        if (length !== 20) return undefined;
        view.hasIntegrity = true;
        break;
      case A.STUN_ATTR_FINGERPRINT:
        if (length !== 4) return undefined;
        view.hasFingerprint = true;
        break;
    }
  }
  if (unknown !== undefined) view.unknownComprehensionRequired = unknown;
  return view;
}

/** The attributes of a connectivity check {@link decodeCheck} reads, each with a bit of its own. */
const CHECK_ATTRIBUTES = new Map<number, number>([
  [A.STUN_ATTR_USERNAME, 1],
  [A.STUN_ATTR_PRIORITY, 2],
  [A.STUN_ATTR_USE_CANDIDATE, 4],
  [A.STUN_ATTR_ICE_CONTROLLING, 8],
  [A.STUN_ATTR_ICE_CONTROLLED, 16],
  [A.STUN_ATTR_MESSAGE_INTEGRITY, 32],
  [A.STUN_ATTR_FINGERPRINT, 64],
  [A.STUN_ATTR_NOMINATION, 128],
]);

/** Copies one attribute into the view, correcting stun's decoding where needed. */
function readAttribute(
  view: Writable<StunMessageView>,
  attribute: StunAttribute,
  data: Uint8Array,
  valueOffset: number,
  length: number,
): void {
  switch (attribute.type) {
    case A.STUN_ATTR_USERNAME:
      view.username = bytes(attribute).toString('utf8');
      return;
    case A.STUN_ATTR_REALM:
      view.realm = bytes(attribute).toString('utf8');
      return;
    case A.STUN_ATTR_NONCE:
      view.nonce = bytes(attribute).toString('utf8');
      return;
    case A.STUN_ATTR_DATA:
      view.data = bytes(attribute);
      return;
    case A.STUN_ATTR_PRIORITY:
      view.priority = uint32(attribute, length);
      return;
    case A.STUN_ATTR_LIFETIME:
      view.lifetime = uint32(attribute, length);
      return;
    case A.STUN_ATTR_CHANNEL_NUMBER:
      // stun decodes the whole 32 bits; the number is the top 16, the rest RFFU (RFC 8656 §18.1).
      view.channelNumber = uint32(attribute, length) >>> 16;
      return;
    case A.STUN_ATTR_USE_CANDIDATE:
      if (length !== 0) throw MALFORMED;
      view.useCandidate = true;
      return;
    case A.STUN_ATTR_NOMINATION:
      view.nomination = uint32(attribute, length);
      return;
    case A.STUN_ATTR_ICE_CONTROLLING:
      view.iceControlling = tieBreaker(attribute, length);
      return;
    case A.STUN_ATTR_ICE_CONTROLLED:
      view.iceControlled = tieBreaker(attribute, length);
      return;
    case A.STUN_ATTR_XOR_MAPPED_ADDRESS:
      view.xorMappedAddress = xorAddress(attribute, data, valueOffset, length);
      return;
    case A.STUN_ATTR_XOR_RELAYED_ADDRESS:
      view.xorRelayedAddress = xorAddress(attribute, data, valueOffset, length);
      return;
    case A.STUN_ATTR_XOR_PEER_ADDRESS:
      view.xorPeerAddress = xorAddress(attribute, data, valueOffset, length);
      return;
    case A.STUN_ATTR_ERROR_CODE:
      view.errorCode = errorCode(attribute, data, valueOffset, length);
      return;
    case A.STUN_ATTR_MESSAGE_INTEGRITY:
      if (length !== 20) throw MALFORMED;
      view.hasIntegrity = true;
      return;
    case A.STUN_ATTR_FINGERPRINT:
      if (length !== 4) throw MALFORMED;
      view.hasFingerprint = true;
      return;
  }
}

/** The value of a byte-string attribute (stun leaves it null when empty). */
function bytes(attribute: StunAttribute): Buffer {
  if (attribute.valueType !== BYTE_STRING) throw MALFORMED;
  return attribute.value ?? Buffer.alloc(0);
}

/** stun ignores bytes past the 4th and throws on fewer: insist on exactly 4. */
function uint32(attribute: StunAttribute, length: number): number {
  if (attribute.valueType !== UINT32 || length !== 4) throw MALFORMED;
  return attribute.value;
}

/** stun keeps ICE-CONTROLLING/ICE-CONTROLLED as raw bytes; they are a 64-bit unsigned integer. */
function tieBreaker(attribute: StunAttribute, length: number): bigint {
  if (length !== 8) throw MALFORMED;
  return bytes(attribute).readBigUInt64BE(0);
}

/**
 * Decodes an XOR-*-ADDRESS from its raw value (RFC 8489 §14.2): family 1 with
 * 4 address bytes XORed with the magic cookie, or family 2 with 16 bytes XORed
 * with the cookie and the transaction ID; anything else is malformed. stun
 * parses the attribute before it has read the transaction ID, so its IPv6
 * addresses come out XORed with zeros (pinned in spec/stun.spec.ts); its
 * port and IPv4 are right but read here too. IPv6 is given in Node's own
 * (RFC 5952) text form, the one in `rinfo`.
 */
function xorAddress(
  attribute: StunAttribute,
  data: Uint8Array,
  valueOffset: number,
  length: number,
): StunAddress {
  if (attribute.valueType !== XOR_ADDRESS) throw MALFORMED;
  const family = data[valueOffset + 1];
  const port = readUint16(data, valueOffset + 2) ^ 0x2112;
  // The XOR mask: magic cookie (bytes 4–7 of the header), then the transaction ID (bytes 8–19).
  const unmask = (i: number): number => (data[valueOffset + 4 + i] as number) ^ (data[4 + i] as number);
  if (family === 1 && length === 8) {
    return { address: [0, 1, 2, 3].map(unmask).join('.'), port };
  }
  if (family === 2 && length === 20) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((unmask(i) << 8) | unmask(i + 1)).toString(16));
    return { address: new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address, port };
  }
  throw MALFORMED;
}

/**
 * ERROR-CODE from the raw value (RFC 8489 §14.8), so a class outside 3–6 or a
 * number over 99 is malformed (stun 2.1.0 also decoded 401 as 404); keep
 * stun's reason.
 */
function errorCode(
  attribute: StunAttribute,
  data: Uint8Array,
  valueOffset: number,
  length: number,
): { code: number; reason: string } {
  if (attribute.valueType !== ERROR_CODE || length < 4) throw MALFORMED;
  const errorClass = (data[valueOffset + 2] as number) & 0x07;
  const number = data[valueOffset + 3] as number;
  if (errorClass < 3 || errorClass > 6 || number > 99) throw MALFORMED;
  return { code: errorClass * 100 + number, reason: attribute.reason };
}
