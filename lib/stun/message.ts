/**
 * STUN messages for ICE and TURN: decoding to a flat {@link StunMessageView}
 * and building ready-to-send datagrams. `stun` (nodertc/stun, as its maintained fork
 * `@msimerson/stun`) is the codec;
 * this module validates around it and corrects what it gets wrong (each
 * correction says why). Demultiplexing and integrity checks over raw bytes
 * (raw.ts) and builders (build.ts) are re-exported here.
 */
import type { StunAttribute } from 'stun';
import stun from 'stun';
import {
  BINDING_REQUEST,
  BINDING_SUCCESS,
  decodeCheck,
  FALLBACK,
  UNDERSTOOD,
  xorAddressAt,
} from './check-decode.js';
import { asBuffer, attributeOffsets, readUint16, scanStun } from './raw.js';
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
  if (scan.type === BINDING_REQUEST || scan.type === BINDING_SUCCESS) {
    const check = decodeCheck(data, scan.type);
    if (check !== FALLBACK) return check;
  }
  return decodeWithStun(data);
}

/**
 * The general path of {@link decodeStun}: the message decoded by `stun`, then
 * read into the view with the same rules. Exported for the property test that
 * holds the hand decoder of checks to it (spec/stun-decoders.spec.ts); use
 * {@link decodeStun}.
 * @internal
 */
export function decodeWithStun(data: Uint8Array): StunMessageView | undefined {
  if (scanStun(data) === undefined) return undefined;
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
 * Decodes an XOR-*-ADDRESS from its raw value ({@link xorAddressAt}); anything
 * but IPv4 or IPv6 of the right length is malformed. stun parses the attribute
 * before it has read the transaction ID, so its IPv6 addresses come out XORed
 * with zeros (pinned in spec/stun.spec.ts); its port and IPv4 are right but
 * read from the bytes too.
 */
function xorAddress(
  attribute: StunAttribute,
  data: Uint8Array,
  valueOffset: number,
  length: number,
): StunAddress {
  if (attribute.valueType !== XOR_ADDRESS) throw MALFORMED;
  const address = xorAddressAt(data, valueOffset, length);
  if (address === undefined) throw MALFORMED;
  return address;
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
