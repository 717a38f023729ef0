import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/index.js';
import { classifyPacket, packetKind } from '../../operators/index.js';
import { datagram, testScheduler } from './fixtures.js';

// One datagram per RFC 7983 range, at both edges of each range.
const values = {
  s: datagram(0, 1), // STUN 0–3
  S: datagram(3),
  z: datagram(16), // ZRTP 16–19
  d: datagram(20), // DTLS 20–63
  D: datagram(63),
  t: datagram(64), // TURN ChannelData 64–79
  r: datagram(128), // RTP/RTCP 128–191
  R: datagram(191),
  o: datagram(100), // nothing
  e: new Uint8Array(0),
};

describe('packetKind', () => {
  it('keeps datagrams by their RFC 7983 first-byte range', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-sSzdDtrRoe-|', values);
      expectObservable(source.pipe(packetKind('stun'))).toBe('-sS---------|', values);
      expectObservable(source.pipe(packetKind('zrtp'))).toBe('---z--------|', values);
      expectObservable(source.pipe(packetKind('dtls'))).toBe('----dD------|', values);
      expectObservable(source.pipe(packetKind('turn-channel'))).toBe('------t-----|', values);
      expectObservable(source.pipe(packetKind('rtp'))).toBe('-------rR---|', values);
      expectObservable(source.pipe(packetKind('other'))).toBe('---------oe-|', values);
      expectObservable(source.pipe(packetKind('dtls', 'rtp'))).toBe('----dD-rR---|', values);
    });
  });

  it('uses the agent’s classifier', () => {
    expect(classifyPacket(values.d)).toBe('dtls');
    expect(classifyPacket(datagram(4))).toBe('other');
    expect(classifyPacket(datagram(192))).toBe('other');
  });

  it('rejects no kind and unknown kinds', () => {
    expect(() => packetKind()).toThrow(InvalidArgumentError);
    // @ts-expect-error not a kind
    expect(() => packetKind('srtp')).toThrow(/"srtp" is not one of/);
  });
});
