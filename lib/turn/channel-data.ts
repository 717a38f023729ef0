/**
 * TURN ChannelData messages (RFC 8656 §12.4): a 4-byte header — channel
 * number, payload length — then the payload. The `stun` package does not
 * know them (they are not STUN messages), hence this small codec.
 */

/** Lowest channel number a client may bind (RFC 8656 §12). */
export const MIN_CHANNEL_NUMBER = 0x4000;
/** Highest channel number a client may bind. */
export const MAX_CHANNEL_NUMBER = 0x4fff;
/** ChannelData header length. */
export const CHANNEL_DATA_HEADER = 4;

/** A decoded ChannelData message: `data` is a view into the received bytes. */
export interface ChannelData {
  readonly channel: number;
  readonly data: Uint8Array;
}

/**
 * Encodes a ChannelData message. Over TCP and TLS (`padded`) the message is
 * padded with zeros to a multiple of 4 bytes (RFC 8656 §12.5); over UDP it
 * is not, since the datagram already delimits it.
 */
export function encodeChannelData(channel: number, data: Uint8Array, padded: boolean): Buffer {
  const length = CHANNEL_DATA_HEADER + data.byteLength;
  const message = Buffer.alloc(padded ? (length + 3) & ~3 : length);
  message.writeUInt16BE(channel, 0);
  message.writeUInt16BE(data.byteLength, 2);
  message.set(data, CHANNEL_DATA_HEADER);
  return message;
}

/**
 * Decodes a ChannelData message, or undefined (never throws) when the channel
 * number is outside 0x4000–0x4FFF or the length field claims more bytes than
 * there are. Trailing bytes (padding) are ignored.
 */
export function decodeChannelData(bytes: Uint8Array): ChannelData | undefined {
  if (bytes.byteLength < CHANNEL_DATA_HEADER) return undefined;
  const channel = ((bytes[0] as number) << 8) | (bytes[1] as number);
  const length = ((bytes[2] as number) << 8) | (bytes[3] as number);
  if (channel < MIN_CHANNEL_NUMBER || channel > MAX_CHANNEL_NUMBER) return undefined;
  if (CHANNEL_DATA_HEADER + length > bytes.byteLength) return undefined;
  return { channel, data: bytes.subarray(CHANNEL_DATA_HEADER, CHANNEL_DATA_HEADER + length) };
}
