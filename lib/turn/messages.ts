/**
 * TURN requests and indications (RFC 8656), encoded through lib/stun's
 * `buildStunMessage` (the `stun` package underneath).
 */
import {
  type BuiltRequest,
  buildStunMessage,
  newTransactionId,
  type StunAttributeSpec,
} from '../stun/build.js';
import { type StunAddress, StunMethod } from '../stun/types.js';
import type { LongTermCredentials } from './auth.js';

/** IANA protocol number of UDP: REQUESTED-TRANSPORT of every allocation (RFC 8656 §18.7). */
export const UDP_PROTOCOL = 17;

/**
 * A TURN request: the method's attributes, then — once the realm and nonce
 * are known — USERNAME, REALM, NONCE and MESSAGE-INTEGRITY, then FINGERPRINT.
 */
export function buildTurnRequest(
  method: number,
  attributes: readonly StunAttributeSpec[],
  credentials: LongTermCredentials | undefined,
  transactionId: Uint8Array = newTransactionId(),
): BuiltRequest & { authenticated: boolean } {
  const key = credentials?.ready ? credentials.key : undefined;
  const bytes = buildStunMessage({
    method,
    cls: 'request',
    transactionId,
    attributes: key && credentials ? [...attributes, ...credentials.attributes()] : attributes,
    integrity: key ? { key } : undefined,
    fingerprint: true,
  });
  return { transactionId, bytes, authenticated: key !== undefined };
}

/** Attributes of an Allocate request for a UDP relay; `lifetime` in seconds. */
export function allocateAttributes(lifetime: number): StunAttributeSpec[] {
  return [
    { kind: 'requestedTransport', value: UDP_PROTOCOL },
    { kind: 'lifetime', value: lifetime },
  ];
}

/** A Send indication carrying one datagram to `peer` (RFC 8656 §10.1). Not authenticated, by design. */
export function buildSendIndication(peer: StunAddress, data: Uint8Array, transactionId?: Uint8Array): Buffer {
  return buildStunMessage({
    method: StunMethod.Send,
    cls: 'indication',
    transactionId,
    attributes: [
      { kind: 'xorPeerAddress', value: peer },
      { kind: 'data', value: data },
    ],
  });
}
