/**
 * A restart while the controlling side's nomination is on the wire
 * (`IceSession.nominationInFlight`, `retireForRestart`): the peer may select
 * that pair the moment the check arrives (RFC 8445 §7.3.1.5), so the agent
 * keeps the old session (and the relay under it) until that check ends.
 * Explore seed 20261224, #75442.
 */
import { describe, expect, it } from 'vitest';
import type { IceCredentials } from '../lib/core/credentials.js';
import type { IceRole } from '../lib/core/pair.js';
import type { IceSession } from '../lib/core/session.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';
import { type Datagram, introduce, netPeer, SessionNet } from './helpers/session-net.js';

const CRED_A: IceCredentials = { ufrag: 'ufragA', pwd: 'passwordAAAAAAAAAAAAAAAA' };
const CRED_B: IceCredentials = { ufrag: 'ufragB', pwd: 'passwordBBBBBBBBBBBBBBBB' };

function session(role: IceRole, credentials: IceCredentials): IceSession {
  return newSession({ role, tieBreaker: role === 'controlling' ? 1000n : 1n, localCredentials: credentials });
}

function peers() {
  const a = netPeer('A', session('controlling', CRED_A), '10.0.0.1', 1000);
  const b = netPeer('B', session('controlled', CRED_B), '10.0.0.2', 2000);
  return { a, b };
}

const isNominating = (d: Datagram) => d.message?.cls === 'request' && d.message.useCandidate === true;

describe('a nomination in flight (restart keeps its session)', () => {
  it('names the pair while its USE-CANDIDATE check is on the wire, and nothing once it selected', () => {
    const { a, b } = peers();
    const net = new SessionNet([a, b], (d) => (isNominating(d) ? 500 : 10));
    introduce(a, b);
    expect(a.session.nominationInFlight()).toBeUndefined();
    net.run(300); // the nominating check went out in a Ta slot after the first success; it lands 500 ms later
    const nominating = net.log.find(isNominating);
    expect(nominating?.at).toBeLessThan(300);
    const inFlight = a.session.nominationInFlight();
    expect(inFlight?.remote.address).toBe('10.0.0.2');
    expect(a.session.selectedPair).toBeUndefined();
    net.run(1000);
    expect(a.session.selectedPair).toBe(inFlight);
    expect(a.session.nominationInFlight()).toBeUndefined();
    expect(b.session.nominationInFlight()).toBeUndefined(); // the controlled side nominates nothing
  });

  it('retired for a restart: only the nominating check goes on, and its success selects', () => {
    const { a, b } = peers();
    const net = new SessionNet([a, b], (d) => (isNominating(d) ? 500 : 10));
    introduce(a, b);
    a.session.addRemoteCandidate(hostCandidate('10.0.0.99', 2000), 0); // never answers
    net.run(300);
    const inFlight = a.session.nominationInFlight();
    expect(inFlight).toBeDefined();
    const toDeadAddress = () => net.log.filter((d) => d.transmit.address === '10.0.0.99').length;
    const before = toDeadAddress();
    expect(before).toBeGreaterThan(0); // its check was retransmitting
    a.session.retireForRestart();
    net.run(5000);
    expect(toDeadAddress()).toBe(before); // cancelled: no retransmission, no new check
    expect(a.session.selectedPair).toBe(inFlight);
    expect(b.session.selectedPair?.remote.address).toBe('10.0.0.1');
  });

  it('a nominating check that times out leaves nothing in flight, and nothing selected', () => {
    const { a, b } = peers();
    const net = new SessionNet([a, b], (d) => (isNominating(d) ? 'drop' : 10));
    introduce(a, b);
    net.run(300);
    expect(a.session.nominationInFlight()).toBeDefined();
    a.session.retireForRestart();
    net.run(45_000); // 7 transmissions over 39.5 s
    expect(a.session.nominationInFlight()).toBeUndefined();
    expect(a.session.selectedPair).toBeUndefined();
  });

  it('without a nomination in flight, retiring changes nothing', () => {
    const { a, b } = peers();
    const net = new SessionNet([a, b]);
    introduce(a, b);
    a.session.retireForRestart();
    net.run(2000);
    expect(a.session.selectedPair?.remote.address).toBe('10.0.0.2');
  });
});
