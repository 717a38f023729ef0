import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/index.js';
import { addressScope, addressScopeOf } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const values = {
  l: candidate('127.0.0.1'),
  p: candidate('192.168.1.2'),
  g: candidate('8.8.8.8'),
  k: candidate('169.254.10.1'),
  u: candidate('fd12:3456::1'),
  G: candidate('2606:4700::1111'),
  K: candidate('fe80::1%eth0'),
  m: candidate('1f9e0c8b-5d2a-4b8e-9f3a-6c1d2e3f4a5b.local'),
};

describe('addressScope', () => {
  it('keeps candidates by the scope ip-address gives their address', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-l-p-g-k-u-G-K-m-|', values);
      expectObservable(source.pipe(addressScope('private'))).toBe('---p-----u-------|', values);
      expectObservable(source.pipe(addressScope('public'))).toBe('-----g-----G-----|', values);
      expectObservable(source.pipe(addressScope('loopback'))).toBe('-l---------------|', values);
      expectObservable(source.pipe(addressScope('link-local'))).toBe('-------k-----K---|', values);
      expectObservable(source.pipe(addressScope('private', 'public'))).toBe('---p-g---u-G-----|', values);
    });
  });

  it('classifies addresses', () => {
    expect(addressScopeOf('10.1.2.3')).toBe('private');
    expect(addressScopeOf('172.16.0.1')).toBe('private');
    expect(addressScopeOf('100.64.0.1')).toBe('private'); // carrier-grade NAT
    expect(addressScopeOf('::1')).toBe('loopback');
    expect(addressScopeOf('::ffff:127.0.0.1')).toBe('loopback');
    expect(addressScopeOf('::ffff:10.0.0.1')).toBe('private');
    expect(addressScopeOf('1.1.1.1')).toBe('public');
    // Special-purpose and names: no scope.
    expect(addressScopeOf('203.0.113.7')).toBeUndefined(); // documentation (RFC 5737)
    expect(addressScopeOf('0.0.0.0')).toBeUndefined();
    expect(addressScopeOf('224.0.0.1')).toBeUndefined();
    expect(addressScopeOf('host.local')).toBeUndefined();
    expect(addressScopeOf('10.0.0.0/8')).toBeUndefined();
  });

  it('rejects no scope and unknown scopes at creation', () => {
    expect(() => addressScope()).toThrow(InvalidArgumentError);
    // @ts-expect-error not a scope
    expect(() => addressScope('global')).toThrow(/"global" is not one of/);
  });
});
