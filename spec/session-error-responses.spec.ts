/**
 * Error responses to our checks: an unsigned 400/401 on the check's own path
 * fails the pair at once; an unsigned 487, or anything off-path, is dropped and
 * counted (it could be forged, and a 487 would flip our role).
 */
import { describe, expect, it } from 'vitest';
import { buildBindingError, decodeStun } from '../lib/stun/message.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';

/** A controlling session that has just sent its first check to 10.0.0.2:2000; returns it and the check's ID. */
function sessionWithCheckInFlight() {
  const session = newSession({
    role: 'controlling',
    tieBreaker: 5n,
    localCredentials: { ufrag: 'locl', pwd: 'x'.repeat(22) },
  });
  session.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
  session.addRemoteCandidate(hostCandidate('10.0.0.2', 2000), 0);
  session.setRemoteCredentials({ ufrag: 'rmte', pwd: 'y'.repeat(22) }, 0);
  session.handleTimeout(0);
  const check = session.pollTransmit();
  const transactionId = check && decodeStun(check.data)?.transactionId;
  if (!transactionId) throw new Error('no check sent');
  return { session, transactionId };
}

function unsignedError(transactionId: Uint8Array, code: number) {
  const view = decodeStun(buildBindingError({ transactionId, code, reason: 'x' }));
  if (!view) throw new Error('bad error response');
  return view;
}

describe('error responses to checks', () => {
  it.each([400, 401])('an unsigned %i on the check path fails the pair at once', (code) => {
    const { session, transactionId } = sessionWithCheckInFlight();
    session.handleStun(1, '10.0.0.2', 2000, unsignedError(transactionId, code), 20);
    expect(session.checklist.pairs[0]?.state).toBe('failed');
    expect(session.counters.unauthenticatedPackets).toBe(0);
  });

  it('drops an unsigned 487 (it would flip our role) and keeps checking', () => {
    const { session, transactionId } = sessionWithCheckInFlight();
    session.handleStun(1, '10.0.0.2', 2000, unsignedError(transactionId, 487), 20);
    expect(session.role).toBe('controlling');
    expect(session.checklist.pairs[0]?.state).toBe('in-progress');
    expect(session.counters.unauthenticatedPackets).toBe(1);
  });

  it('drops an unsigned rejection from another address', () => {
    const { session, transactionId } = sessionWithCheckInFlight();
    session.handleStun(1, '10.0.0.66', 2000, unsignedError(transactionId, 401), 20);
    expect(session.checklist.pairs[0]?.state).toBe('in-progress');
    expect(session.counters.unauthenticatedPackets).toBe(1);
  });
});
