/**
 * A scripted TURN server for sans-IO tests of the TURN client: it decodes
 * what the client sent and builds exactly the answers a test asks for
 * (challenges, signed successes, errors, Data indications, ChannelData).
 */
import { expect } from 'vitest';
import {
  buildStunMessage,
  decodeStun,
  longTermKey,
  type StunAttributeSpec,
  verifyIntegrity,
} from '../../lib/stun/message.js';
import { type StunAddress, type StunMessageView, StunMethod } from '../../lib/stun/types.js';

/** Method names for readable assertions. */
export const METHOD_NAMES: Record<number, string> = {
  [StunMethod.Binding]: 'Binding',
  [StunMethod.Allocate]: 'Allocate',
  [StunMethod.Refresh]: 'Refresh',
  [StunMethod.Send]: 'Send',
  [StunMethod.Data]: 'Data',
  [StunMethod.CreatePermission]: 'CreatePermission',
  [StunMethod.ChannelBind]: 'ChannelBind',
};

export const USER = 'alice';
export const PASS = 'secret-pass';
export const REALM = 'turn.test';
export const RELAYED: StunAddress = { address: '198.51.100.10', port: 49152 };
export const MAPPED: StunAddress = { address: '203.0.113.7', port: 40000 };

/** Builds the server's side of a scripted exchange. */
export class ScriptedTurnServer {
  nonce = 'nonce-1';
  readonly key = longTermKey(USER, REALM, PASS);

  /** Decodes a client message; fails the test when it is not STUN. */
  read(bytes: Uint8Array | undefined): StunMessageView {
    expect(bytes).toBeDefined();
    const message = decodeStun(bytes as Uint8Array);
    expect(message).toBeDefined();
    return message as StunMessageView;
  }

  /** Asserts a request is authenticated with the current nonce and a valid MESSAGE-INTEGRITY. */
  expectSigned(request: StunMessageView): void {
    expect(request.username).toBe(USER);
    expect(request.realm).toBe(REALM);
    expect(request.nonce).toBe(this.nonce);
    expect(verifyIntegrity(request.raw, this.key)).toBe(true);
  }

  /** 401 with REALM and NONCE (never signed). */
  challenge(request: StunMessageView): Buffer {
    return this.unsigned(request, 401, 'Unauthorized');
  }

  /** 438 Stale Nonce with a new nonce. */
  staleNonce(request: StunMessageView, nonce: string): Buffer {
    this.nonce = nonce;
    return this.unsigned(request, 438, 'Stale Nonce');
  }

  /** A signed success response with `attributes`. */
  success(request: StunMessageView, attributes: StunAttributeSpec[] = []): Buffer {
    return buildStunMessage({
      method: request.method,
      cls: 'success',
      transactionId: request.transactionId,
      attributes,
      integrity: { key: this.key },
      fingerprint: true,
    });
  }

  /** The usual Allocate success: relayed, mapped, lifetime. */
  allocated(request: StunMessageView, lifetime = 600): Buffer {
    return this.success(request, [
      { kind: 'xorRelayedAddress', value: RELAYED },
      { kind: 'xorMappedAddress', value: MAPPED },
      { kind: 'lifetime', value: lifetime },
    ]);
  }

  /** A signed error response. */
  error(request: StunMessageView, code: number, reason: string): Buffer {
    return buildStunMessage({
      method: request.method,
      cls: 'error',
      transactionId: request.transactionId,
      attributes: [{ kind: 'errorCode', value: { code, reason } }],
      integrity: { key: this.key },
      fingerprint: true,
    });
  }

  /** A Data indication from `peer`. */
  dataIndication(peer: StunAddress, data: Uint8Array): Buffer {
    return buildStunMessage({
      method: StunMethod.Data,
      cls: 'indication',
      attributes: [
        { kind: 'xorPeerAddress', value: peer },
        { kind: 'data', value: data },
      ],
    });
  }

  private unsigned(request: StunMessageView, code: number, reason: string): Buffer {
    return buildStunMessage({
      method: request.method,
      cls: 'error',
      transactionId: request.transactionId,
      attributes: [
        { kind: 'errorCode', value: { code, reason } },
        { kind: 'realm', value: REALM },
        { kind: 'nonce', value: this.nonce },
      ],
      fingerprint: true,
    });
  }
}
