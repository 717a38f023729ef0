/**
 * The long-term credential mechanism of the virtual TURN server (RFC 8489
 * §9.2, RFC 8656 §5): one user, one realm, seeded nonces that may go stale.
 */
import type { KeyObject } from 'node:crypto';
import type { SchedulerLike } from 'rxjs';
import { longTermKey, verifyIntegrity } from '../stun/message.js';
import type { StunMessageView } from '../stun/types.js';
import { mulberry32 } from './prng.js';

/** The request is authentic (and `key` signs the response), or the error to answer with. */
export type AuthOutcome =
  | { readonly key: KeyObject }
  | {
      readonly code: 400 | 401 | 438;
      readonly reason: string;
      /** 401 and 438 carry REALM and a fresh NONCE (RFC 8489 §9.2.4). */
      readonly challenge: boolean;
    };

export class TurnAuthenticator {
  readonly #key: KeyObject;
  readonly #random: () => number;
  #nonce: { readonly value: string; readonly issuedAt: number } | undefined;

  constructor(
    readonly username: string,
    readonly realm: string,
    password: string,
    /** Ms after issue at which a nonce goes stale; undefined = never. */
    readonly nonceLifetime: number | undefined,
    readonly scheduler: SchedulerLike,
    seed: number,
  ) {
    this.#key = longTermKey(username, realm, password);
    this.#random = mulberry32(seed);
  }

  /** Checks in the RFC 8489 §9.2.4 order: integrity present, fields present, nonce fresh, user, HMAC. */
  check(request: StunMessageView): AuthOutcome {
    if (!request.hasIntegrity) return { code: 401, reason: 'Unauthorized', challenge: true };
    if (request.username === undefined || request.realm === undefined || request.nonce === undefined)
      return { code: 400, reason: 'Bad Request', challenge: false };
    if (!this.#isFresh(request.nonce)) return { code: 438, reason: 'Stale Nonce', challenge: true };
    if (
      request.username !== this.username ||
      request.realm !== this.realm ||
      !verifyIntegrity(request.raw, this.#key)
    )
      return { code: 401, reason: 'Unauthorized', challenge: true };
    return { key: this.#key };
  }

  /** The nonce to challenge with: the current one, or a new one when it is stale or expired. */
  currentNonce(): string {
    const now = this.scheduler.now();
    if (this.#nonce === undefined || !this.#isFresh(this.#nonce.value)) {
      const token = Math.floor(this.#random() * 2 ** 32)
        .toString(16)
        .padStart(8, '0');
      this.#nonce = { value: `nonce-${token}-${now}`, issuedAt: now };
    }
    return this.#nonce.value;
  }

  /** Every nonce issued so far goes stale. */
  expireNonces(): void {
    this.#nonce = undefined;
  }

  #isFresh(nonce: string): boolean {
    const current = this.#nonce;
    if (current === undefined || current.value !== nonce) return false;
    return this.nonceLifetime === undefined || this.scheduler.now() - current.issuedAt < this.nonceLifetime;
  }
}
