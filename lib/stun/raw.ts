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
  try {
    if (!isStunFramed(raw)) return false;
    const offset = findAttribute(raw, MESSAGE_INTEGRITY);
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
  if (!isStunFramed(raw)) return false;
  const offset = findAttribute(raw, FINGERPRINT);
  if (offset < 0 || !isFinalFingerprint(raw, offset)) return false;
  return (crc32(raw.subarray(0, offset)) ^ FINGERPRINT_XOR) >>> 0 === readUint32(raw, offset + 4);
}

/** A 4-byte FINGERPRINT attribute at `offset` that ends the message. */
function isFinalFingerprint(raw: Uint8Array, offset: number): boolean {
  return (
    offset + 8 === raw.length && readUint16(raw, offset) === FINGERPRINT && readUint16(raw, offset + 2) === 4
  );
}
