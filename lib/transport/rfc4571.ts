/**
 * RFC 4571 framing: each datagram (a STUN check or application data) goes
 * over a TCP connection as a 16-bit big-endian length and the bytes, which
 * is how ICE-TCP carries them (RFC 6544 §3).
 * @module
 */

/** Largest datagram a frame can carry (the 16-bit length field). */
export const MAX_RFC4571_PAYLOAD = 0xffff;

/** The frame for one datagram, or undefined when it is too long to frame. */
export function frameRfc4571(payload: Uint8Array): Uint8Array | undefined {
  if (payload.byteLength > MAX_RFC4571_PAYLOAD) return undefined;
  const frame = new Uint8Array(2 + payload.byteLength);
  frame[0] = payload.byteLength >> 8;
  frame[1] = payload.byteLength & 0xff;
  frame.set(payload, 2);
  return frame;
}

/**
 * Splits a byte stream into RFC 4571 frames. A chunk may hold part of a
 * frame or several; memory is bounded by one partial frame (at most
 * 2 + {@link MAX_RFC4571_PAYLOAD} bytes). Empty frames are skipped.
 */
export class Rfc4571Deframer {
  private partial: Buffer | undefined;

  /** Feeds one chunk; returns the datagrams it completed, in order (views, not copies). */
  push(chunk: Uint8Array): Uint8Array[] {
    const incoming = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let data = this.partial ? Buffer.concat([this.partial, incoming]) : incoming;
    this.partial = undefined;
    const frames: Uint8Array[] = [];
    while (data.length >= 2) {
      const length = data.readUInt16BE(0);
      if (data.length < 2 + length) break;
      if (length > 0) frames.push(data.subarray(2, 2 + length));
      data = data.subarray(2 + length);
    }
    // Copy the tail so a retained view never pins a large chunk.
    if (data.length > 0) this.partial = Buffer.from(data);
    return frames;
  }

  /** Bytes of an incomplete frame waiting for more of the stream. */
  get buffered(): number {
    return this.partial?.length ?? 0;
  }
}
