import { describe, expect, it } from 'vitest';
import { candidateKey, distinctCandidates } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const values = {
  a: candidate('10.0.0.1', 5000),
  A: candidate('10.0.0.1', 5000, 'host', { foundation: '9', priority: 7 }), // same transport address and type
  b: candidate('10.0.0.1', 5001),
  s: candidate('10.0.0.1', 5000, 'srflx'), // same address, other type
  t: candidate('10.0.0.1', 5000, 'host', { transport: 'tcp' }), // same address, other protocol
  v: candidate('2001:db8::1', 5000),
  V: candidate('2001:DB8:0:0::1', 5000), // the same IPv6 address written differently
};

describe('distinctCandidates', () => {
  it('drops repeats of transport address + type + protocol; the first wins', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-A-b-s-t-v-V-|', values).pipe(distinctCandidates())).toBe(
        '-a---b-s-t-v---|',
        values,
      );
    });
  });

  it('forgets what it saw when flushes emits', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const flushes = hot('----f----');
      expectObservable(cold('-a-A-A-|', values).pipe(distinctCandidates(flushes))).toBe('-a---A-|', values);
    });
  });

  it('keys on canonical addresses', () => {
    expect(candidateKey(values.v)).toBe(candidateKey(values.V));
    expect(candidateKey(values.a)).toBe('udp host 10.0.0.1 5000');
  });
});
