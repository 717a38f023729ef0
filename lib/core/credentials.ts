import { randomBytes } from 'node:crypto';
import { InvalidCredentialsError } from '../errors.js';

/** ICE short-term credentials (RFC 8445 §5.3): username fragment and password. */
export interface IceCredentials {
  /** Username fragment (`a=ice-ufrag`), 4 to 256 ice-chars. */
  readonly ufrag: string;
  /** Password (`a=ice-pwd`), 22 to 256 ice-chars. */
  readonly pwd: string;
}

// RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/".
const ICE_CHAR_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ICE_CHARS = /^[A-Za-z0-9+/]+$/;

function randomIceString(length: number): string {
  // 64 symbols: every byte maps uniformly with `& 63`, so no modulo bias.
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ICE_CHAR_ALPHABET[byte & 63];
  return out;
}

/**
 * Fresh random credentials: 8-char ufrag (48 bits) and 24-char pwd (144 bits),
 * above RFC 8445's minimum of 24 and 128 bits of randomness.
 */
export function generateCredentials(): IceCredentials {
  return { ufrag: randomIceString(8), pwd: randomIceString(24) };
}

/**
 * Checks a ufrag/pwd pair against RFC 8839 §5.4: ice-chars only, ufrag 4–256
 * and pwd 22–256 characters. Throws {@link InvalidCredentialsError} naming the
 * offending field.
 */
export function validateCredentials(ufrag: unknown, pwd: unknown): IceCredentials {
  checkField('ufrag', ufrag, 4);
  checkField('pwd', pwd, 22);
  return { ufrag: ufrag as string, pwd: pwd as string };
}

function checkField(name: string, value: unknown, minLength: number): void {
  if (typeof value !== 'string') {
    throw new InvalidCredentialsError(`${name} must be a string, got ${typeof value}`);
  }
  if (value.length < minLength || value.length > 256) {
    throw new InvalidCredentialsError(
      `${name} must be ${minLength}-256 characters long, got ${value.length}`,
    );
  }
  if (!ICE_CHARS.test(value)) {
    throw new InvalidCredentialsError(
      `${name} may contain only ALPHA, DIGIT, "+" and "/" (RFC 8839 ice-char)`,
    );
  }
}
