import { describe, expect, it } from 'vitest';
import { partitionPackets } from '../../operators/index.js';
import { datagram, testScheduler } from './fixtures.js';

const values = {
  s: datagram(1),
  z: datagram(17),
  d: datagram(22),
  t: datagram(65),
  r: datagram(129),
  o: datagram(200),
};

describe('partitionPackets', () => {
  it('puts each datagram in exactly one of six streams', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const data$ = cold('-sztdro-|', values);
      const { stun$, zrtp$, dtls$, turnChannel$, rtp$, other$ } = partitionPackets(data$);
      expectObservable(stun$).toBe('-s------|', values);
      expectObservable(zrtp$).toBe('--z-----|', values);
      expectObservable(turnChannel$).toBe('---t----|', values);
      expectObservable(dtls$).toBe('----d---|', values);
      expectObservable(rtp$).toBe('-----r--|', values);
      expectObservable(other$).toBe('------o-|', values);
    });
  });

  it('has exactly the six RFC 7983 streams', () => {
    testScheduler().run(({ cold }) => {
      expect(Object.keys(partitionPackets(cold<Uint8Array>('-')))).toEqual([
        'stun$',
        'zrtp$',
        'dtls$',
        'turnChannel$',
        'rtp$',
        'other$',
      ]);
    });
  });
});
