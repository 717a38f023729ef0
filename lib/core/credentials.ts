import { cryptoEntropy, drawBytes, type Entropy } from '../entropy.js';
import { InvalidArgumentError, InvalidCredentialsError } from '../errors.js';

/** ICE short-term credentials (RFC 8445 §5.3): username fragment and password. */
export interface IceCredentials {
  /** Username fragment (`a=ice-ufrag`), 4 to 256 ice-chars. */
  readonly ufrag: string;
  /** Password (`a=ice-pwd`), 22 to 256 ice-chars. */
  readonly pwd: string;
}

/**
 * What signaling says about the remote besides its ufrag and pwd, for
 * {@link IceAgent.setRemoteCredentials} (the third argument). The shape follows
 * ORTC's `RTCIceParameters.iceLite`.
 */
export interface RemoteCredentialsOptions {
  /**
   * The remote is an ICE-lite agent (SDP `a=ice-lite`, RFC 8445 §2.5): a full
   * agent then takes the controlling role if it had the controlled one (RFC
   * 8445 §6.1.1; `role$` emits the change) and never yields it to a 487. A
   * lite agent refuses it (`InvalidArgumentError`): two lite agents cannot
   * connect. Omitted: what is known so far holds (the `remoteIceLite` option,
   * or the last value given); `false` marks the remote full again, without
   * changing the role.
   */
  readonly iceLite?: boolean;
  /**
   * The remote's ICE options (SDP `a=ice-options`, RFC 8839 §5.6), e.g.
   * `['trickle', 'renomination']`. `renomination` agrees to renomination when
   * this agent offers it too (option `renomination`). Omitted: what is known
   * so far holds. Unknown options are ignored.
   */
  readonly iceOptions?: readonly string[];
  /**
   * Which of our generations these credentials answer, as the peer's
   * {@link LocalIceCredentials.answers} says: our ufrag when the peer made
   * them in answer to our restart, `null` when they answer nothing (the
   * peer's first credentials, or a restart of its own). With SDP
   * offer/answer: an answer's credentials answer our current ufrag, an
   * offer's answer nothing. It tells a restart of the peer's (answered with
   * one of ours) from its answer to ours (taken as they are) for certain,
   * where without it the agent infers which from the checks it hears (see
   * `remote-restart.ts`; two restarts that cross within a round trip may
   * then be told wrong). Omitted: unknown.
   */
  readonly answers?: string | null;
}

/**
 * This agent's credentials, as {@link IceAgent.getLocalCredentials} gives
 * them: ufrag and pwd, and which remote generation they answer.
 */
export interface LocalIceCredentials extends IceCredentials {
  /**
   * The remote ufrag whose restart this generation answers (the agent
   * restarted because the peer did), or `null` (the first generation, or a
   * `restart()` of our own). Signal it with the credentials: the peer passes
   * it to `setRemoteCredentials` as {@link RemoteCredentialsOptions.answers}.
   */
  readonly answers: string | null;
}

/**
 * Checks the third argument of `setRemoteCredentials`: undefined, or an
 * object whose `iceLite` is a boolean or absent, whose `iceOptions` is an
 * array of at most 32 strings of ice-chars (at most 64 each) or absent, and
 * whose `answers` is a ufrag, null or absent.
 * @internal
 */
export function readRemoteCredentialsOptions(options: unknown): {
  iceLite: boolean | undefined;
  renomination: boolean | undefined;
  answers: string | null | undefined;
} {
  if (options === undefined) return { iceLite: undefined, renomination: undefined, answers: undefined };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(
      'remote credentials options must be an object { iceLite?: boolean, iceOptions?: string[], answers?: string | null }',
    );
  }
  const { iceLite, iceOptions, answers } = options as {
    iceLite?: unknown;
    iceOptions?: unknown;
    answers?: unknown;
  };
  if (iceLite !== undefined && typeof iceLite !== 'boolean') {
    throw new InvalidArgumentError(`iceLite must be a boolean, got ${typeof iceLite}`);
  }
  if (answers !== undefined && answers !== null && !isUfrag(answers)) {
    throw new InvalidArgumentError('answers must be null or a ufrag (4-256 ice-chars, RFC 8839)');
  }
  if (iceOptions === undefined) return { iceLite, renomination: undefined, answers };
  const valid =
    Array.isArray(iceOptions) &&
    iceOptions.length <= 32 &&
    iceOptions.every(
      (o) => typeof o === 'string' && o.length > 0 && o.length <= 64 && /^[A-Za-z0-9+/.-]+$/.test(o),
    );
  if (!valid) {
    throw new InvalidArgumentError(
      'iceOptions must be an array of at most 32 ice-option tokens (RFC 8839 §5.6)',
    );
  }
  return { iceLite, renomination: (iceOptions as string[]).includes('renomination'), answers };
}

function isUfrag(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 4 && value.length <= 256 && ICE_CHARS.test(value);
}

// RFC 8839 §5.4: ice-char = ALPHA / DIGIT / "+" / "/".
const ICE_CHAR_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ICE_CHARS = /^[A-Za-z0-9+/]+$/;

function randomIceString(length: number, entropy: Entropy): string {
  // 64 symbols: every byte maps uniformly with `& 63`, so no modulo bias.
  const bytes = drawBytes(entropy, length);
  let out = '';
  for (const byte of bytes) out += ICE_CHAR_ALPHABET[byte & 63];
  return out;
}

/** Whether `a` and `b` are the same ufrag and pwd (undefined is the same as nothing). */
export function sameCredentials(a: IceCredentials | undefined, b: IceCredentials): boolean {
  return a?.ufrag === b.ufrag && a.pwd === b.pwd;
}

/**
 * Fresh random credentials: 8-char ufrag (48 bits) and 24-char pwd (144 bits),
 * above RFC 8445's minimum of 24 and 128 bits of randomness, drawn from
 * `entropy` (default: the CSPRNG).
 */
export function generateCredentials(entropy: Entropy = cryptoEntropy): IceCredentials {
  return { ufrag: randomIceString(8, entropy), pwd: randomIceString(24, entropy) };
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
