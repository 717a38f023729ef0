/**
 * Small pure helpers around the STUN messages of connectivity checks:
 * authenticating an inbound request on its raw bytes, the PRIORITY our checks carry, and the
 * key transactions are matched by.
 */
import type { KeyObject } from 'node:crypto';
import { candidatePriority } from '../candidate.js';
import type { Candidate } from '../candidate-types.js';
import { type StunScan, scannedUsername, verifyScannedIntegrity } from '../stun/raw.js';
import type { LocalCandidate } from './pair.js';
import { tcpCandidatePriority } from './tcp-pairing.js';

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
 * Authenticates an inbound connectivity check on its raw bytes, before
 * anything else of it is decoded (RFC 8445 §7.3, RFC 8489 §9.1.3): a
 * USERNAME and a MESSAGE-INTEGRITY (else 400), USERNAME naming our ufrag
 * first and the HMAC valid under our password's key, made once per
 * credential set (else 401). Undefined when the request is authentic.
 */
export function authenticateRequest(
  raw: Uint8Array,
  scan: StunScan,
  localUfrag: string,
  localKey: KeyObject,
): RequestRejection | undefined {
  const username = scannedUsername(raw, scan);
  if (username === undefined || scan.integrity < 0) {
    return { code: 400, reason: 'Bad Request', counter: 'unauthenticatedPackets', authenticated: false };
  }
  const colon = username.indexOf(':');
  const recipientUfrag = colon < 0 ? username : username.slice(0, colon);
  if (recipientUfrag !== localUfrag || !verifyScannedIntegrity(raw, scan, localKey)) {
    return { code: 401, reason: 'Unauthorized', counter: 'unauthenticatedPackets', authenticated: false };
  }
  return undefined;
}

/**
 * The remote half of a check's USERNAME (`ours:theirs`, RFC 8445 §7.2.2):
 * the peer generation that sent it; empty when there is no colon.
 */
export function remoteUfragOf(username: string): string {
  const colon = username.indexOf(':');
  return colon < 0 ? '' : username.slice(colon + 1);
}

/** An authenticated check with comprehension-required attributes we do not know is answered 420. */
export const UNKNOWN_ATTRIBUTE: RequestRejection = {
  code: 420,
  reason: 'Unknown Attribute',
  counter: 'unknownAttributeRequests',
  authenticated: true,
};

/** Srflx candidates are pruned to their base and prflx ones are never checked from (RFC 8445 §6.1.2.4). */
export function isPairable(local: LocalCandidate): boolean {
  return local.candidate.type === 'host' || local.candidate.type === 'relay';
}

/**
 * PRIORITY of our checks: the peer-reflexive type preference with the
 * candidate's own local preference. For a TCP candidate, the RFC 6544 §4.2
 * priority of a peer-reflexive candidate of its `tcptype` (TCP type
 * preference, reflexive direction preference) with its other-preference, so
 * a TCP path learned as peer-reflexive never outranks a direct UDP one.
 */
export function peerReflexivePriority(local: Candidate): number {
  const localPreference = Math.floor(local.priority / 256) & 0xffff;
  if (local.transport === 'tcp' && local.tcpType !== undefined) {
    return tcpCandidatePriority('prflx', local.tcpType, localPreference & 0x1fff, local.component);
  }
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
