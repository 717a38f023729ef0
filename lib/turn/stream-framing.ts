/**
 * Message framing over a TCP or TLS connection to a TURN server (RFC 8656
 * §12.5): STUN messages and ChannelData messages back to back, each one's
 * length readable from its first 4 bytes. A stream chunk may hold part of a
 * message or several; {@link StreamFramer} reassembles them.
 */
import { CHANNEL_DATA_HEADER } from './channel-data.js';

const STUN_HEADER = 20;
/** Largest frame: a STUN header plus the largest length field, or a padded ChannelData. */
export const MAX_FRAME_LENGTH = STUN_HEADER + 0xffff;

/**
 * Splits a byte stream into whole STUN / ChannelData messages. Memory is
 * bounded by one partial frame (at most {@link MAX_FRAME_LENGTH} bytes).
 */
export class StreamFramer {
  private partial: Buffer | undefined;
  private corrupt = false;

  /**
   * Feeds one chunk; returns the messages it completed (views, not copies),
   * or `'corrupt'` once the stream cannot be framed: a first byte that starts
   * neither a STUN message (top bits 00) nor a ChannelData message (01), or a
   * STUN length that is not a multiple of 4. A corrupt stream stays corrupt.
   */
  push(chunk: Uint8Array): Uint8Array[] | 'corrupt' {
    if (this.corrupt) return 'corrupt';
    const incoming = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let data = this.partial ? Buffer.concat([this.partial, incoming]) : incoming;
    this.partial = undefined;
    const frames: Uint8Array[] = [];
    while (data.length >= 4) {
      const length = frameLength(data);
      if (length === undefined) {
        this.corrupt = true;
        return 'corrupt';
      }
      if (data.length < length) break;
      frames.push(data.subarray(0, length));
      data = data.subarray(length);
    }
    // Copy the tail so a retained view never pins a large chunk.
    if (data.length > 0) this.partial = Buffer.from(data);
    return frames;
  }

  /** Bytes of an incomplete message waiting for more of the stream. */
  get buffered(): number {
    return this.partial?.length ?? 0;
  }
}

/** Length of the frame that starts `data` (at least 4 bytes), or undefined when it cannot be one. */
function frameLength(data: Buffer): number | undefined {
  const kind = (data[0] as number) >> 6;
  const length = data.readUInt16BE(2);
  if (kind === 0) return (length & 3) === 0 ? STUN_HEADER + length : undefined;
  if (kind === 1) return (CHANNEL_DATA_HEADER + length + 3) & ~3;
  return undefined;
}
