import { describe, expect, it } from 'vitest';
import { InvalidCredentialsError } from '../../lib/index.js';
import { fromSdpCredentials, parseIceCredentials } from '../../operators/index.js';
import { testScheduler } from './fixtures.js';

const lines = {
  u: 'a=ice-ufrag:abcd',
  p: 'a=ice-pwd:abcdefghijklmnopqrstuv',
  U: 'a=ice-ufrag:wxyz',
  P: 'a=ice-pwd:ABCDEFGHIJKLMNOPQRSTUV+/',
  x: 'a=candidate:1 1 udp 1 10.0.0.1 9 typ host',
  b: 'a=ice-pwd:short',
};
const creds = {
  c: { ufrag: 'abcd', pwd: 'abcdefghijklmnopqrstuv' },
  C: { ufrag: 'wxyz', pwd: 'ABCDEFGHIJKLMNOPQRSTUV+/' },
};

describe('fromSdpCredentials', () => {
  it('emits once both lines are known, and again once both changed (in any order)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-u-x-p---P-U-|', lines).pipe(fromSdpCredentials())).toBe(
        '-----c-----C-|',
        creds,
      );
    });
  });

  it('does not repeat the same credentials', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-u-p-u-p-|', lines).pipe(fromSdpCredentials())).toBe('---c-----|', creds);
    });
  });

  it('errors on invalid credentials', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-u-b-|', lines).pipe(fromSdpCredentials())).toBe(
        '---#',
        undefined,
        new InvalidCredentialsError('pwd must be 22-256 characters long, got 5'),
      );
    });
  });

  it('parses a whole SDP', () => {
    const sdp =
      'v=0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\na=candidate:1 1 udp 1 1.2.3.4 9 typ host\r\n';
    expect(parseIceCredentials(sdp)).toEqual(creds.c);
    expect(parseIceCredentials([lines.U, lines.P])).toEqual(creds.C);
    expect(() => parseIceCredentials('a=ice-ufrag:abcd')).toThrow(/no a=ice-pwd line/);
    expect(() => parseIceCredentials([lines.u, lines.b])).toThrow(InvalidCredentialsError);
  });
});
