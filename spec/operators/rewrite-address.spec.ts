import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, parseCandidate, serializeCandidate } from '../../lib/index.js';
import { rewriteAddress } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const host = candidate('10.0.0.5', 5000);
const other = candidate('10.0.0.6', 5000);
const srflx = candidate('10.0.0.5', 6000, 'srflx');
const v6 = candidate('fd00::5', 5000);
const values = {
  h: host,
  H: { ...host, address: '52.1.2.3', relatedAddress: '10.0.0.5', relatedPort: 5000 },
  o: other,
  s: srflx,
  v: v6,
  V: { ...v6, address: '2600:1f18::5', relatedAddress: 'fd00::5', relatedPort: 5000 },
};

describe('rewriteAddress', () => {
  it('replaces mapped host addresses, keeping the original as raddr/rport', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const table = { '10.0.0.5': '52.1.2.3', 'FD00:0::5': '2600:1f18::5' };
      expectObservable(cold('-h-o-s-v-|', values).pipe(rewriteAddress(table))).toBe('-H-o-s-V-|', values);
    });
  });

  it('takes a Map or a function', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const map = new Map([['10.0.0.5', '52.1.2.3']]);
      expectObservable(cold('-h-o-|', values).pipe(rewriteAddress(map))).toBe('-H-o-|', values);
      const fn = (c: { address: string }) => (c.address === '10.0.0.5' ? '52.1.2.3' : undefined);
      expectObservable(cold('-h-o-|', values).pipe(rewriteAddress(fn))).toBe('-H-o-|', values);
    });
  });

  it('keeps type, priority and foundation, and signals a valid candidate line', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const line = 'candidate:1 1 udp 2130706431 52.1.2.3 5000 typ host raddr 10.0.0.5 rport 5000';
      expectObservable(cold('-h-|', values).pipe(rewriteAddress({ '10.0.0.5': '52.1.2.3' }))).toBe('-x-|', {
        x: parseCandidate(line),
      });
      expect(serializeCandidate(values.H)).toBe(line);
    });
  });

  it('rejects non-IP table entries at creation, and a bad function result in the stream', () => {
    expect(() => rewriteAddress({ '10.0.0.5': 'example.com' })).toThrow(InvalidArgumentError);
    expect(() => rewriteAddress({ nope: '1.2.3.4' })).toThrow(/private address "nope"/);
    // @ts-expect-error not a table
    expect(() => rewriteAddress(null)).toThrow(InvalidArgumentError);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-h-|', values).pipe(rewriteAddress(() => 'not-an-ip'))).toBe(
        '-#',
        undefined,
        new InvalidArgumentError('rewriteAddress: public address "not-an-ip" is not an IP address'),
      );
    });
  });
});
