/**
 * Just enough STUN/TURN decoding (RFC 8489, RFC 8656) for the explorer to
 * see which connectivity checks an agent puts on the wire, directly or
 * wrapped in a TURN Send indication or ChannelData message.
 */

const MAGIC = 0x2112a442;

/** A STUN message's type and attributes (raw values). */
export interface StunView {
  readonly type: number;
  readonly attributes: ReadonlyMap<number, Uint8Array>;
}

/** Attribute types the explorer reads. */
export const ATTR = {
  USERNAME: 0x0006,
  CHANNEL_NUMBER: 0x000c,
  XOR_PEER_ADDRESS: 0x0012,
  DATA: 0x0013,
  USE_CANDIDATE: 0x0025,
} as const;

/** Message types the explorer reads. */
export const TYPE = {
  BINDING_REQUEST: 0x0001,
  CHANNEL_BIND_REQUEST: 0x0009,
  SEND_INDICATION: 0x0016,
} as const;

/** The STUN message in `data`, or undefined if it is not one. */
export function decodeStun(data: Uint8Array): StunView | undefined {
  if (data.length < 20 || (data[0] as number) > 3) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const length = view.getUint16(2);
  if (view.getUint32(4) !== MAGIC || 20 + length !== data.length || length % 4 !== 0) return undefined;
  const attributes = new Map<number, Uint8Array>();
  let at = 20;
  while (at + 4 <= data.length) {
    const type = view.getUint16(at);
    const len = view.getUint16(at + 2);
    if (at + 4 + len > data.length) return undefined;
    if (!attributes.has(type)) attributes.set(type, data.subarray(at + 4, at + 4 + len));
    at += 4 + ((len + 3) & ~3);
  }
  return { type: view.getUint16(0), attributes };
}

/** Decodes an XOR-PEER-ADDRESS / XOR-MAPPED-ADDRESS value (IPv4 only; IPv6 returns undefined). */
export function decodeXorAddress(value: Uint8Array): { address: string; port: number } | undefined {
  if (value.length < 8 || value[1] !== 0x01) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const port = view.getUint16(2) ^ (MAGIC >>> 16);
  const raw = view.getUint32(4) ^ MAGIC;
  const address = [raw >>> 24, (raw >>> 16) & 0xff, (raw >>> 8) & 0xff, raw & 0xff].join('.');
  return { address, port };
}

/** A ChannelData message (RFC 8656 §12.4): channel number and payload; undefined if `data` is not one. */
export function decodeChannelData(data: Uint8Array): { channel: number; payload: Uint8Array } | undefined {
  if (data.length < 4) return undefined;
  const first = data[0] as number;
  if (first < 0x40 || first > 0x4f) return undefined;
  const channel = (first << 8) | (data[1] as number);
  const length = ((data[2] as number) << 8) | (data[3] as number);
  if (4 + length > data.length) return undefined;
  return { channel, payload: data.subarray(4, 4 + length) };
}
