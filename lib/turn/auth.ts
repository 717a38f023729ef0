/**
 * TURN long-term credentials (RFC 8489 §9.2, RFC 8656 §7.2): the client
 * learns REALM and NONCE from a 401 or 438 response and signs every later
 * request with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY under
 * MD5(username:realm:password).
 */
import type { KeyObject } from 'node:crypto';
import type { StunAttributeSpec } from '../stun/build.js';
import { longTermKey } from '../stun/message.js';
import type { StunMessageView } from '../stun/types.js';

/** Credentials of one TURN client and the realm/nonce the server handed out. */
export class LongTermCredentials {
  private realm: string | undefined;
  private nonce: string | undefined;
  /** The HMAC key; derived once per realm, not per request. */
  key: KeyObject | undefined;

  constructor(
    private readonly username: string,
    private readonly password: string,
  ) {}

  /** True once REALM and NONCE are known: requests can be authenticated. */
  get ready(): boolean {
    return this.key !== undefined && this.nonce !== undefined;
  }

  /**
   * Takes REALM and NONCE from a 401 / 438 error response. Returns false when
   * the response lacks them (the server is not speaking long-term credentials)
   * or they are not usable as attribute values.
   */
  accept(response: StunMessageView): boolean {
    const nonce = response.nonce;
    const realm = response.realm ?? this.realm;
    if (nonce === undefined || realm === undefined) return false;
    if ([...nonce].length >= 128 || [...realm].length >= 128) return false;
    if (realm !== this.realm || this.key === undefined) {
      this.realm = realm;
      this.key = longTermKey(this.username, realm, this.password);
    }
    this.nonce = nonce;
    return true;
  }

  /** USERNAME, REALM and NONCE for the next authenticated request (call only when {@link ready}). */
  attributes(): StunAttributeSpec[] {
    return [
      { kind: 'username', value: this.username },
      { kind: 'realm', value: this.realm as string },
      { kind: 'nonce', value: this.nonce as string },
    ];
  }
}
