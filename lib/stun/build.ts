/**
 * Ready-to-send STUN datagrams, encoded by `stun` (createMessage, addAttribute,
 * addMessageIntegrity, addFingerprint). Arguments are validated here because
 * stun silently encodes zero for an out-of-range number, an empty value for a
 * `Uint8Array`, an all-zero transaction ID for a `Uint8Array` ID, and drops
 * over-long error reasons.
 */
import { createHmac, type KeyObject, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { crc32 } from 'node:zlib';
import type { StunAttribute, StunRequest } from 'stun';
import stun from 'stun';
import { InvalidArgumentError } from '../errors.js';
import { asBuffer } from './raw.js';
import { type StunAddress, type StunClass, StunMethod } from './types.js';

const A = stun.constants;

/**
 * One attribute to encode. `channelNumber` is the bare number (0x4000–0x4FFF);
 * `requestedTransport` the IP protocol number (17 for UDP); tie-breakers are
 * 64-bit unsigned; realm, nonce, software and error reasons are under 128
 * characters; a username is at most 512 UTF-8 bytes.
 */
export type StunAttributeSpec =
  | { readonly kind: 'username' | 'realm' | 'nonce' | 'software'; readonly value: string }
  | {
      readonly kind: 'priority' | 'lifetime' | 'channelNumber' | 'requestedTransport' | 'nomination';
      readonly value: number;
    }
  | { readonly kind: 'iceControlling' | 'iceControlled'; readonly value: bigint }
  | { readonly kind: 'useCandidate' | 'dontFragment' }
  | {
      readonly kind: 'xorMappedAddress' | 'xorPeerAddress' | 'xorRelayedAddress';
      readonly value: StunAddress;
    }
  | { readonly kind: 'data'; readonly value: Uint8Array }
  | { readonly kind: 'errorCode'; readonly value: { readonly code: number; readonly reason: string } }
  | { readonly kind: 'unknownAttributes'; readonly value: readonly number[] };

/** Everything {@link buildStunMessage} needs. */
export interface StunMessageSpec {
  /** 12-bit method, e.g. `StunMethod.Allocate`. */
  readonly method: number;
  readonly cls: StunClass;
  /** 12 bytes; random when omitted. */
  readonly transactionId?: Uint8Array;
  /** In wire order; one of each kind (stun encodes one attribute per type). */
  readonly attributes: readonly StunAttributeSpec[];
  /** Appends MESSAGE-INTEGRITY (HMAC-SHA1) under this key. */
  readonly integrity?: { readonly key: KeyObject };
  /** Appends FINGERPRINT (after MESSAGE-INTEGRITY). */
  readonly fingerprint?: boolean;
}

/** A request datagram and the transaction ID to match its response with. */
export interface BuiltRequest {
  readonly transactionId: Uint8Array;
  readonly bytes: Buffer;
}

const ATTRIBUTE_TYPES: Record<StunAttributeSpec['kind'], number> = {
  username: A.STUN_ATTR_USERNAME,
  realm: A.STUN_ATTR_REALM,
  nonce: A.STUN_ATTR_NONCE,
  software: A.STUN_ATTR_SOFTWARE,
  priority: A.STUN_ATTR_PRIORITY,
  lifetime: A.STUN_ATTR_LIFETIME,
  channelNumber: A.STUN_ATTR_CHANNEL_NUMBER,
  requestedTransport: A.STUN_ATTR_REQUESTED_TRANSPORT,
  iceControlling: A.STUN_ATTR_ICE_CONTROLLING,
  iceControlled: A.STUN_ATTR_ICE_CONTROLLED,
  useCandidate: A.STUN_ATTR_USE_CANDIDATE,
  nomination: A.STUN_ATTR_NOMINATION,
  dontFragment: A.STUN_ATTR_DONT_FRAGMENT,
  xorMappedAddress: A.STUN_ATTR_XOR_MAPPED_ADDRESS,
  xorPeerAddress: A.STUN_ATTR_XOR_PEER_ADDRESS,
  xorRelayedAddress: A.STUN_ATTR_XOR_RELAYED_ADDRESS,
  data: A.STUN_ATTR_DATA,
  errorCode: A.STUN_ATTR_ERROR_CODE,
  unknownAttributes: A.STUN_ATTR_UNKNOWN_ATTRIBUTES,
};

const CLASS_BITS: Record<StunClass, number> = { request: 0b00, indication: 0b01, success: 0b10, error: 0b11 };

/** Transaction IDs drawn from the system's CSPRNG per refill: one call per 256 IDs instead of one each. */
const ID_POOL_SIZE = 12 * 256;
let idPool = Buffer.alloc(0);
let idPoolAt = 0;

/** A fresh random 12-byte transaction ID (a copy: never shared with another). */
export function newTransactionId(): Uint8Array {
  if (idPoolAt + 12 > idPool.length) {
    idPool = randomBytes(ID_POOL_SIZE);
    idPoolAt = 0;
  }
  const id = Buffer.from(idPool.subarray(idPoolAt, idPoolAt + 12));
  idPool.fill(0, idPoolAt, idPoolAt + 12); // handed out: not kept around
  idPoolAt += 12;
  return id;
}

/**
 * Encodes a STUN message. Throws `InvalidArgumentError` for a method outside
 * 0–0xFFF, a transaction ID that is not 12 bytes, an attribute value out of
 * range, or a kind given twice.
 */
export function buildStunMessage(o: StunMessageSpec): Buffer {
  const transactionId = o.transactionId ?? newTransactionId();
  if (transactionId.length !== 12) throw new InvalidArgumentError('transactionId must be 12 bytes');
  const message = stun.createMessage(messageType(o.method, o.cls), asBuffer(transactionId));
  for (const attribute of o.attributes) {
    if (addAttribute(message, attribute) === undefined) {
      throw new InvalidArgumentError(`${attribute.kind} given twice: stun encodes one attribute per type`);
    }
  }
  if (o.integrity !== undefined && !message.addMessageIntegrity(o.integrity.key)) {
    throw new InvalidArgumentError('MESSAGE-INTEGRITY could not be added');
  }
  if (o.fingerprint === true) message.addFingerprint();
  return message.toBuffer();
}

/**
 * An ICE connectivity check (RFC 8445 §7.1.1): Binding request with USERNAME
 * (`remoteUfrag:localUfrag`), PRIORITY, ICE-CONTROLLING or ICE-CONTROLLED,
 * USE-CANDIDATE when nominating, NOMINATION (the renomination counter, when
 * both sides agreed on renomination), MESSAGE-INTEGRITY under the remote
 * password's key, FINGERPRINT.
 */
export function buildBindingRequest(o: {
  transactionId?: Uint8Array;
  username: string;
  key: KeyObject;
  priority: number;
  role: 'controlling' | 'controlled';
  tieBreaker: bigint;
  useCandidate?: boolean;
  /** NOMINATION value (draft-thatcher-ice-renomination): the controlling side's nomination counter. */
  nomination?: number;
}): BuiltRequest {
  const transactionId = o.transactionId ?? newTransactionId();
  if (transactionId.length !== 12) throw new InvalidArgumentError('transactionId must be 12 bytes');
  const username = utf8(o.username, 'username', 512);
  const priority = integer(o.priority, 'priority', 0, 0xffffffff);
  if (typeof o.tieBreaker !== 'bigint' || o.tieBreaker < 0n || o.tieBreaker > 0xffffffffffffffffn) {
    throw new InvalidArgumentError(
      `${o.role === 'controlling' ? 'iceControlling' : 'iceControlled'} must be a 64-bit unsigned bigint`,
    );
  }
  const nomination =
    o.nomination === undefined ? undefined : integer(o.nomination, 'nomination', 0, 0xffffffff);
  // The hot path (every check and consent check): written in place, in the order
  // stun would encode it (USERNAME, PRIORITY, ICE-CONTROLLING/ICE-CONTROLLED,
  // USE-CANDIDATE, NOMINATION, MESSAGE-INTEGRITY, FINGERPRINT), zero padding.
  const padded = (username.length + 3) & ~3;
  const attributesEnd =
    20 + 4 + padded + 8 + 12 + (o.useCandidate === true ? 4 : 0) + (nomination === undefined ? 0 : 8);
  const data = Buffer.allocUnsafe(attributesEnd + 24 + 8);
  writeHeader(data, BINDING_REQUEST, transactionId);
  data.writeUInt16BE(A.STUN_ATTR_USERNAME, 20);
  data.writeUInt16BE(username.length, 22);
  username.copy(data, 24);
  data.fill(0, 24 + username.length, 24 + padded);
  let at = 24 + padded;
  data.writeUInt32BE(0x00240004, at); // PRIORITY, 4 bytes
  data.writeUInt32BE(priority, at + 4);
  data.writeUInt16BE(
    o.role === 'controlling' ? A.STUN_ATTR_ICE_CONTROLLING : A.STUN_ATTR_ICE_CONTROLLED,
    at + 8,
  );
  data.writeUInt16BE(8, at + 10);
  data.writeBigUInt64BE(o.tieBreaker, at + 12);
  at += 20;
  if (o.useCandidate === true) {
    data.writeUInt32BE(0x00250000, at); // USE-CANDIDATE, empty
    at += 4;
  }
  if (nomination !== undefined) {
    data.writeUInt32BE(0xc0010004, at); // NOMINATION, 4 bytes
    data.writeUInt32BE(nomination, at + 4);
    at += 8;
  }
  return { transactionId, bytes: finishMessage(data, at, o.key) };
}

/**
 * A Binding success response to a connectivity check (RFC 8445 §7.3.1.1):
 * XOR-MAPPED-ADDRESS (the request's source, IPv4 or IPv6), MESSAGE-INTEGRITY
 * under the local password's key, FINGERPRINT.
 */
export function buildBindingSuccess(o: {
  transactionId: Uint8Array;
  mapped: StunAddress;
  key: KeyObject;
}): Buffer {
  const ipv4 = o.transactionId.length === 12 ? ipv4Bytes(o.mapped.address) : undefined;
  if (ipv4 === undefined || !Number.isInteger(o.mapped.port) || o.mapped.port < 0 || o.mapped.port > 0xffff) {
    return buildStunMessage({
      method: StunMethod.Binding,
      cls: 'success',
      transactionId: o.transactionId,
      attributes: [{ kind: 'xorMappedAddress', value: o.mapped }],
      integrity: { key: o.key },
      fingerprint: true,
    });
  }
  // The hot path (one per answered check): written in place, no generic encoder.
  const data = Buffer.allocUnsafe(SUCCESS_IPV4_LENGTH);
  writeHeader(data, BINDING_SUCCESS, o.transactionId);
  data.writeUInt32BE(0x00200008, 20); // XOR-MAPPED-ADDRESS, 8 bytes
  data.writeUInt16BE(0x0001, 24); // reserved, family IPv4
  data.writeUInt16BE(o.mapped.port ^ 0x2112, 26);
  data.writeUInt32BE((ipv4 ^ MAGIC_COOKIE) >>> 0, 28);
  return finishMessage(data, 32, o.key);
}

/**
 * A Binding error response: ERROR-CODE (400 Bad Request, 401 Unauthorized,
 * 420 Unknown Attribute with `unknownAttributes`, 487 Role Conflict, ...),
 * MESSAGE-INTEGRITY when `key` is given (not for 400/401, RFC 8489 §6.3.1.1),
 * FINGERPRINT.
 */
export function buildBindingError(o: {
  transactionId: Uint8Array;
  code: number;
  reason: string;
  key?: KeyObject;
  unknownAttributes?: readonly number[];
}): Buffer {
  if (o.unknownAttributes === undefined && o.transactionId.length === 12) {
    const prebuilt = ERROR_ATTRIBUTES.get(`${o.code} ${o.reason}`);
    if (prebuilt !== undefined) {
      // 400/401/487 answers: header + a prebuilt ERROR-CODE, then integrity and fingerprint in place.
      const length = 20 + prebuilt.length + (o.key === undefined ? 0 : 24) + 8;
      const data = Buffer.allocUnsafe(length);
      writeHeader(data, BINDING_ERROR, o.transactionId);
      prebuilt.copy(data, 20);
      return finishMessage(data, 20 + prebuilt.length, o.key);
    }
  }
  const attributes: StunAttributeSpec[] = [{ kind: 'errorCode', value: { code: o.code, reason: o.reason } }];
  if (o.unknownAttributes !== undefined)
    attributes.push({ kind: 'unknownAttributes', value: o.unknownAttributes });
  return buildStunMessage({
    method: StunMethod.Binding,
    cls: 'error',
    transactionId: o.transactionId,
    attributes,
    integrity: o.key === undefined ? undefined : { key: o.key },
    fingerprint: true,
  });
}

/** A Binding indication with only FINGERPRINT: the ICE keepalive (RFC 8445 §11). */
export function buildBindingIndication(transactionId?: Uint8Array): Buffer {
  return buildStunMessage({
    method: StunMethod.Binding,
    cls: 'indication',
    transactionId,
    attributes: [],
    fingerprint: true,
  });
}

/**
 * An unauthenticated Binding request for a STUN server (server-reflexive
 * gathering, RFC 8445 §5.1.1.2); FINGERPRINT only when asked for.
 */
export function buildPlainBindingRequest(
  transactionId: Uint8Array = newTransactionId(),
  options: { fingerprint?: boolean } = {},
): BuiltRequest {
  const bytes = buildStunMessage({
    method: StunMethod.Binding,
    cls: 'request',
    transactionId,
    attributes: [],
    fingerprint: options.fingerprint === true,
  });
  return { transactionId, bytes };
}

// --- responses written in place ---

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const BINDING_ERROR = 0x0111;
/** Header, XOR-MAPPED-ADDRESS (IPv4), MESSAGE-INTEGRITY, FINGERPRINT. */
const SUCCESS_IPV4_LENGTH = 20 + 12 + 24 + 8;
const FINGERPRINT_XOR = 0x5354554e;

/** ERROR-CODE attributes (RFC 8489 §14.8) of the error answers sent often, encoded once. */
const ERROR_ATTRIBUTES = new Map<string, Buffer>(
  (
    [
      [400, 'Bad Request'],
      [401, 'Unauthorized'],
      [487, 'Role Conflict'],
    ] as const
  ).map(([code, reason]) => {
    const text = Buffer.from(reason, 'utf8');
    const attribute = Buffer.alloc(4 + ((4 + text.length + 3) & ~3));
    attribute.writeUInt16BE(A.STUN_ATTR_ERROR_CODE, 0);
    attribute.writeUInt16BE(4 + text.length, 2);
    attribute.writeUInt8(Math.floor(code / 100), 6);
    attribute.writeUInt8(code % 100, 7);
    text.copy(attribute, 8);
    return [`${code} ${reason}`, attribute];
  }),
);

/** Message type, a zero length, magic cookie and transaction ID at the start of `data`. */
function writeHeader(data: Buffer, type: number, transactionId: Uint8Array): void {
  data.writeUInt16BE(type, 0);
  data.writeUInt16BE(0, 2);
  data.writeUInt32BE(MAGIC_COOKIE, 4);
  data.set(transactionId, 8);
}

/**
 * Appends MESSAGE-INTEGRITY (when `key` is given) and FINGERPRINT at
 * `offset`, where the attributes written so far end; `data` is exactly long
 * enough. The length field covers MESSAGE-INTEGRITY while the HMAC is taken
 * and the whole message while the CRC is (RFC 8489 §14.5, §14.7).
 */
function finishMessage(data: Buffer, offset: number, key: KeyObject | undefined): Buffer {
  let at = offset;
  if (key !== undefined) {
    data.writeUInt16BE(at + 24 - 20, 2);
    const mac = createHmac('sha1', key).update(data.subarray(0, at)).digest();
    data.writeUInt32BE(0x00080014, at); // MESSAGE-INTEGRITY, 20 bytes
    mac.copy(data, at + 4);
    at += 24;
  }
  data.writeUInt16BE(at + 8 - 20, 2);
  data.writeUInt32BE(0x80280004, at); // FINGERPRINT, 4 bytes
  data.writeUInt32BE((crc32(data.subarray(0, at)) ^ FINGERPRINT_XOR) >>> 0, at + 4);
  return data;
}

/** A dotted-quad IPv4 address as a 32-bit unsigned number, or undefined for anything else (IPv6 included). */
function ipv4Bytes(address: string): number | undefined {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 0x2e) {
      if (octet < 0 || ++dots > 3) return undefined;
      value = value * 256 + octet;
      octet = -1;
    } else if (c >= 0x30 && c <= 0x39) {
      if (octet === 0) return undefined; // no leading zeros
      octet = (octet < 0 ? 0 : octet * 10) + (c - 0x30);
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || octet < 0) return undefined;
  return value * 256 + octet;
}

/**
 * The 16-bit message type: class bits C1 C0 interleaved into the method
 * (RFC 8489 §5). stun has this (`createMessageType`) but does not export it.
 */
function messageType(method: number, cls: StunClass): number {
  if (!Number.isInteger(method) || method < 0 || method > 0xfff) {
    throw new InvalidArgumentError(`STUN method out of range: ${method}`);
  }
  const c = CLASS_BITS[cls];
  if (c === undefined) throw new InvalidArgumentError(`unknown STUN class: ${String(cls)}`);
  return (
    (method & 0x000f) | ((method & 0x0070) << 1) | ((method & 0x0f80) << 2) | ((c & 1) << 4) | ((c & 2) << 7)
  );
}

/** Adds one attribute through stun; undefined when that type is already present. */
function addAttribute(message: StunRequest, a: StunAttributeSpec): StunAttribute | undefined {
  const type = ATTRIBUTE_TYPES[a.kind];
  switch (a.kind) {
    case 'username':
      return message.addAttribute(type, utf8(a.value, a.kind, 512));
    case 'realm':
    case 'nonce':
    case 'software':
      return message.addAttribute(type, utf8(shortText(a.value, a.kind), a.kind, 763));
    case 'priority':
    case 'lifetime':
    case 'nomination':
      return message.addAttribute(type, integer(a.value, a.kind, 0, 0xffffffff));
    case 'channelNumber':
      // stun only knows CHANNEL-NUMBER as a 32-bit value: number in the top 16 bits, RFFU zero.
      return message.addAttribute(type, integer(a.value, a.kind, 0x4000, 0x4fff) * 0x10000);
    case 'requestedTransport':
      // Likewise: protocol in the top byte, RFFU zero (RFC 8656 §18.7).
      return message.addAttribute(type, integer(a.value, a.kind, 0, 0xff) * 0x1000000);
    case 'iceControlling':
    case 'iceControlled': {
      if (typeof a.value !== 'bigint' || a.value < 0n || a.value > 0xffffffffffffffffn) {
        throw new InvalidArgumentError(`${a.kind} must be a 64-bit unsigned bigint`);
      }
      const tieBreaker = Buffer.alloc(8);
      tieBreaker.writeBigUInt64BE(a.value);
      return message.addAttribute(type, tieBreaker);
    }
    case 'useCandidate':
    case 'dontFragment':
      return message.addAttribute(type);
    case 'xorMappedAddress':
    case 'xorPeerAddress':
    case 'xorRelayedAddress': {
      // STUN carries no IPv6 scope, and stun's address parser rejects one ("fe80::1%eth0").
      const address = String(a.value.address).replace(/%.*$/, '');
      if (isIP(address) === 0)
        throw new InvalidArgumentError(`${a.kind}: not an IP address: ${a.value.address}`);
      return message.addAttribute(type, address, integer(a.value.port, `${a.kind} port`, 0, 0xffff));
    }
    case 'data':
      if (!(a.value instanceof Uint8Array) || a.value.length > 0xffff) {
        throw new InvalidArgumentError('data must be a Uint8Array of at most 65535 bytes');
      }
      return message.addAttribute(type, asBuffer(a.value));
    case 'errorCode':
      return message.addAttribute(
        type,
        integer(a.value.code, 'error code', 300, 699),
        shortText(a.value.reason, 'error reason'),
      );
    case 'unknownAttributes':
      return message.addAttribute(
        type,
        a.value.map((t) => integer(t, 'unknown attribute type', 0, 0xffff)),
      );
  }
}

function integer(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${what} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** RFC 8489 text attributes: fewer than 128 characters (stun counts UTF-16 units, and drops long reasons). */
function shortText(value: string, what: string): string {
  if (typeof value !== 'string' || [...value].length >= 128) {
    throw new InvalidArgumentError(`${what} must be a string of fewer than 128 characters`);
  }
  return value;
}

function utf8(value: string, what: string, maxBytes: number): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : undefined;
  if (bytes === undefined || bytes.length > maxBytes) {
    throw new InvalidArgumentError(`${what} must be a string of at most ${maxBytes} UTF-8 bytes`);
  }
  return bytes;
}
