import { describe, expect, it } from 'vitest';
import { generateCredentials, validateCredentials } from '../lib/core/credentials.js';
import { InvalidCredentialsError } from '../lib/errors.js';

const ICE_CHAR_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const GOOD_UFRAG = 'abcd';
const GOOD_PWD = 'a'.repeat(22);

/** Calls `fn`, expects an InvalidCredentialsError, and returns it. */
function credentialsError(fn: () => unknown): InvalidCredentialsError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    return error as InvalidCredentialsError;
  }
  throw new Error('expected an InvalidCredentialsError, nothing was thrown');
}

describe('generateCredentials', () => {
  it('draws an 8-char ufrag and a 24-char pwd of ice-chars, distinct across 1000 draws', () => {
    const ufrags = new Set<string>();
    const pwds = new Set<string>();
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { ufrag, pwd } = generateCredentials();
      expect(ufrag).toMatch(/^[A-Za-z0-9+/]{8}$/);
      expect(pwd).toMatch(/^[A-Za-z0-9+/]{24}$/);
      expect(validateCredentials(ufrag, pwd)).toEqual({ ufrag, pwd });
      ufrags.add(ufrag);
      pwds.add(pwd);
      for (const c of ufrag + pwd) seen.add(c);
    }
    expect(ufrags.size).toBe(1000);
    expect(pwds.size).toBe(1000);
    // 32,000 characters drawn: every one of the 64 ice-chars shows up (p(miss) ≈ 64·e^-500).
    expect([...seen].sort().join('')).toBe([...ICE_CHAR_ALPHABET].sort().join(''));
  });
});

describe('validateCredentials', () => {
  it('accepts the minimum lengths (ufrag 4, pwd 22) and the maximum (256)', () => {
    expect(validateCredentials('abcd', GOOD_PWD)).toEqual({ ufrag: 'abcd', pwd: GOOD_PWD });
    expect(validateCredentials('a+/9', `${'Z/+0'.repeat(5)}xy`)).toEqual({
      ufrag: 'a+/9',
      pwd: 'Z/+0Z/+0Z/+0Z/+0Z/+0xy',
    });
    const max = 'x'.repeat(256);
    expect(validateCredentials(max, max)).toEqual({ ufrag: max, pwd: max });
  });

  it.each([
    ['3-char ufrag', 'abc', GOOD_PWD, 'ufrag'],
    ['empty ufrag', '', GOOD_PWD, 'ufrag'],
    ['257-char ufrag', 'u'.repeat(257), GOOD_PWD, 'ufrag'],
    ['ufrag with "-"', 'ab-cd', GOOD_PWD, 'ufrag'],
    ['ufrag with a space', 'ab cd', GOOD_PWD, 'ufrag'],
    ['ufrag with a non-ASCII letter', 'abcdé', GOOD_PWD, 'ufrag'],
    ['numeric ufrag', 1234, GOOD_PWD, 'ufrag'],
    ['undefined ufrag', undefined, GOOD_PWD, 'ufrag'],
    ['21-char pwd', GOOD_UFRAG, 'p'.repeat(21), 'pwd'],
    ['257-char pwd', GOOD_UFRAG, 'p'.repeat(257), 'pwd'],
    ['pwd with "-"', GOOD_UFRAG, `${'p'.repeat(22)}-`, 'pwd'],
    ['pwd with a space', GOOD_UFRAG, `${'p'.repeat(11)} ${'p'.repeat(11)}`, 'pwd'],
    ['null pwd', GOOD_UFRAG, null, 'pwd'],
    ['object pwd', GOOD_UFRAG, { toString: () => GOOD_PWD }, 'pwd'],
  ])('rejects a %s', (_name, ufrag, pwd, field) => {
    const error = credentialsError(() => validateCredentials(ufrag, pwd));
    expect(error.code).toBe('INVALID_CREDENTIALS');
    expect(error.name).toBe('InvalidCredentialsError');
    expect(error.message).toContain(field);
    expect(error.message).not.toContain(field === 'ufrag' ? 'pwd' : 'ufrag');
  });

  it('reports the ufrag first when both fields are bad', () => {
    const error = credentialsError(() => validateCredentials('a', 'b'));
    expect(error.message).toMatch(/^ufrag/);
  });
});
