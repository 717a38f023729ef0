/**
 * IceSession driven by hand: no sockets, no scheduler. The test owns the
 * clock and the "network" (a map from transport address to session), which
 * is the point of the sans-IO core.
 */
import { describe, expect, it } from 'vitest';
import { candidatePriority } from '../lib/candidate.js';
import type { Candidate } from '../lib/candidate-types.js';
import { DEFAULT_PAC_TIMEOUT } from '../lib/core/conclusion.js';
import type { IceCredentials } from '../lib/core/credentials.js';
import type { IceRole, LocalCandidate } from '../lib/core/pair.js';
import { DEFAULT_RETRANSMISSION, retransmissionSchedule } from '../lib/core/retransmission.js';
import type { IceSession, SessionConfig, SessionEvent, Transmit } from '../lib/core/session.js';
import {
  buildBindingRequest,
  buildBindingSuccess,
  buildStunMessage,
  decodeStun,
  newTransactionId,
  shortTermKey,
} from '../lib/stun/message.js';
import { type StunMessageView, StunMethod } from '../lib/stun/types.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';

const TA = 50;
const CRED_A: IceCredentials = { ufrag: 'ufragA', pwd: 'passwordAAAAAAAAAAAAAAAA' };
const CRED_B: IceCredentials = { ufrag: 'ufragB', pwd: 'passwordBBBBBBBBBBBBBBBB' };

function session(
  role: IceRole,
  localCredentials: IceCredentials,
  overrides: Partial<SessionConfig> = {},
): IceSession {
  return newSession({
    role,
    tieBreaker: role === 'controlling' ? 1000n : 1n,
    localCredentials,
    ta: TA,
    ...overrides,
  });
}

/** One endpoint of the hand-driven network: a session behind one host socket. */
interface Peer {
  readonly name: string;
  readonly session: IceSession;
  readonly socketId: number;
  readonly candidate: Candidate;
  readonly events: SessionEvent[];
}

function peer(name: string, s: IceSession, address: string, port: number): Peer {
  return { name, session: s, socketId: 1, candidate: hostCandidate(address, port), events: [] };
}

/** Adds each peer's host candidate, then exchanges candidates and credentials, all at `now`. */
function introduce(a: Peer, b: Peer, now = 0): void {
  a.session.addLocalCandidate({ candidate: a.candidate, socketId: a.socketId }, now);
  b.session.addLocalCandidate({ candidate: b.candidate, socketId: b.socketId }, now);
  a.session.addRemoteCandidate(b.candidate, now);
  b.session.addRemoteCandidate(a.candidate, now);
  a.session.setRemoteCredentials(b.session.localCredentials, now);
  b.session.setRemoteCredentials(a.session.localCredentials, now);
}

interface Sent {
  readonly at: number;
  readonly from: string;
  readonly transmit: Transmit;
  readonly message: StunMessageView;
  /** Whether some peer listens at the destination. */
  readonly delivered: boolean;
}

const key = (address: string, port: number) => `${address}:${port}`;

/**
 * A tiny event loop: deliver every queued datagram (instantly), then advance
 * `now` to the earliest `nextTimeout` and call `handleTimeout` on the
 * sessions that are due. Stops when nobody wants to be woken before `until`.
 */
function pump(peers: readonly Peer[], o: { from?: number; until: number }): { log: Sent[]; now: number } {
  const byAddress = new Map(peers.map((p) => [key(p.candidate.address, p.candidate.port), p]));
  const log: Sent[] = [];
  let now = o.from ?? 0;
  const drain = (): void => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const p of peers) {
        for (let t = p.session.pollTransmit(); t !== undefined; t = p.session.pollTransmit()) {
          moved = true;
          const message = decodeStun(t.data);
          if (message === undefined) throw new Error(`${p.name} sent something that is not STUN`);
          const to = byAddress.get(key(t.address, t.port));
          log.push({ at: now, from: p.name, transmit: t, message, delivered: to !== undefined });
          to?.session.handleStun(to.socketId, p.candidate.address, p.candidate.port, message, now);
        }
        for (let e = p.session.pollEvent(); e !== undefined; e = p.session.pollEvent()) p.events.push(e);
      }
    }
  };
  for (let steps = 0; steps < 10_000; steps++) {
    drain();
    const due = peers.map((p) => p.session.nextTimeout(now)).filter((t): t is number => t !== undefined);
    if (due.length === 0) return { log, now };
    const next = Math.min(...due);
    expect(next).toBeGreaterThanOrEqual(now); // time never runs backwards
    if (next > o.until) return { log, now };
    now = next;
    for (const p of peers) {
      const at = p.session.nextTimeout(now);
      if (at !== undefined && at <= now) p.session.handleTimeout(now);
    }
  }
  throw new Error('pump did not settle in 10000 steps');
}

const states = (p: Peer) => p.events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
const roles = (p: Peer) => p.events.flatMap((e) => (e.type === 'role' ? [e.role] : []));
const txId = (m: StunMessageView) => Buffer.from(m.transactionId).toString('hex');

/** First transmissions of connectivity checks sent by `name` (retransmissions reuse the transaction ID). */
function newChecks(log: readonly Sent[], name: string): Sent[] {
  const seen = new Set<string>();
  return log.filter((s) => {
    if (s.from !== name || s.message.cls !== 'request') return false;
    const id = txId(s.message);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function expectMirrored(a: Peer, b: Peer): void {
  const pa = a.session.selectedPair;
  const pb = b.session.selectedPair;
  expect(pa).toBeDefined();
  expect(pb).toBeDefined();
  expect(pa?.local.candidate.address).toBe(pb?.remote.address);
  expect(pa?.local.candidate.port).toBe(pb?.remote.port);
  expect(pa?.remote.address).toBe(pb?.local.candidate.address);
  expect(pa?.remote.port).toBe(pb?.local.candidate.port);
}

/** Drains and returns a session's queued transmits, decoded. */
function takeTransmits(s: IceSession): { transmit: Transmit; message: StunMessageView }[] {
  const out: { transmit: Transmit; message: StunMessageView }[] = [];
  for (let t = s.pollTransmit(); t !== undefined; t = s.pollTransmit()) {
    const message = decodeStun(t.data);
    if (!message) throw new Error('not STUN');
    out.push({ transmit: t, message });
  }
  return out;
}

function takeEvents(s: IceSession): SessionEvent[] {
  const out: SessionEvent[] = [];
  for (let e = s.pollEvent(); e !== undefined; e = s.pollEvent()) out.push(e);
  return out;
}

describe('IceSession: two sessions connect over a hand-driven network', () => {
  it('reaches connected on both sides with mirrored selected pairs', () => {
    const a = peer('A', session('controlling', CRED_A), '10.0.0.1', 1000);
    const b = peer('B', session('controlled', CRED_B), '10.0.0.2', 2000);
    introduce(a, b);
    expect(a.session.state).toBe('new');
    expect(a.session.checklist.pairs).toHaveLength(1);
    expect(a.session.checklist.pairs[0]?.state).toBe('waiting');

    const { log } = pump([a, b], { until: 5000 });

    expect(a.session.state).toBe('connected');
    expect(b.session.state).toBe('connected');
    expect(states(a)).toEqual(['checking', 'connected']);
    expect(states(b)).toEqual(['checking', 'connected']);
    expectMirrored(a, b);
    expect(a.events.filter((e) => e.type === 'selected-pair')).toHaveLength(1);
    expect(b.events.filter((e) => e.type === 'selected-pair')).toHaveLength(1);
    expect(a.session.selectedPair?.nominated).toBe(true);
    expect(b.session.selectedPair?.remoteNominated).toBe(true);
    expect(a.session.role).toBe('controlling');
    expect(b.session.role).toBe('controlled');

    // Every datagram went to the other peer, and each side authenticated the other.
    expect(log.every((s) => s.delivered)).toBe(true);
    expect(a.session.counters.unauthenticatedPackets + b.session.counters.unauthenticatedPackets).toBe(0);
    expect(a.session.counters.requestsReceived).toBeGreaterThan(0);
    expect(b.session.counters.responsesReceived).toBeGreaterThan(0);

    // The controlling side nominated with USE-CANDIDATE; the controlled side never does.
    expect(log.some((s) => s.from === 'A' && s.message.cls === 'request' && s.message.useCandidate)).toBe(
      true,
    );
    expect(log.some((s) => s.from === 'B' && s.message.useCandidate)).toBe(false);
    // Checks carry the role attributes and the right USERNAME.
    for (const s of log.filter((x) => x.message.cls === 'request')) {
      if (s.from === 'A') {
        expect(s.message.username).toBe('ufragB:ufragA');
        expect(s.message.iceControlling).toBe(1000n);
      } else {
        expect(s.message.username).toBe('ufragA:ufragB');
        expect(s.message.iceControlled).toBe(1n);
      }
    }
  });

  it('completes once both sides signaled end-of-candidates', () => {
    const a = peer('A', session('controlling', CRED_A), '10.0.0.1', 1000);
    const b = peer('B', session('controlled', CRED_B), '10.0.0.2', 2000);
    introduce(a, b);
    for (const p of [a, b]) {
      p.session.endOfLocalCandidates(0);
      p.session.endOfRemoteCandidates(0);
    }
    pump([a, b], { until: 20_000 });
    expect(states(a)).toEqual(['checking', 'connected', 'completed']);
    expect(states(b)).toEqual(['checking', 'connected', 'completed']);
    expectMirrored(a, b);
    // Checking is over; only liveness wakes the sessions now: the next consent
    // check (RFC 7675) is at most 6 s after the last one, which was before 20 s.
    for (const p of [a, b]) {
      const next = p.session.nextTimeout(20_000) as number;
      expect(next).toBeGreaterThan(20_000);
      expect(next).toBeLessThanOrEqual(26_000);
    }
  });

  it('sends its first check at now=0 and paces new checks at least Ta apart', () => {
    const a = peer('A', session('controlling', CRED_A), '10.0.0.1', 1000);
    // B's candidate ranks below the two silent ones, so A checks them first (and nominates only
    // after nominationDelay, as they might still succeed).
    const plain = peer('B', session('controlled', CRED_B), '10.0.0.2', 2000);
    const b: Peer = { ...plain, candidate: { ...plain.candidate, priority: 1000 } };
    introduce(a, b);
    // Nothing is sent from the inputs alone: checks go out from handleTimeout.
    expect(a.session.pollTransmit()).toBeUndefined();
    expect(a.session.nextTimeout(0)).toBe(0);

    // Two more remote candidates nobody answers for, so A has three pairs to check.
    a.session.addRemoteCandidate({ ...hostCandidate('10.0.0.50', 5000), priority: 1002 }, 0);
    a.session.addRemoteCandidate({ ...hostCandidate('10.0.0.51', 5001), priority: 1001 }, 0);
    expect(a.session.checklist.pairs).toHaveLength(3);

    const { log } = pump([a, b], { until: 3000 }); // consent checks start 4 s after selection at the earliest
    const checks = newChecks(log, 'A');
    expect(checks[0]?.at).toBe(0);
    expect(checks[0]?.transmit.address).toBe('10.0.0.50'); // highest-priority pair first
    expect(checks[1]?.at).toBe(TA); // there was more to check, so exactly one Ta later
    expect(checks.length).toBe(4); // 3 pairs + the nomination, then checking concluded
    for (let i = 1; i < checks.length; i++) {
      expect((checks[i] as Sent).at - (checks[i - 1] as Sent).at).toBeGreaterThanOrEqual(TA);
    }
    // Every pair got checked: B's own check made A's check on its pair a triggered one, served
    // before the ordinary .51 check; the nomination waited nominationDelay for the silent pairs.
    expect(checks.map((s) => s.transmit.address)).toEqual(['10.0.0.50', '10.0.0.2', '10.0.0.51', '10.0.0.2']);
    expect(a.session.state).toBe('connected');
  });

  it('after its first check, wakes up Ta later for the next one', () => {
    const a = session('controlling', CRED_A);
    a.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
    a.addRemoteCandidate(hostCandidate('10.0.0.2', 2000), 0);
    a.addRemoteCandidate(hostCandidate('10.0.0.3', 3000), 0);
    a.setRemoteCredentials(CRED_B, 0);
    a.handleTimeout(0);
    expect(takeTransmits(a)).toHaveLength(1);
    expect(a.nextTimeout(0)).toBe(TA);
    // Woken early, it sends nothing new.
    a.handleTimeout(TA - 1);
    expect(takeTransmits(a)).toHaveLength(0);
    a.handleTimeout(TA);
    expect(takeTransmits(a)).toHaveLength(1);
  });

  it('retransmits an unanswered check on the RTO schedule, then fails', () => {
    const a = peer('A', session('controlling', CRED_A), '10.0.0.1', 1000);
    a.session.addLocalCandidate({ candidate: a.candidate, socketId: 1 }, 0);
    a.session.addRemoteCandidate(hostCandidate('10.0.0.99', 9999), 0);
    a.session.setRemoteCredentials(CRED_B, 0);
    a.session.endOfLocalCandidates(0);
    a.session.endOfRemoteCandidates(0);

    const { log, now } = pump([a], { until: 60_000 });
    const schedule = retransmissionSchedule(500, DEFAULT_RETRANSMISSION); // one active pair: RTO 500
    expect(log.map((s) => s.at)).toEqual(schedule.slice(0, -1));
    expect(new Set(log.map((s) => txId(s.message))).size).toBe(1);
    expect(a.session.counters.requestsSent).toBe(1);
    expect(a.session.counters.retransmissions).toBe(DEFAULT_RETRANSMISSION.retransmissions);
    expect(a.session.checklist.pairs[0]?.state).toBe('failed');
    expect(a.session.state).toBe('failed');
    // The check gave up at schedule.at(-1) (9.5 s), but RFC 8863's PAC timer holds failure until 39.5 s.
    expect(schedule.at(-1)).toBe(9500);
    expect(now).toBe(DEFAULT_PAC_TIMEOUT);
    expect(states(a)).toEqual(['checking', 'failed']);
  });
});

/** Delivers to `b` a controlling check from 10.0.0.1:1000 with this USERNAME, signed with `password`; returns its ID. */
function requestFromA(b: IceSession, username: string, password: string): Uint8Array {
  const { transactionId, bytes } = buildBindingRequest({
    username,
    key: shortTermKey(password),
    priority: candidatePriority('prflx', 65535, 1),
    role: 'controlling',
    tieBreaker: 5n,
  });
  b.handleStun(1, '10.0.0.1', 1000, decodeStun(bytes) as StunMessageView, 0);
  return transactionId;
}

describe('IceSession: authentication', () => {
  function controlledB(): IceSession {
    const b = session('controlled', CRED_B);
    b.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
    b.setRemoteCredentials(CRED_A, 0);
    takeEvents(b);
    return b;
  }

  it('answers a request under the wrong key with 401 and creates nothing', () => {
    const b = controlledB();
    const transactionId = requestFromA(b, 'ufragB:ufragA', 'notTheRightPasswordAtAll');

    const out = takeTransmits(b);
    expect(out).toHaveLength(1);
    const [{ transmit, message }] = out as [{ transmit: Transmit; message: StunMessageView }];
    expect(transmit).toMatchObject({ socketId: 1, address: '10.0.0.1', port: 1000 });
    expect(message.cls).toBe('error');
    expect(message.errorCode?.code).toBe(401);
    expect(Buffer.from(message.transactionId).equals(Buffer.from(transactionId))).toBe(true);
    expect(message.hasIntegrity).toBe(false); // no key to sign a 401 with (RFC 8489 §6.3.1.1)

    expect(b.counters.unauthenticatedPackets).toBe(1);
    expect(b.counters.requestsReceived).toBe(0);
    expect(b.checklist.pairs).toHaveLength(0);
    expect(b.remoteCandidates).toHaveLength(0);
    expect(takeEvents(b)).toEqual([]);
    expect(b.state).toBe('new');
  });

  it('answers 401 to a request whose USERNAME names another ufrag, even under the right key', () => {
    const b = controlledB();
    requestFromA(b, 'someoneElse:ufragA', CRED_B.pwd);
    const out = takeTransmits(b);
    expect(out).toHaveLength(1);
    expect(out[0]?.message.cls).toBe('error');
    expect(out[0]?.message.errorCode?.code).toBe(401);
    expect(b.counters.unauthenticatedPackets).toBe(1);
    expect(b.checklist.pairs).toHaveLength(0);
    expect(b.remoteCandidates).toHaveLength(0);
  });

  it('answers the same request with a success when USERNAME and key are right (control case)', () => {
    const b = controlledB();
    requestFromA(b, 'ufragB:ufragA', CRED_B.pwd);
    const out = takeTransmits(b);
    expect(out).toHaveLength(1);
    expect(out[0]?.message.cls).toBe('success');
    expect(out[0]?.message.xorMappedAddress).toEqual({ address: '10.0.0.1', port: 1000 });
    expect(b.counters.unauthenticatedPackets).toBe(0);
    expect(b.counters.requestsReceived).toBe(1);
  });

  it('answers 400 to a request without MESSAGE-INTEGRITY', () => {
    const b = controlledB();
    const bytes = buildStunMessage({
      method: StunMethod.Binding,
      cls: 'request',
      attributes: [
        { kind: 'username', value: 'ufragB:ufragA' },
        { kind: 'priority', value: 1 },
      ],
      fingerprint: true,
    });
    b.handleStun(1, '10.0.0.1', 1000, decodeStun(bytes) as StunMessageView, 0);
    const out = takeTransmits(b);
    expect(out).toHaveLength(1);
    expect(out[0]?.message.errorCode?.code).toBe(400);
    expect(b.counters.unauthenticatedPackets).toBe(1);
    expect(b.checklist.pairs).toHaveLength(0);
  });

  it('counts a response to no transaction of ours as unmatched and changes nothing', () => {
    const a = session('controlling', CRED_A);
    a.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
    a.addRemoteCandidate(hostCandidate('10.0.0.2', 2000), 0);
    a.setRemoteCredentials(CRED_B, 0);
    a.handleTimeout(0);
    takeTransmits(a);
    const response = buildBindingSuccess({
      transactionId: newTransactionId(),
      mapped: { address: '10.0.0.1', port: 1000 },
      key: shortTermKey(CRED_B.pwd),
    });
    a.handleStun(1, '10.0.0.2', 2000, decodeStun(response) as StunMessageView, 10);
    expect(a.counters.unmatchedPackets).toBe(1);
    expect(a.counters.responsesReceived).toBe(0);
    expect(a.checklist.pairs[0]?.state).toBe('in-progress');
    expect(a.checklist.pairs[0]?.valid).toBe(false);
    expect(takeTransmits(a)).toHaveLength(0);
  });
});

describe('IceSession: role conflict', () => {
  it('the controlling session with the lower tie-breaker switches to controlled, and both connect', () => {
    const low = peer('low', session('controlling', CRED_A, { tieBreaker: 1n }), '10.0.0.1', 1000);
    const high = peer('high', session('controlling', CRED_B, { tieBreaker: 2n }), '10.0.0.2', 2000);
    introduce(low, high);
    const { log } = pump([low, high], { until: 10_000 });

    expect(roles(low)).toEqual(['controlled']);
    expect(roles(high)).toEqual([]);
    expect(low.session.role).toBe('controlled');
    expect(high.session.role).toBe('controlling');
    // The higher tie-breaker defended its role with a 487.
    expect(high.session.counters.roleConflicts).toBeGreaterThanOrEqual(1);
    expect(log.some((s) => s.from === 'high' && s.message.errorCode?.code === 487)).toBe(true);
    expect(low.session.counters.roleConflicts).toBe(0);

    expect(low.session.state).toBe('connected');
    expect(high.session.state).toBe('connected');
    expectMirrored(low, high);
    // After the switch, only the controlling side nominates.
    const lastLowRequest = log.filter((s) => s.from === 'low' && s.message.cls === 'request').at(-1);
    expect(lastLowRequest?.message.iceControlled).toBe(1n);
    expect(lastLowRequest?.message.useCandidate).toBe(false);
  });

  it('between two controlled sessions, the higher tie-breaker switches to controlling, and both connect', () => {
    const low = peer('low', session('controlled', CRED_A, { tieBreaker: 1n }), '10.0.0.1', 1000);
    const high = peer('high', session('controlled', CRED_B, { tieBreaker: 2n }), '10.0.0.2', 2000);
    introduce(low, high);
    const { log } = pump([low, high], { until: 10_000 });
    expect(roles(high)).toEqual(['controlling']);
    expect(roles(low)).toEqual([]);
    expect(high.session.role).toBe('controlling');
    expect(low.session.role).toBe('controlled');
    expect(log.some((s) => s.from === 'low' && s.message.errorCode?.code === 487)).toBe(true);
    expect(low.session.state).toBe('connected');
    expect(high.session.state).toBe('connected');
    expectMirrored(low, high);
    expect(log.some((s) => s.from === 'high' && s.message.useCandidate)).toBe(true);
  });

  it.each([
    // [our role, our tie-breaker, request role, request tie-breaker, expected answer, role afterwards]
    ['controlling', 5n, 'controlling', 5n, 487, 'controlling'], // ours >= theirs: we keep the role
    ['controlling', 6n, 'controlling', 5n, 487, 'controlling'],
    ['controlling', 5n, 'controlling', 6n, 'success', 'controlled'],
    ['controlled', 5n, 'controlled', 5n, 'success', 'controlling'], // ours >= theirs: we switch
    ['controlled', 6n, 'controlled', 5n, 'success', 'controlling'],
    ['controlled', 5n, 'controlled', 6n, 487, 'controlled'],
    ['controlling', 5n, 'controlled', 9n, 'success', 'controlling'], // no conflict
    ['controlled', 5n, 'controlling', 1n, 'success', 'controlled'], // no conflict
  ] as const)(
    '%s with tie-breaker %s, request %s with %s: answers %s and ends %s',
    (ourRole, ours, theirRole, theirs, answer, after) => {
      const s = session(ourRole, CRED_B, { tieBreaker: ours });
      s.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
      s.setRemoteCredentials(CRED_A, 0);
      takeEvents(s);
      const { bytes } = buildBindingRequest({
        username: 'ufragB:ufragA',
        key: shortTermKey(CRED_B.pwd),
        priority: 1000,
        role: theirRole,
        tieBreaker: theirs,
      });
      s.handleStun(1, '10.0.0.1', 1000, decodeStun(bytes) as StunMessageView, 0);
      const [reply] = takeTransmits(s);
      if (answer === 487) {
        expect(reply?.message.cls).toBe('error');
        expect(reply?.message.errorCode?.code).toBe(487);
        expect(reply?.message.hasIntegrity).toBe(true);
        expect(s.counters.roleConflicts).toBe(1);
        expect(s.checklist.pairs).toHaveLength(0); // a rejected request creates no pair
      } else {
        expect(reply?.message.cls).toBe('success');
        expect(s.counters.roleConflicts).toBe(0);
      }
      expect(s.role).toBe(after);
      const roleEvents = takeEvents(s).filter((e) => e.type === 'role');
      expect(roleEvents).toEqual(after === ourRole ? [] : [{ type: 'role', role: after }]);
    },
  );

  it('re-sorts pair priorities after the switch (G is now the peer)', () => {
    const low = peer('low', session('controlling', CRED_A, { tieBreaker: 1n }), '10.0.0.1', 1000);
    const high = peer('high', session('controlling', CRED_B, { tieBreaker: 2n }), '10.0.0.2', 2000);
    // Different candidate priorities so the G/D swap is visible.
    const remote = { ...high.candidate, priority: 5000 };
    low.session.addLocalCandidate({ candidate: low.candidate, socketId: 1 }, 0);
    low.session.addRemoteCandidate(remote, 0);
    low.session.setRemoteCredentials(CRED_B, 0);
    const pair = low.session.checklist.pairs[0];
    const before = pair?.priority;
    // A controlling request from the higher tie-breaker.
    const { bytes } = buildBindingRequest({
      username: 'ufragA:ufragB',
      key: shortTermKey(CRED_A.pwd),
      priority: 5000,
      role: 'controlling',
      tieBreaker: 2n,
    });
    low.session.handleStun(1, '10.0.0.2', 2000, decodeStun(bytes) as StunMessageView, 0);
    expect(low.session.role).toBe('controlled');
    expect(takeEvents(low.session)).toContainEqual({ type: 'role', role: 'controlled' });
    // Local priority (host, 65535) is higher than 5000: as controlling G>D added 1, now it does not.
    expect(before).toBe((5000n << 32n) + 2n * BigInt(low.candidate.priority) + 1n);
    expect(pair?.priority).toBe((5000n << 32n) + 2n * BigInt(low.candidate.priority));
    // The request was accepted (success, not 487).
    expect(takeTransmits(low.session)[0]?.message.cls).toBe('success');
  });
});

describe('IceSession: paths', () => {
  it('fails a pair whose response comes back from another address (non-symmetric)', () => {
    const a = session('controlling', CRED_A);
    const b = session('controlled', CRED_B);
    a.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
    b.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
    a.addRemoteCandidate(hostCandidate('10.0.0.2', 2000), 0);
    b.addRemoteCandidate(hostCandidate('10.0.0.1', 1000), 0);
    a.setRemoteCredentials(CRED_B, 0);
    b.setRemoteCredentials(CRED_A, 0);

    a.handleTimeout(0);
    const [request] = takeTransmits(a);
    expect(request?.transmit.address).toBe('10.0.0.2');
    b.handleStun(1, '10.0.0.1', 1000, request?.message as StunMessageView, 1);
    const [response] = takeTransmits(b);
    expect(response?.message.cls).toBe('success');
    // The answer arrives from 10.0.0.3:2000 instead of 10.0.0.2:2000.
    a.handleStun(1, '10.0.0.3', 2000, response?.message as StunMessageView, 2);

    expect(a.counters.nonSymmetricResponses).toBe(1);
    const pair = a.checklist.pairs[0];
    expect(pair?.state).toBe('failed');
    expect(pair?.valid).toBe(false);
    expect(a.selectedPair).toBeUndefined();
  });

  it('the same response from the right address makes the pair valid (control case)', () => {
    const a = session('controlling', CRED_A);
    const b = session('controlled', CRED_B);
    a.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 1000), socketId: 1 }, 0);
    b.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
    a.addRemoteCandidate(hostCandidate('10.0.0.2', 2000), 0);
    a.setRemoteCredentials(CRED_B, 0);
    b.setRemoteCredentials(CRED_A, 0);
    a.handleTimeout(0);
    const [request] = takeTransmits(a);
    b.handleStun(1, '10.0.0.1', 1000, request?.message as StunMessageView, 1);
    const response = takeTransmits(b).find((t) => t.message.cls === 'success');
    a.handleStun(1, '10.0.0.2', 2000, response?.message as StunMessageView, 2);
    expect(a.counters.nonSymmetricResponses).toBe(0);
    expect(a.checklist.pairs[0]?.state).not.toBe('failed');
    expect(a.checklist.pairs[0]?.valid).toBe(true);
    expect(a.checklist.pairs[0]?.rtt).toBe(2);
  });

  it('learns a peer-reflexive remote candidate from a request from an unknown address', () => {
    const b = session('controlled', CRED_B);
    const local: LocalCandidate = { candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 };
    b.addLocalCandidate(local, 0);
    b.addRemoteCandidate(hostCandidate('10.0.0.1', 1000), 0);
    b.setRemoteCredentials(CRED_A, 0);
    takeEvents(b);
    const priority = 1_862_270_975; // arbitrary, not what any local rule would compute
    const { bytes } = buildBindingRequest({
      username: 'ufragB:ufragA',
      key: shortTermKey(CRED_B.pwd),
      priority,
      role: 'controlling',
      tieBreaker: 5n,
    });
    b.handleStun(1, '203.0.113.7', 40000, decodeStun(bytes) as StunMessageView, 0);

    const events = takeEvents(b).filter((e) => e.type === 'remote-candidate');
    expect(events).toHaveLength(1);
    const learned = (events[0] as { candidate: Candidate }).candidate;
    expect(learned).toMatchObject({
      type: 'prflx',
      priority,
      address: '203.0.113.7',
      port: 40000,
      transport: 'udp',
      component: 1,
    });
    expect(b.remoteCandidates).toContain(learned);
    expect(b.remoteCandidates).toHaveLength(2);

    // Answered with the mapped address it came from, and paired for a triggered check.
    const [reply] = takeTransmits(b);
    expect(reply?.transmit).toMatchObject({ socketId: 1, address: '203.0.113.7', port: 40000 });
    expect(reply?.message.cls).toBe('success');
    expect(reply?.message.xorMappedAddress).toEqual({ address: '203.0.113.7', port: 40000 });
    const pair = b.checklist.find(1, '203.0.113.7', 40000);
    expect(pair?.remote).toBe(learned);
    expect(pair?.state).toBe('waiting');
    expect(pair?.remoteAuthenticated).toBe(true);

    // The triggered check goes first, ahead of the signaled candidate's pair.
    b.handleTimeout(0);
    const [check] = takeTransmits(b);
    expect(check?.transmit.address).toBe('203.0.113.7');
    expect(check?.message.cls).toBe('request');

    // A second request from the same address learns nothing new.
    b.handleStun(1, '203.0.113.7', 40000, decodeStun(bytes) as StunMessageView, 1);
    expect(takeEvents(b).filter((e) => e.type === 'remote-candidate')).toHaveLength(0);
    expect(b.remoteCandidates).toHaveLength(2);
  });
});
