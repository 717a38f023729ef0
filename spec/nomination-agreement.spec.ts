/**
 * Both sides must end on the same selected pair. The controlled side follows
 * a later nomination when the peer nominates regularly (it only nominates a
 * second pair after its nominating check on the first failed on its side),
 * and keeps the highest-priority one when the peer nominates aggressively.
 * Found by the session explorer: a controlling agent whose USE-CANDIDATE
 * answers were all lost nominated a relayed pair while the controlled agent
 * kept the host pair.
 */
import { describe, expect, it } from 'vitest';
import { candidatePriority } from '../lib/candidate.js';
import type { IceSession } from '../lib/core/session.js';
import { buildBindingRequest, buildBindingSuccess, decodeStun, shortTermKey } from '../lib/stun/message.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';

const OURS = { ufrag: 'ctrl', pwd: 'controlledxpasswordxxxx' };
const PEER = { ufrag: 'peer', pwd: 'controllingxpasswordxxx' };
const HIGH = hostCandidate('10.0.0.1', 1000);
const LOW = { ...hostCandidate('10.0.0.1', 1001), priority: HIGH.priority - 1000, foundation: 'low' };

function decoded(data: Uint8Array) {
  const message = decodeStun(data);
  if (!message) throw new Error('not STUN');
  return message;
}

/** A controlled session that knows both of the peer's candidates. */
function controlled(): IceSession {
  const session = newSession({ role: 'controlled', tieBreaker: 1n, localCredentials: OURS });
  session.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
  session.setRemoteCredentials(PEER, 0);
  session.addRemoteCandidate(HIGH, 0);
  session.addRemoteCandidate(LOW, 0);
  return session;
}

/** The peer's check from `from`, with or without USE-CANDIDATE; returns whether it was answered with success. */
function peerCheck(session: IceSession, from: typeof HIGH, useCandidate: boolean, now: number): void {
  const check = buildBindingRequest({
    username: `${OURS.ufrag}:${PEER.ufrag}`,
    key: shortTermKey(OURS.pwd),
    priority: candidatePriority('prflx', 65535, 1),
    role: 'controlling',
    tieBreaker: 99n,
    useCandidate,
  });
  session.handleStun(1, from.address, from.port, decoded(check.bytes), now);
}

/** Runs our own checks until `until`, answering every one of them with success. */
function answerOurChecks(session: IceSession, from: number, until: number): void {
  for (let now = from; now <= until; now += 5) {
    if ((session.nextTimeout(now) ?? Infinity) <= now) session.handleTimeout(now);
    for (let t = session.pollTransmit(); t; t = session.pollTransmit()) {
      const message = decoded(t.data);
      if (message.cls !== 'request') continue;
      const answer = buildBindingSuccess({
        transactionId: message.transactionId,
        mapped: { address: '10.0.0.2', port: 2000 },
        key: shortTermKey(PEER.pwd),
      });
      session.handleStun(1, t.address, t.port, decoded(answer), now);
    }
  }
}

const selectedPort = (s: IceSession) => s.selectedPair?.remote.port;

describe('the controlled side ends on the pair the controlling side uses', () => {
  it('regular nomination: follows a later nomination of a lower-priority pair', () => {
    const session = controlled();
    answerOurChecks(session, 0, 300); // both pairs valid on our side
    peerCheck(session, HIGH, false, 300);
    peerCheck(session, HIGH, true, 310);
    expect(selectedPort(session)).toBe(1000);
    // The peer never saw our answers to that nomination, gave up on it, and nominated the other pair.
    peerCheck(session, LOW, false, 20_000);
    peerCheck(session, LOW, true, 20_050);
    answerOurChecks(session, 20_050, 20_400);
    expect(selectedPort(session)).toBe(1001);
    expect(session.state).not.toBe('failed');
  });

  it('aggressive nomination: keeps the highest-priority nominated pair', () => {
    const session = controlled();
    peerCheck(session, HIGH, true, 0);
    answerOurChecks(session, 0, 300);
    expect(selectedPort(session)).toBe(1000);
    peerCheck(session, LOW, true, 310);
    answerOurChecks(session, 310, 600);
    expect(selectedPort(session)).toBe(1000);
  });

  it('aggressive nomination: moves to a higher-priority pair nominated later', () => {
    const session = controlled();
    peerCheck(session, LOW, true, 0);
    answerOurChecks(session, 0, 300);
    expect(selectedPort(session)).toBe(1001);
    peerCheck(session, HIGH, true, 310);
    answerOurChecks(session, 310, 600);
    expect(selectedPort(session)).toBe(1000);
  });
});
