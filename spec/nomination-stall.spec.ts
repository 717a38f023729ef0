/**
 * Regression tests for issue #10 "Connects every time": the two ways into the
 * nomination stall, the scenarios that reproduced it in virtual time, and the
 * conclusion rules (RFC 8445 §8.1.2 checks stop after nomination; RFC 8863
 * no failure before the PAC timer).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAC_TIMEOUT } from '../lib/core/conclusion.js';
import type { IceCredentials } from '../lib/core/credentials.js';
import { NOMINATION_PROMPT_INTERVAL } from '../lib/core/nomination-prompt.js';
import type { IceRole } from '../lib/core/pair.js';
import type { IceSession, SessionConfig } from '../lib/core/session.js';
import { mulberry32 } from '../lib/testing/prng.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';
import { type Datagram, introduce, netPeer, SessionNet } from './helpers/session-net.js';

const CRED_A: IceCredentials = { ufrag: 'ufragA', pwd: 'passwordAAAAAAAAAAAAAAAA' };
const CRED_B: IceCredentials = { ufrag: 'ufragB', pwd: 'passwordBBBBBBBBBBBBBBBB' };

function session(role: IceRole, credentials: IceCredentials, extra: Partial<SessionConfig> = {}): IceSession {
  return newSession({
    role,
    tieBreaker: role === 'controlling' ? 1000n : 1n,
    localCredentials: credentials,
    ...extra,
  });
}

function pairOfPeers(extra: Partial<SessionConfig> = {}) {
  const a = netPeer('A', session('controlling', CRED_A, extra), '10.0.0.1', 1000);
  const b = netPeer('B', session('controlled', CRED_B, extra), '10.0.0.2', 2000);
  return { a, b };
}

const isNominating = (d: Datagram) => d.message?.cls === 'request' && d.message.useCandidate === true;

function finishGathering(...sessions: IceSession[]): void {
  for (const s of sessions) {
    s.endOfLocalCandidates(0);
    s.endOfRemoteCandidates(0);
  }
}

describe('the nomination stall (issue #10)', () => {
  it('way in 1: a late answer to an earlier check while the nominating check waits in the queue', () => {
    const { a, b } = pairOfPeers();
    // A's first check (sent at 0) is answered at 10, but the answer takes 70 ms, arriving at 80:
    // after B's own check (at 10) made A cancel and re-send its check (at 50, answered at 70),
    // and after A chose the pair and queued the nominating check for the next slot (100).
    let firstAnswer = true;
    const net = new SessionNet([a, b], (d) => {
      if (d.from === b && d.message?.cls === 'success' && firstAnswer) {
        firstAnswer = false;
        return 70;
      }
      return 10;
    });
    introduce(a, b);
    finishGathering(a.session, b.session);
    net.run(2000);
    expect(firstAnswer).toBe(false);
    const nominating = net.log.filter(isNominating);
    expect(nominating.length).toBeGreaterThanOrEqual(1);
    expect(nominating[0]?.at).toBe(100);
    expect(a.session.state).toBe('completed');
    expect(b.session.state).toBe('completed');
    expect(a.session.selectedPair?.remote.address).toBe('10.0.0.2');
    expect(b.session.selectedPair?.remote.address).toBe('10.0.0.1');
  });

  it('way in 2: the nominating check is lost for 15 s: it times out, the pair is retried, and both connect', () => {
    const { a, b } = pairOfPeers();
    // B's nomination prompts (a check of its valid pair every 2.5 s) would restart A's nominating
    // transaction (RFC 8445 §7.3.1.4): they are lost too, so that transaction runs its whole schedule.
    const isPrompt = (d: Datagram) => d.from === b && d.message?.cls === 'request' && d.at >= 1000;
    const net = new SessionNet([a, b], (d) =>
      (isNominating(d) || isPrompt(d)) && d.at < 15_000 ? 'drop' : 10,
    );
    introduce(a, b);
    finishGathering(a.session, b.session);
    for (let t = 1000; t <= 40_000; t += 1000) {
      net.run(t);
      SessionNet.expectNotStuck(a, net.now);
      SessionNet.expectNotStuck(b, net.now);
    }
    const lost = net.log.filter((d) => isNominating(d) && d.at < 15_000);
    const txOf = (d: Datagram) => Buffer.from(d.message?.transactionId ?? []).toString('hex');
    const perTransaction = new Map<string, number>();
    for (const d of lost) perTransaction.set(txOf(d), (perTransaction.get(txOf(d)) ?? 0) + 1);
    // One nominating check went through its whole retransmission schedule and timed out...
    expect(Math.max(...perTransaction.values())).toBe(7);
    // ...then the pair was checked again and nominated again.
    expect(perTransaction.size).toBeGreaterThan(1);
    expect(a.session.state).toBe('completed');
    expect(b.session.state).toBe('completed');
    // The retried nomination's next retransmission after the blackout gets through (RTO ≤ 1.6 s).
    const through = net.log.find((d) => isNominating(d) && d.at >= 15_000)?.at ?? Infinity;
    expect(through).toBeLessThanOrEqual(15_000 + 1600);
    expect(through).toBeLessThan(DEFAULT_PAC_TIMEOUT);
  });

  it("way in 3: only the controlled side's check succeeded: its prompts make the controlling side check again", () => {
    // Explore seed 20261223, #44131: every transmission of A's check (or of B's answers) was lost,
    // so A failed the pair while B's own check had succeeded. B waited for a nomination that A, with
    // nothing valid, could never send; A failed when its PAC timer ran out. Here the loss lasts 12 s.
    const { a, b } = pairOfPeers();
    const lost = (d: Datagram) =>
      d.at < 12_000 &&
      ((d.from === a && d.message?.cls === 'request') || (d.from === b && d.message?.cls === 'success'));
    const net = new SessionNet([a, b], (d) => (lost(d) ? 'drop' : 10));
    introduce(a, b);
    finishGathering(a.session, b.session);
    net.run(11_000);
    expect(a.session.checklist.pairs.some((p) => p.valid)).toBe(false); // every check of A's was lost
    expect(b.session.checklist.pairs.some((p) => p.valid)).toBe(true);
    expect(b.session.selectedPair).toBeUndefined();
    // B checked its valid pair again every 2.5 s (each such check re-triggers A's, RFC 8445 §7.3.1.4).
    const prompts = net.log.filter((d) => d.from === b && d.message?.cls === 'request' && d.at >= 1000);
    expect(prompts.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < prompts.length; i++) {
      expect((prompts[i]?.at ?? 0) - (prompts[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(
        NOMINATION_PROMPT_INTERVAL,
      );
    }
    // The first prompt after the loss ends brings A's triggered check through: both connect.
    net.run(12_000 + NOMINATION_PROMPT_INTERVAL + 2000);
    expect(a.session.state).toBe('completed');
    expect(b.session.state).toBe('completed');
  });

  it('the link down for the first 100 ms: the retransmissions connect', () => {
    const { a, b } = pairOfPeers();
    const net = new SessionNet([a, b], (d) => (d.at < 100 ? 'drop' : 10));
    introduce(a, b);
    finishGathering(a.session, b.session);
    net.run(5000);
    expect(a.session.state).toBe('completed');
    expect(b.session.state).toBe('completed');
  });

  it('10 % random loss, 300 seeds: every session connects, and nothing is ever stalled', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = mulberry32(seed);
      const { a, b } = pairOfPeers({ liveness: { random } });
      const net = new SessionNet([a, b], () => (random() < 0.1 ? 'drop' : 5 + Math.floor(random() * 20)));
      introduce(a, b);
      finishGathering(a.session, b.session);
      for (let t = 500; t <= 40_000 && !(a.session.selectedPair && b.session.selectedPair); t += 500) {
        net.run(t);
        SessionNet.expectNotStuck(a, net.now);
        SessionNet.expectNotStuck(b, net.now);
      }
      expect([seed, a.session.state, b.session.state]).toEqual([seed, 'completed', 'completed']);
    }
  });
});

describe('concluding ICE (RFC 8445 §8.1.2, RFC 8863)', () => {
  it('stops checking other pairs once a nomination succeeds, and completes at once', () => {
    const { a, b: plain } = pairOfPeers();
    const b = { ...plain, candidate: { ...plain.candidate, priority: 1000 } };
    const net = new SessionNet([a, b]);
    introduce(a, b);
    // A dead candidate of B's that ranks above the working one: it is checked first and keeps
    // retransmitting until the nomination cancels it.
    a.session.addRemoteCandidate({ ...hostCandidate('10.0.0.99', 9999), priority: 2_130_706_431 }, 0);
    finishGathering(a.session, b.session);
    net.run(20_000);
    const selectedAt = a.events.length > 0 ? net.log.find(isNominating)?.at : undefined;
    expect(selectedAt).toBeDefined();
    // nominationDelay (200 ms) after the first valid pair, as the dead pair might still succeed.
    expect(selectedAt).toBeLessThan(400);
    const toDead = net.requestsFrom('A').filter((d) => d.transmit.address === '10.0.0.99');
    expect(toDead.length).toBeGreaterThan(0);
    expect(toDead.every((d) => d.at <= (selectedAt as number))).toBe(true);
    // Afterwards only the selected pair is checked (consent).
    const after = net.requestsFrom('A').filter((d) => d.at > (selectedAt as number) + 20);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((d) => d.transmit.address === '10.0.0.2')).toBe(true);
    expect(SessionNet.states(a)).toEqual(['checking', 'connected', 'completed']);
  });

  it('does not fail before the PAC timer: a peer-reflexive pair found at 20 s still connects', () => {
    // A was told a wrong address for B; B learns A's credentials only at 20 s, and its checks
    // then reveal its real address to A as a peer-reflexive candidate.
    const a = netPeer('A', session('controlling', CRED_A), '10.0.0.1', 1000);
    const b = netPeer('B', session('controlled', CRED_B), '10.0.0.2', 2000);
    const net = new SessionNet([a, b]);
    a.session.addLocalCandidate({ candidate: a.candidate, socketId: 1 }, 0);
    a.session.addRemoteCandidate(hostCandidate('10.0.0.99', 2000), 0);
    a.session.setRemoteCredentials(CRED_B, 0);
    finishGathering(a.session);
    net.run(20_000);
    expect(a.session.state).toBe('checking'); // its only pair failed at 9.5 s, but the PAC timer holds
    b.session.addLocalCandidate({ candidate: b.candidate, socketId: 1 }, 20_000);
    b.session.addRemoteCandidate(a.candidate, 20_000);
    b.session.setRemoteCredentials(CRED_A, 20_000);
    net.run(25_000);
    expect(a.session.state).toBe('completed'); // A had everything: both end-of-candidates
    expect(a.session.selectedPair?.remote.type).toBe('prflx');
    expect(b.session.state).toBe('connected'); // B never heard the end of A's candidates
  });

  it('fails once the PAC timer expires when nothing answers', () => {
    const a = netPeer('A', session('controlling', CRED_A, { pacTimeout: 20_000 }), '10.0.0.1', 1000);
    const net = new SessionNet([a]);
    a.session.addLocalCandidate({ candidate: a.candidate, socketId: 1 }, 0);
    a.session.addRemoteCandidate(hostCandidate('10.0.0.99', 2000), 0);
    a.session.setRemoteCredentials(CRED_B, 0);
    finishGathering(a.session);
    net.run(19_999);
    expect(a.session.state).toBe('checking');
    net.run(20_000);
    expect(a.session.state).toBe('failed');
    expect(a.session.failureReason).toBe('checks-timed-out');
  });

  it('names what a session without a deadline waits for', () => {
    const { a, b } = pairOfPeers();
    expect(a.session.awaiting(0)).toBe('remote-credentials');
    a.session.setRemoteCredentials(CRED_B, 0);
    expect(a.session.awaiting(0)).toBe('local-candidates');
    // B found a valid pair but A (controlling) never nominates: B waits for the nomination.
    const net = new SessionNet([a, b], (d) => (d.from === a && isNominating(d) ? 'drop' : 10));
    introduce(a, b);
    finishGathering(a.session, b.session);
    net.run(1000);
    // Its only deadline is the next nomination prompt (a check of its valid pair), 2.5 s after its last check.
    const lastCheck = net.log.filter((d) => d.from === b && d.message?.cls === 'request').at(-1);
    expect(b.session.nextTimeout(net.now)).toBe((lastCheck?.at ?? Number.NaN) + NOMINATION_PROMPT_INTERVAL);
    expect(b.session.awaiting(net.now)).toBe('nomination');
  });
});
