import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/index.js';
import { addressFamily } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const values = {
  a: candidate('10.0.0.1'),
  b: candidate('2001:db8::1'),
  c: candidate('1f9e0c8b-5d2a-4b8e-9f3a-6c1d2e3f4a5b.local'),
  d: candidate('fe80::1%eth0'),
  e: candidate('::ffff:10.0.0.1'),
};

describe('addressFamily', () => {
  it('keeps IPv4 or IPv6 literals and drops names', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-d-e-|', values);
      expectObservable(source.pipe(addressFamily(4))).toBe('-a---------|', values);
      // IPv4-mapped IPv6 is written as IPv6: family 6.
      expectObservable(source.pipe(addressFamily(6))).toBe('---b---d-e-|', values);
    });
  });

  it('rejects anything but 4 or 6 at creation', () => {
    // @ts-expect-error not a family
    expect(() => addressFamily('IPv4')).toThrow(InvalidArgumentError);
  });
});
