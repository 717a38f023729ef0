/**
 * Work on the datagram bytes as received, before (or instead of) decoding
 * with `stun`: demultiplexing, framing, MESSAGE-INTEGRITY and FINGERPRINT.
 *
 * Hand-written because `stun` has no demultiplexer, does not check the header
 * against the datagram, throws attribute offsets away, and its
 * `validateMessageIntegrity` / `validateFingerprint` re-encode the decoded
 * message and check that: the re-encoding pads with zeros, so any sender that
 * pads otherwise (RFC 5769 pads USERNAME with 0x20, which RFC 8489 §14 allows)
 * fails. They also accept MESSAGE-INTEGRITY anywhere in the message and
 * compare the HMAC in variable time.
 */
import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/** STUN header length (RFC 8489 §5). */
export const STUN_HEADER_LENGTH = 20;

/** What an incoming datagram is, by its first byte (RFC 7983 §7, RFC 8656 §12). */
export type PacketKind = 'stun' | 'zrtp' | 'dtls' | 'turn-channel' | 'rtp' | 'other';

/**
 * Demultiplexes a datagram by its first byte (RFC 7983): 0–3 STUN, 16–19
 * ZRTP, 20–63 DTLS, 64–79 TURN ChannelData (RFC 7983bis / RFC 8656 channel
 * numbers 0x4000–0x4FFF), 128–191 RTP/RTCP; anything else, and an empty
 * datagram, is `'other'`. Looks at one byte; never decodes.
 */
export function classifyPacket(data: Uint8Array): PacketKind {
  const first = data[0];
  if (first === undefined) return 'other';
  if (first < 4) return 'stun';
  if (first < 16) return 'other';
  if (first < 20) return 'zrtp';
  if (first < 64) return 'dtls';
  if (first < 80) return 'turn-channel';
  if (first < 128) return 'other';
  if (first < 192) return 'rtp';
  return 'other';
}

/**
 * Cheap hot-path test that a datagram is an RFC 5389/8489 STUN message: first
 * byte 0–3 (top two bits zero), at least a header, and the magic cookie
 * 0x2112A442 at bytes 4–7. Allocation-free; does not look at the length field.
 */
export function isStunPacket(data: Uint8Array): boolean {
  return (
    data.length >= STUN_HEADER_LENGTH &&
    (data[0] as number) < 4 &&
    data[4] === 0x21 &&
    data[5] === 0x12 &&
    data[6] === 0xa4 &&
    data[7] === 0x42
  );
}

/**
 * {@link isStunPacket}, plus the header's message length equals the bytes
 * after the header and is a multiple of 4 (RFC 8489 §5): the datagram holds
 * exactly one message.
 */
export function isStunFramed(data: Uint8Array): boolean {
  if (!isStunPacket(data)) return false;
  const length = readUint16(data, 2);
  return length === data.length - STUN_HEADER_LENGTH && (length & 3) === 0;
}

/** {@link isStunFramed} and a Binding request (type 0x0001): a connectivity or consent check. */
export function isBindingRequest(data: Uint8Array): boolean {
  return isStunFramed(data) && data[0] === 0x00 && data[1] === 0x01;
}

/** Big-endian 16-bit read; the caller has checked the bounds. */
export function readUint16(data: Uint8Array, offset: number): number {
  return ((data[offset] as number) << 8) | (data[offset + 1] as number);
}

/** Big-endian 32-bit read (unsigned); the caller has checked the bounds. */
export function readUint32(data: Uint8Array, offset: number): number {
  return readUint16(data, offset) * 0x10000 + readUint16(data, offset + 2);
}

/**
 * Offset just past the attribute whose TLV header is at `offset` (value plus
 * padding to 4 bytes), or -1 when it does not fit in `data`.
 */
export function attributeEnd(data: Uint8Array, offset: number): number {
  if (offset + 4 > data.length) return -1;
  const end = offset + 4 + ((readUint16(data, offset + 2) + 3) & ~3);
  return end <= data.length ? end : -1;
}

/**
 * Offset of the TLV header of the first attribute of `type` in a framed
 * message (see {@link isStunFramed}); -1 when there is none or when any
 * attribute, before or after it, runs past the end of the message.
 */
export function findAttribute(data: Uint8Array, type: number): number {
  let found = -1;
  for (let offset = STUN_HEADER_LENGTH; offset < data.length; ) {
    const end = attributeEnd(data, offset);
    if (end < 0) return -1;
    if (found < 0 && readUint16(data, offset) === type) found = offset;
    offset = end;
  }
  return found;
}

/** TLV header offsets of every attribute of a framed message, or undefined if one is truncated. */
export function attributeOffsets(data: Uint8Array): number[] | undefined {
  const offsets: number[] = [];
  for (let offset = STUN_HEADER_LENGTH; offset < data.length; ) {
    const end = attributeEnd(data, offset);
    if (end < 0) return undefined;
    offsets.push(offset);
    offset = end;
  }
  return offsets;
}

// --- the raw scan: framing, limits and the offsets integrity needs, before any decoding ---

/**
 * Most attributes a STUN message may carry before it is dropped unread. An
 * ICE check has 6 or 7, a TURN message about a dozen; the limit makes a
 * 64 KiB message of 16k empty attributes as cheap to drop as a header.
 */
export const MAX_STUN_ATTRIBUTES = 40;

/**
 * Largest STUN request accepted, bytes. Checks and TURN requests fit easily
 * (a check with 256-character ufrags is under 700 bytes; RFC 8489 §6.1 keeps
 * requests under the path MTU); larger requests are dropped before any work.
 * Indications and responses are not limited (TURN Data indications carry up
 * to 64 KiB of data).
 */
export const MAX_STUN_REQUEST_BYTES = 1500;

const USERNAME = 0x0006;

/**
 * Where the attributes that matter before decoding are, in a message that
 * passed {@link scanStun}: TLV header offsets, -1 when absent.
 */
export interface StunScan {
  /** 16-bit message type (class bits and method interleaved). */
  readonly type: number;
  /** Number of attributes. */
  readonly attributes: number;
  /** First USERNAME. */
  readonly username: number;
  /** First MESSAGE-INTEGRITY. */
  readonly integrity: number;
  /** First FINGERPRINT. */
  readonly fingerprint: number;
}

/** True for a request (class bits C1 C0 = 00) of any method. */
export function isRequestType(type: number): boolean {
  return (type & 0x0110) === 0;
}

/**
 * The cheap checks every STUN datagram passes before anything is decoded or
 * hashed: framed ({@link isStunFramed}), a request no larger than
 * {@link MAX_STUN_REQUEST_BYTES}, at most {@link MAX_STUN_ATTRIBUTES}
 * attributes, none truncated. Records the offsets of the first USERNAME,
 * MESSAGE-INTEGRITY and FINGERPRINT. Undefined when any check fails; never
 * throws, never allocates more than the result.
 */
export function scanStun(data: Uint8Array): StunScan | undefined {
  if (!isStunFramed(data)) return undefined;
  const type = readUint16(data, 0);
  if (isRequestType(type) && data.length > MAX_STUN_REQUEST_BYTES) return undefined;
  let attributes = 0;
  let username = -1;
  let integrity = -1;
  let fingerprint = -1;
  for (let offset = STUN_HEADER_LENGTH; offset < data.length; ) {
    if (++attributes > MAX_STUN_ATTRIBUTES) return undefined;
    const end = attributeEnd(data, offset);
    if (end < 0) return undefined;
    const attributeType = readUint16(data, offset);
    if (attributeType === USERNAME) {
      if (username < 0) username = offset;
    } else if (attributeType === MESSAGE_INTEGRITY) {
      if (integrity < 0) integrity = offset;
    } else if (attributeType === FINGERPRINT) {
      if (fingerprint < 0) fingerprint = offset;
    }
    offset = end;
  }
  return { type, attributes, username, integrity, fingerprint };
}

/** The USERNAME of a scanned message as UTF-8 text, or undefined when it has none. */
export function scannedUsername(data: Uint8Array, scan: StunScan): string | undefined {
  if (scan.username < 0) return undefined;
  const start = scan.username + 4;
  return asBuffer(data).toString('utf8', start, start + readUint16(data, scan.username + 2));
}

/**
 * {@link verifyIntegrity} for a message that passed {@link scanStun}: no
 * second walk over the attributes. False (never throws) when the message has
 * no MESSAGE-INTEGRITY, when it is not 20 bytes, when anything but a final
 * FINGERPRINT follows it, or when the HMAC differs.
 */
export function verifyScannedIntegrity(raw: Uint8Array, scan: StunScan, key: KeyObject): boolean {
  return scan.integrity >= 0 && integrityAt(raw, scan.integrity, key);
}

/** {@link verifyFingerprint} for a message that passed {@link scanStun}. */
export function verifyScannedFingerprint(raw: Uint8Array, scan: StunScan): boolean {
  return scan.fingerprint >= 0 && fingerprintAt(raw, scan.fingerprint);
}

/**
 * A view of `data` as a Buffer, without copying: stun needs Buffer methods and
 * silently ignores a plain Uint8Array where it expects a Buffer.
 */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

// --- MESSAGE-INTEGRITY and FINGERPRINT ---

const MESSAGE_INTEGRITY = 0x0008;
const FINGERPRINT = 0x8028;
const HMAC_SHA1_LENGTH = 20;
const FINGERPRINT_XOR = 0x5354554e;

/** Reused for the adjusted length field: HMAC `update` copies synchronously. */
const lengthField = Buffer.alloc(2);

/**
 * The short-term credential key (RFC 8489 §9.1.1): OpaqueString(password),
 * taken as its UTF-8 bytes (ICE passwords are ASCII `ice-char`s, for which
 * OpaqueString is the identity). Make it once per credential set.
 */
export function shortTermKey(password: string): KeyObject {
  return createSecretKey(Buffer.from(password, 'utf8'));
}

/**
 * The long-term credential key (RFC 8489 §9.2.2, MD5 algorithm):
 * MD5(username ":" realm ":" password) over UTF-8. Pass strings already
 * processed as the RFC asks (OpaqueString / SASLprep); this does not normalize.
 */
export function longTermKey(username: string, realm: string, password: string): KeyObject {
  return createSecretKey(createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest());
}

/**
 * True when `raw` is a framed STUN message whose first MESSAGE-INTEGRITY is
 * a valid HMAC-SHA1 under `key` (RFC 8489 §14.5). The HMAC input is the header
 * with its length field set to end just after MESSAGE-INTEGRITY, then the
 * received bytes up to that attribute. False (never throws) when the attribute
 * is absent or not 20 bytes, when anything but a final FINGERPRINT follows it,
 * when any attribute is truncated, or when the HMAC differs.
 */
export function verifyIntegrity(raw: Uint8Array, key: KeyObject): boolean {
  return isStunFramed(raw) && integrityAt(raw, findAttribute(raw, MESSAGE_INTEGRITY), key);
}

/** The HMAC check of the MESSAGE-INTEGRITY at TLV offset `offset` (-1: none) of a framed message. */
function integrityAt(raw: Uint8Array, offset: number, key: KeyObject): boolean {
  try {
    if (offset < 0 || readUint16(raw, offset + 2) !== HMAC_SHA1_LENGTH) return false;
    const end = offset + 4 + HMAC_SHA1_LENGTH;
    if (end !== raw.length && !isFinalFingerprint(raw, end)) return false;

    lengthField.writeUInt16BE(end - STUN_HEADER_LENGTH, 0);
    const expected = createHmac('sha1', key)
      .update(raw.subarray(0, 2))
      .update(lengthField)
      .update(raw.subarray(4, offset))
      .digest();
    return timingSafeEqual(expected, raw.subarray(offset + 4, end));
  } catch {
    // e.g. a KeyObject that is not a secret key
    return false;
  }
}

/**
 * True when `raw` is a framed STUN message ending in a FINGERPRINT equal to
 * CRC-32 of every byte before it XOR 0x5354554E (RFC 8489 §14.7). False (never
 * throws) when absent, not last, or wrong.
 */
export function verifyFingerprint(raw: Uint8Array): boolean {
  return isStunFramed(raw) && fingerprintAt(raw, findAttribute(raw, FINGERPRINT));
}

/** The CRC check of the FINGERPRINT at TLV offset `offset` (-1: none), which must end the message. */
function fingerprintAt(raw: Uint8Array, offset: number): boolean {
  if (offset < 0 || !isFinalFingerprint(raw, offset)) return false;
  return (crc32(raw.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0 === readUint32(raw, offset + 4);
}

/** A 4-byte FINGERPRINT attribute at `offset` that ends the message. */
function isFinalFingerprint(raw: Uint8Array, offset: number): boolean {
  return (
    offset + 8 === raw.length && readUint16(raw, offset) === FINGERPRINT && readUint16(raw, offset + 2) === 4
  );
}
