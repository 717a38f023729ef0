/**
 * The controlled side accepts aggressive nomination (USE-CANDIDATE on the very
 * first check, as aioice and older stacks send it): once its own triggered
 * check on that pair succeeds, the pair is selected without another round.
 */
import { describe, expect, it } from 'vitest';
import { candidatePriority } from '../lib/candidate.js';
import type { IceSession, SessionEvent } from '../lib/core/session.js';
import { buildBindingRequest, buildBindingSuccess, decodeStun, shortTermKey } from '../lib/stun/message.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';

const OURS = { ufrag: 'ctrl', pwd: 'controlled-password-xx'.replace(/-/g, 'x') };
const PEER = { ufrag: 'aggr', pwd: 'aggressive-password-xx'.replace(/-/g, 'x') };
const local = hostCandidate('10.0.0.2', 2000);

/** A controlled session with one host candidate (socket 1) that knows the peer's credentials. */
function controlledSession(): IceSession {
  const session = newSession({ role: 'controlled', tieBreaker: 1n, localCredentials: OURS });
  session.addLocalCandidate({ candidate: local, socketId: 1 }, 0);
  session.setRemoteCredentials(PEER, 0);
  return session;
}

function decoded(data: Uint8Array) {
  const message = decodeStun(data);
  if (!message) throw new Error('not STUN');
  return message;
}

describe('controlled side, aggressive nomination from the peer', () => {
  it('selects the pair as soon as its triggered check on it succeeds', () => {
    const session = controlledSession();

    // The peer's first check already carries USE-CANDIDATE; we have not heard of its candidate yet.
    const check = buildBindingRequest({
      username: `${OURS.ufrag}:${PEER.ufrag}`,
      key: shortTermKey(OURS.pwd),
      priority: candidatePriority('prflx', 65535, 1),
      role: 'controlling',
      tieBreaker: 99n,
      useCandidate: true,
    });
    session.handleStun(1, '10.0.0.1', 1000, decoded(check.bytes), 0);
    const response = session.pollTransmit();
    expect(response && decoded(response.data).cls).toBe('success');
    expect(session.selectedPair).toBeUndefined(); // nominated, but not valid yet

    // Our triggered check towards the peer goes out in the next Ta slot.
    session.handleTimeout(session.nextTimeout(0) ?? 0);
    const triggered = session.pollTransmit();
    if (!triggered) throw new Error('no triggered check');
    const request = decoded(triggered.data);
    expect(request.cls).toBe('request');
    expect(request.useCandidate).toBe(false); // the controlled side never nominates
    expect(`${triggered.address}:${triggered.port}`).toBe('10.0.0.1:1000');

    const answer = buildBindingSuccess({
      transactionId: request.transactionId,
      mapped: { address: '10.0.0.2', port: 2000 },
      key: shortTermKey(PEER.pwd),
    });
    session.handleStun(1, '10.0.0.1', 1000, decoded(answer), 20);
    const events: SessionEvent[] = [];
    for (let e = session.pollEvent(); e; e = session.pollEvent()) events.push(e);

    expect(session.selectedPair?.remote).toMatchObject({ address: '10.0.0.1', port: 1000, type: 'prflx' });
    expect(session.selectedPair?.nominated).toBe(true);
    expect(events.filter((e) => e.type === 'state').map((e) => (e.type === 'state' ? e.state : ''))).toEqual([
      'checking',
      'connected',
    ]);
    expect(session.localCandidates.map((c) => c.candidate.type)).toEqual(['host']); // mapped == base
  });

  it('learns a local peer-reflexive candidate when the response maps us to an unknown address', () => {
    const session = controlledSession();
    session.addRemoteCandidate({ ...local, address: '10.0.0.1', port: 1000 }, 0);
    session.handleTimeout(0);
    const check = session.pollTransmit();
    if (!check) throw new Error('no check');
    // A NAT between us: the peer sees 203.0.113.7:4000, which we never gathered.
    const answer = buildBindingSuccess({
      transactionId: decoded(check.data).transactionId,
      mapped: { address: '203.0.113.7', port: 4000 },
      key: shortTermKey(PEER.pwd),
    });
    session.handleStun(1, '10.0.0.1', 1000, decoded(answer), 30);
    const learned = session.localCandidates.find((c) => c.candidate.type === 'prflx');
    expect(learned?.socketId).toBe(1); // it shares its base's socket
    expect(learned?.candidate).toMatchObject({
      address: '203.0.113.7',
      port: 4000,
      relatedAddress: '10.0.0.2',
      relatedPort: 2000,
      priority: candidatePriority('prflx', 65535, 1),
    });
    expect(session.checklist.pairs[0]?.state).toBe('succeeded');
  });
});
