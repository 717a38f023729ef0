/**
 * Small pure helpers around the STUN messages of connectivity checks:
 * authenticating an inbound request, the PRIORITY our checks carry, and the
 * key transactions are matched by.
 */
import type { KeyObject } from 'node:crypto';
import { candidatePriority } from '../candidate.js';
import type { Candidate } from '../candidate-types.js';
import { verifyIntegrity } from '../stun/message.js';
import type { StunMessageView } from '../stun/types.js';
import type { LocalCandidate } from './pair.js';

/** Why an inbound Binding request is refused, and the error response it gets. */
export interface RequestRejection {
  readonly code: 400 | 401 | 420;
  readonly reason: string;
  /** Which counter the refusal is counted in. */
  readonly counter: 'unauthenticatedPackets' | 'unknownAttributeRequests';
  /** Whether the error response carries MESSAGE-INTEGRITY (not for 400/401, RFC 8489 §6.3.1.1). */
  readonly authenticated: boolean;
}

/**
 * Checks an inbound connectivity check (RFC 8445 §7.3): USERNAME naming our
 * ufrag first, MESSAGE-INTEGRITY under our password, no unknown
 * comprehension-required attributes. Undefined when the request is fine.
 */
export function rejectRequest(
  request: StunMessageView,
  localUfrag: string,
  localKey: KeyObject,
): RequestRejection | undefined {
  if (request.username === undefined || !request.hasIntegrity) {
    return { code: 400, reason: 'Bad Request', counter: 'unauthenticatedPackets', authenticated: false };
  }
  const colon = request.username.indexOf(':');
  const recipientUfrag = colon < 0 ? request.username : request.username.slice(0, colon);
  if (recipientUfrag !== localUfrag || !verifyIntegrity(request.raw, localKey)) {
    return { code: 401, reason: 'Unauthorized', counter: 'unauthenticatedPackets', authenticated: false };
  }
  if (request.unknownComprehensionRequired.length > 0) {
    return {
      code: 420,
      reason: 'Unknown Attribute',
      counter: 'unknownAttributeRequests',
      authenticated: true,
    };
  }
  return undefined;
}

/** Srflx candidates are pruned to their base and prflx ones are never checked from (RFC 8445 §6.1.2.4). */
export function isPairable(local: LocalCandidate): boolean {
  return local.candidate.type === 'host' || local.candidate.type === 'relay';
}

/** PRIORITY of our checks: the peer-reflexive type preference with the candidate's own local preference. */
export function peerReflexivePriority(local: Candidate): number {
  const localPreference = Math.floor(local.priority / 256) & 0xffff;
  return candidatePriority('prflx', localPreference, local.component);
}

/** The earlier of two optional deadlines. */
export function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Map key of a 12-byte STUN transaction ID. */
export function transactionKey(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}
