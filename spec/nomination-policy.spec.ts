/**
 * Pluggable nomination (issue #15): the policy as a pure function, a custom
 * policy choosing by RTT, aggressive nomination, and renomination agreed by
 * both sides (NOMINATION attribute, draft-thatcher-ice-renomination).
 */
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import { candidatePriority } from '../lib/candidate.js';
import {
  type NominationCandidate,
  type NominationInput,
  type NominationPolicy,
  regularNomination,
} from '../lib/core/nomination-policy.js';
import type { IceSession, SessionConfig } from '../lib/core/session.js';
import { buildBindingRequest, buildBindingSuccess, decodeStun, shortTermKey } from '../lib/stun/message.js';
import type { StunMessageView } from '../lib/stun/types.js';
import { connectAgents, VirtualNetwork } from '../lib/testing/index.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const candidate = (id: number, priority: bigint, rtt?: number): NominationCandidate => ({
  id,
  local: hostCandidate('10.0.0.1', 1000),
  remote: hostCandidate('10.0.0.2', 2000 + id),
  priority,
  rtt,
  checksSent: 1,
  checksAnswered: 1,
  validatedAt: 0,
});

const input = (over: Partial<NominationInput>): NominationInput => ({
  now: 0,
  valid: [candidate(1, 10n)],
  betterPending: false,
  firstValidAt: 0,
  nominationDelay: 200,
  selected: undefined,
  ...over,
});

describe('regularNomination', () => {
  it('nominates the best valid pair at once when no better pair can still succeed', () => {
    expect(regularNomination(input({}))).toEqual({ nominate: 1 });
  });
  it('waits until nominationDelay after the first valid pair while a better pair may succeed', () => {
    expect(regularNomination(input({ betterPending: true, now: 50, firstValidAt: 40 }))).toEqual({
      askAgainAt: 240,
    });
    expect(regularNomination(input({ betterPending: true, now: 240, firstValidAt: 40 }))).toEqual({
      nominate: 1,
    });
  });
  it('never renominates by itself', () => {
    expect(regularNomination(input({ selected: candidate(1, 10n) }))).toBeUndefined();
  });
});

// ---- session level: a controlling session with two remote candidates -----------------------

const OURS = { ufrag: 'ours', pwd: 'ourxpasswordxxxxxxxxxxx' };
const PEER = { ufrag: 'peer', pwd: 'peerxpasswordxxxxxxxxxx' };
const HIGH = hostCandidate('10.0.0.2', 2000);
const LOW = { ...hostCandidate('10.0.0.2', 2001), priority: HIGH.priority - 1000, foundation: 'low' };

function decoded(data: Uint8Array): StunMessageView {
  const message = decodeStun(data);
  if (!message) throw new Error('not STUN');
  return message;
}

function controlling(options: Partial<SessionConfig> = {}): IceSession {
  const session = newSession({ role: 'controlling', tieBreaker: 5n, localCredentials: OURS, ...options });
  session.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
  session.setRemoteCredentials(PEER, 0);
  session.addRemoteCandidate(HIGH, 0);
  session.addRemoteCandidate(LOW, 0);
  return session;
}

/**
 * Runs `session` until `until`, answering each check to port p after
 * `delay(p)` ms (undefined: never). Returns every check sent with its time.
 */
function run(session: IceSession, until: number, delay: (port: number) => number | undefined) {
  const sent: { at: number; port: number; message: StunMessageView }[] = [];
  const answers: { at: number; port: number; bytes: Uint8Array }[] = [];
  for (let now = 0; now <= until; now++) {
    for (const a of answers.filter((x) => x.at === now))
      session.handleStun(1, '10.0.0.2', a.port, decoded(a.bytes), now);
    if ((session.nextTimeout(now) ?? Infinity) <= now) session.handleTimeout(now);
    for (let t = session.pollTransmit(); t; t = session.pollTransmit()) {
      const message = decoded(t.data);
      if (message.cls !== 'request') continue;
      sent.push({ at: now, port: t.port, message });
      const d = delay(t.port);
      if (d === undefined) continue;
      const bytes = buildBindingSuccess({
        transactionId: message.transactionId,
        mapped: { address: '10.0.0.1', port: 1000 },
        key: shortTermKey(PEER.pwd),
      });
      answers.push({ at: now + d, port: t.port, bytes });
    }
  }
  return sent;
}

describe('a custom nomination policy', () => {
  it('nominates the lowest-RTT pair, not the highest-priority one', () => {
    const lowestRtt: NominationPolicy = ({ valid, betterPending, firstValidAt, now }) => {
      if (betterPending || valid.length < 2)
        return now < firstValidAt + 500 ? { askAgainAt: firstValidAt + 500 } : undefined;
      const best = [...valid].sort((a, b) => (a.rtt ?? Infinity) - (b.rtt ?? Infinity))[0];
      return best && { nominate: best.id };
    };
    const session = controlling({ nomination: lowestRtt });
    const sent = run(session, 1000, (port) => (port === 2000 ? 80 : 10));
    const nominating = sent.filter((s) => s.message.useCandidate);
    expect(nominating.map((s) => s.port)).toEqual([2001]);
    expect(session.selectedPair?.remote.port).toBe(2001);
    expect(session.selectedPair?.rtt).toBe(10);
  });

  it('is asked again at the time it names, and an unknown pair id nominates nothing', () => {
    const asked: number[] = [];
    const policy: NominationPolicy = ({ now }) => {
      asked.push(now);
      return now < 300 ? { askAgainAt: 300 } : { nominate: 9999 };
    };
    const session = controlling({ nomination: policy });
    const sent = run(session, 600, () => 10);
    expect(asked).toContain(300);
    expect(sent.some((s) => s.message.useCandidate)).toBe(false);
    expect(session.selectedPair).toBeUndefined();
  });
});

describe('aggressive nomination (controlling side)', () => {
  it('puts USE-CANDIDATE on every check and moves to a higher-priority pair that succeeds later', () => {
    const session = controlling({ nomination: 'aggressive' });
    const sent = run(session, 1000, (port) => (port === 2000 ? 200 : 10));
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.every((s) => s.message.useCandidate)).toBe(true);
    expect(sent.every((s) => s.message.nomination === undefined)).toBe(true); // no renomination agreed
    expect(session.selectedPair?.remote.port).toBe(2000); // LOW answered first, HIGH replaced it
    expect(session.selectedPair?.nominated).toBe(true);
  });
});

describe('renomination', () => {
  it('is off unless both sides offer it: a controlling agent never nominates twice', () => {
    const calls: (number | undefined)[] = [];
    const switcher: NominationPolicy = (i) => {
      calls.push(i.selected?.id);
      return i.selected
        ? { nominate: (i.valid.find((p) => p.id !== i.selected?.id) as NominationCandidate).id }
        : { nominate: i.valid[0]?.id as number };
    };
    const session = controlling({ nomination: switcher, renomination: true }); // the peer never offered it
    run(session, 1000, () => 10);
    expect(calls.every((id) => id === undefined)).toBe(true);
  });

  it('controlled side: the highest NOMINATION wins whatever the priorities, only when agreed', () => {
    const check = (nomination: number | undefined) =>
      buildBindingRequest({
        username: `${OURS.ufrag}:${PEER.ufrag}`,
        key: shortTermKey(OURS.pwd),
        priority: candidatePriority('prflx', 65535, 1),
        role: 'controlling',
        tieBreaker: 99n,
        useCandidate: true,
        nomination,
      });
    for (const agreed of [true, false]) {
      const session = newSession({
        role: 'controlled',
        tieBreaker: 1n,
        localCredentials: OURS,
        renomination: true,
      });
      session.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
      session.setRemoteCredentials(PEER, 0);
      session.setRemoteRenomination(agreed, 0);
      session.addRemoteCandidate(HIGH, 0);
      session.addRemoteCandidate(LOW, 0);
      run(session, 300, () => 5); // both pairs valid on our side
      const at = (port: number, nomination: number, now: number) =>
        session.handleStun(1, '10.0.0.2', port, decoded(check(nomination).bytes), now);
      // The peer checked both pairs plainly first (regular nomination), then nominates HIGH (1), LOW (2).
      session.handleStun(1, '10.0.0.2', 2000, decoded(check(undefined).bytes), 300);
      at(2000, 1, 310);
      expect(session.selectedPair?.remote.port).toBe(2000);
      at(2001, 2, 320);
      expect(session.selectedPair?.remote.port).toBe(agreed ? 2001 : 2000);
      if (agreed) {
        at(2000, 1, 330); // a stale, lower NOMINATION arriving late changes nothing
        expect(session.selectedPair?.remote.port).toBe(2001);
      }
    }
  });

  it('two agents that both offer it: the controlling policy moves the path, both sides follow, data flows', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      // After 2 s the policy prefers the pair towards b's second address.
      const preferSecond: NominationPolicy = ({ valid, selected, now }) => {
        const second = valid.find((p) => p.remote.address === '10.0.0.3');
        // First nomination once both paths are valid (checking stops at nomination, RFC 8445 §8.1.2).
        if (!selected)
          return valid.length < 2 || !second
            ? { askAgainAt: now + 50 }
            : { nominate: (valid[0] as NominationCandidate).id };
        if (now < 2000) return { askAgainAt: 2000 };
        return second && { nominate: second.id };
      };
      const a = new IceAgent({
        role: 'controlling',
        scheduler: ts,
        transport: net.createHost('a', { addresses: ['10.0.0.1'] }),
        nomination: preferSecond,
        renomination: true,
      });
      const b = new IceAgent({
        role: 'controlled',
        scheduler: ts,
        transport: net.createHost('b', { addresses: ['10.0.0.2', '10.0.0.3'] }),
        renomination: true,
      });
      expect(a.getLocalIceOptions()).toEqual(['trickle', 'renomination']);
      connectAgents(a, b, { scheduler: ts });
      a.setRemoteCredentials(b.getLocalCredentials().ufrag, b.getLocalCredentials().pwd, {
        iceOptions: b.getLocalIceOptions(),
      });
      b.setRemoteCredentials(a.getLocalCredentials().ufrag, a.getLocalCredentials().pwd, {
        iceOptions: a.getLocalIceOptions(),
      });
      const selectedA: string[] = [];
      const selectedB: string[] = [];
      a.selectedPair$.subscribe((p) => selectedA.push(p.remote.address));
      b.selectedPair$.subscribe((p) => selectedB.push(p.local.address));
      const received: string[] = [];
      b.data$.subscribe((d) => received.push(Buffer.from(d).toString()));
      ts.schedule(() => a.send(Buffer.from('before')), 1500);
      ts.schedule(() => {
        expect(selectedA).toEqual(['10.0.0.2', '10.0.0.3']);
        expect(selectedB).toEqual(['10.0.0.2', '10.0.0.3']);
        expect(a.getStats().state).not.toBe('failed');
        a.send(Buffer.from('after'));
      }, 3000);
      ts.schedule(() => {
        expect(received).toEqual(['before', 'after']);
        expect(b.getStats().selectedPair?.local.address).toBe('10.0.0.3');
        a.stop();
        b.stop();
      }, 3100);
    });
  });
});

describe('crossing checks (regression: found while testing renomination)', () => {
  it('two agents checking the same path at once settle after one round, and the next pair gets its slot', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
      // A policy that never nominates: checking runs on its own.
      const never: NominationPolicy = ({ now }) => ({ askAgainAt: now + 1000 });
      const a = new IceAgent({
        role: 'controlling',
        scheduler: ts,
        transport: net.createHost('a', { addresses: ['10.0.0.1'] }),
        nomination: never,
      });
      const b = new IceAgent({
        role: 'controlled',
        scheduler: ts,
        transport: net.createHost('b', { addresses: ['10.0.0.2', '10.0.0.3'] }),
      });
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        // Each side's check arrived while its own was in flight, so each re-queued its pair (RFC 8445
        // §7.3.1.4); the answers that came back make those re-checks moot. Before the fix, both sides
        // re-checked the first path every Ta forever and the second path was never checked.
        const pairs = a.getStats().candidatePairs;
        expect(pairs.map((p) => [p.remote.address, p.state, p.valid])).toEqual([
          ['10.0.0.2', 'succeeded', true],
          ['10.0.0.3', 'succeeded', true],
        ]);
        for (const p of pairs) expect(p.requestsSent).toBeLessThanOrEqual(2);
        a.stop();
        b.stop();
      }, 1000);
    });
  });
});
