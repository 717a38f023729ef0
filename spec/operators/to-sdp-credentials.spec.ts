import { describe, expect, it } from 'vitest';
import { InvalidCredentialsError } from '../../lib/index.js';
import { formatIceCredentials, toSdpCredentials } from '../../operators/index.js';
import { testScheduler } from './fixtures.js';

const k = { ufrag: 'abcd', pwd: 'abcdefghijklmnopqrstuv' };
const K = { ufrag: 'wxyz', pwd: 'ABCDEFGHIJKLMNOPQRSTUV+/' };

describe('toSdpCredentials', () => {
  it('emits the a=ice-ufrag and a=ice-pwd lines of each set of credentials', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-k---K-----|', { k, K }).pipe(toSdpCredentials())).toBe('-(up)(UP)--|', {
        u: 'a=ice-ufrag:abcd',
        p: 'a=ice-pwd:abcdefghijklmnopqrstuv',
        U: 'a=ice-ufrag:wxyz',
        P: 'a=ice-pwd:ABCDEFGHIJKLMNOPQRSTUV+/',
      });
    });
  });

  it('errors with InvalidCredentialsError on credentials RFC 8839 rejects', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const bad = { ufrag: 'abc', pwd: k.pwd };
      expectObservable(cold('-b-|', { b: bad }).pipe(toSdpCredentials())).toBe(
        '-#',
        undefined,
        new InvalidCredentialsError('ufrag must be 4-256 characters long, got 3'),
      );
    });
  });

  it('formats and validates', () => {
    expect(formatIceCredentials(k)).toEqual(['a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuv']);
    expect(() => formatIceCredentials({ ufrag: 'ab d', pwd: k.pwd })).toThrow(InvalidCredentialsError);
  });
});
