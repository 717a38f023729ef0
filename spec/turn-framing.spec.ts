/**
 * ChannelData encoding and the TCP/TLS stream framing of RFC 8656 §12.5:
 * padding rules, split and merged chunks, and a property over random
 * chunkings of random message sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildStunMessage } from '../lib/stun/message.js';
import { StunMethod } from '../lib/stun/types.js';
import { decodeChannelData, encodeChannelData } from '../lib/turn/channel-data.js';
import { StreamFramer } from '../lib/turn/stream-framing.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function stunMessage(data: Uint8Array): Buffer {
  return buildStunMessage({
    method: StunMethod.Data,
    cls: 'indication',
    attributes: [
      { kind: 'xorPeerAddress', value: { address: '192.0.2.1', port: 5000 } },
      { kind: 'data', value: data },
    ],
  });
}

describe('ChannelData', () => {
  it('has a 4-byte header: channel number, payload length', () => {
    expect(hex(encodeChannelData(0x4001, new Uint8Array([1, 2, 3]), false))).toBe('40010003010203');
  });

  it('pads to a multiple of 4 over TCP/TLS only', () => {
    for (const length of [0, 1, 2, 3, 4, 5]) {
      const payload = new Uint8Array(length).fill(7);
      expect(encodeChannelData(0x4000, payload, false)).toHaveLength(4 + length);
      const padded = encodeChannelData(0x4000, payload, true);
      expect(padded.length % 4).toBe(0);
      expect(padded.length - (4 + length)).toBeLessThan(4);
      expect([...padded.subarray(4 + length)].every((b) => b === 0)).toBe(true);
    }
  });

  it('decodes, ignoring padding, and rejects bad channel numbers and short messages', () => {
    const decoded = decodeChannelData(encodeChannelData(0x4fff, new Uint8Array([9, 8, 7]), true));
    expect(decoded?.channel).toBe(0x4fff);
    expect([...(decoded?.data ?? [])]).toEqual([9, 8, 7]);
    expect(decodeChannelData(new Uint8Array([0x40, 0]))).toBeUndefined();
    expect(decodeChannelData(new Uint8Array([0x50, 0, 0, 0]))).toBeUndefined(); // 0x5000 is not a channel
    expect(decodeChannelData(new Uint8Array([0x3f, 0xff, 0, 0]))).toBeUndefined();
    expect(decodeChannelData(new Uint8Array([0x40, 0, 0, 5, 1, 2]))).toBeUndefined(); // length past the end
  });
});

describe('StreamFramer', () => {
  const channel = encodeChannelData(0x4000, new Uint8Array([1, 2, 3, 4, 5]), true); // 12 bytes
  const stun = stunMessage(new Uint8Array([0xaa, 0xbb]));

  it('returns whole messages from one chunk holding several', () => {
    const framer = new StreamFramer();
    const frames = framer.push(Buffer.concat([stun, channel, stun]));
    expect(frames).not.toBe('corrupt');
    expect((frames as Uint8Array[]).map(hex)).toEqual([hex(stun), hex(channel), hex(stun)]);
    expect(framer.buffered).toBe(0);
  });

  it('reassembles a message split byte by byte', () => {
    const framer = new StreamFramer();
    const all = Buffer.concat([channel, stun]);
    const out: Uint8Array[] = [];
    for (const byte of all) {
      const frames = framer.push(Uint8Array.of(byte));
      if (frames === 'corrupt') throw new Error('corrupt');
      out.push(...frames);
    }
    expect(out.map(hex)).toEqual([hex(channel), hex(stun)]);
  });

  it('keeps a partial header until the rest arrives', () => {
    const framer = new StreamFramer();
    expect(framer.push(stun.subarray(0, 3))).toEqual([]);
    expect(framer.buffered).toBe(3);
    expect((framer.push(stun.subarray(3)) as Uint8Array[]).map(hex)).toEqual([hex(stun)]);
  });

  it('declares the stream corrupt on a first byte that starts no message, and stays so', () => {
    const framer = new StreamFramer();
    expect(framer.push(new Uint8Array([0x80, 0, 0, 0]))).toBe('corrupt');
    expect(framer.push(stun)).toBe('corrupt');
    const odd = new StreamFramer(); // a STUN length that is not a multiple of 4
    expect(odd.push(new Uint8Array([0, 1, 0, 3, 0x21, 0x12, 0xa4, 0x42]))).toBe('corrupt');
  });

  it('property: any chunking of any message sequence yields the same messages', () => {
    const message = fc.oneof(
      fc
        .tuple(fc.integer({ min: 0x4000, max: 0x4fff }), fc.uint8Array({ maxLength: 70 }))
        .map(([number, data]) => encodeChannelData(number, data, true)),
      fc.uint8Array({ maxLength: 70 }).map((data) => stunMessage(data)),
    );
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages);
          const points = [...new Set(cuts.map((c) => (stream.length === 0 ? 0 : c % stream.length)))].sort(
            (a, b) => a - b,
          );
          const framer = new StreamFramer();
          const out: Uint8Array[] = [];
          let from = 0;
          for (const to of [...points, stream.length]) {
            const frames = framer.push(stream.subarray(from, to));
            if (frames === 'corrupt') return false;
            out.push(...frames);
            from = to;
          }
          expect(out.map(hex)).toEqual(messages.map(hex));
          expect(framer.buffered).toBe(0);
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});
