/**
 * An rx-ice agent as the ICE-lite side (RFC 8445 §2.5, issue #12): options,
 * a full rx-ice agent connecting to it in virtual time and over real UDP,
 * aggressive nomination, and how it notices a peer that went away.
 */
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { candidatePriority } from '../lib/candidate.js';
import type { IceCredentials } from '../lib/core/credentials.js';
import { LITE_SILENCE_ALLOWANCE } from '../lib/core/lite-liveness.js';
import {
  DEFAULT_LITE_TIMEOUT,
  IceAgent,
  InvalidArgumentError,
  InvalidOptionError,
  serializeCandidate,
} from '../lib/index.js';
import { buildBindingRequest, decodeStun, shortTermKey } from '../lib/stun/message.js';
import type { StunMessageView } from '../lib/stun/types.js';
import { connectAgents } from '../lib/testing/index.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

const encoder = new TextEncoder();

describe('lite agent options', () => {
  it.each([
    [{ role: 'controlling' as const, lite: true }, /always controlled/],
    [{ role: 'controlled' as const, lite: true, remoteIceLite: true }, /two ICE-lite agents cannot connect/],
    [
      { role: 'controlled' as const, lite: true, iceServers: [{ urls: 'stun:127.0.0.1:3478' }] },
      /host candidates only/,
    ],
    [
      { role: 'controlled' as const, lite: true, iceTransportPolicy: 'relay' as const },
      /host candidates only/,
    ],
    [{ role: 'controlled' as const, lite: 'yes' as unknown as boolean }, /lite must be a boolean/],
    [{ role: 'controlled' as const, lite: true, liteTimeout: 5 }, /liteTimeout/],
  ])('refuses %o', (options, message) => {
    expect(() => new IceAgent(options)).toThrow(InvalidOptionError);
    expect(() => new IceAgent(options)).toThrow(message);
  });
});

describe('a full agent and a lite agent in virtual time', () => {
  it('connect; the lite side sends no check, goes connected → completed and carries data both ways', () => {
    const ts = newTestScheduler();
    const statesLite: string[] = [];
    const statesFull: string[] = [];
    const got: string[] = [];
    ts.run(() => {
      const { a, b } = virtualPair(ts, {
        a: { role: 'controlling', remoteIceLite: true },
        b: { role: 'controlled', lite: true },
      });
      a.connectionState$.subscribe((s) => statesFull.push(s));
      b.connectionState$.subscribe((s) => statesLite.push(s));
      b.data$.subscribe((d) => got.push(`b:${new TextDecoder().decode(d)}`));
      a.data$.subscribe((d) => got.push(`a:${new TextDecoder().decode(d)}`));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        a.send(encoder.encode('to lite'));
        b.send(encoder.encode('to full'));
      }, 500);
      ts.schedule(() => {
        // The lite side answered checks and sent none; the full side received none.
        expect(b.getStats().requestsSent).toBe(0);
        expect(b.getStats().consentRequestsSent).toBe(0);
        expect(b.getStats().responsesSent).toBeGreaterThan(3);
        expect(a.getStats().requestsReceived).toBe(0);
        expect(a.getStats().consentResponsesReceived).toBeGreaterThan(2);
        expect(b.getStats().selectedPair?.nominated).toBe(true);
        a.stop();
        b.stop();
      }, 20_000);
    });
    expect(statesLite).toEqual(['new', 'checking', 'connected', 'completed', 'closed']);
    expect(statesFull).toContain('connected');
    expect(got.sort()).toEqual(['a:to full', 'b:to lite']);
  });

  it('notices a peer that went away: disconnected once its next check is overdue, failed (peer-silent) after liteTimeout', () => {
    const ts = newTestScheduler();
    const states: [number, string][] = [];
    let reason: string | undefined;
    ts.run(() => {
      const { a, b } = virtualPair(ts, {
        a: { role: 'controlling', remoteIceLite: true },
        b: { role: 'controlled', lite: true },
      });
      b.connectionState$.subscribe((s) => states.push([ts.now(), s]));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => a.stop(), 10_000); // the full peer's checks stop at 10 s
      ts.schedule(() => {
        reason = b.getStats().failureReason;
        b.stop();
      }, 60_000);
    });
    const at = (state: string) => states.find(([, s]) => s === state)?.[0] as number;
    // The last consent check from the full agent arrived 4–6 s before 10 s (5 s ± 20 %).
    const lastCheck = at('failed') - DEFAULT_LITE_TIMEOUT;
    expect(lastCheck).toBeGreaterThanOrEqual(4000);
    expect(lastCheck).toBeLessThanOrEqual(10_000);
    // disconnectedTimeout (5 s), but never before a healthy peer's next check is overdue (6.5 s).
    expect(at('disconnected') - lastCheck).toBe(LITE_SILENCE_ALLOWANCE);
    expect(reason).toBe('peer-silent');
    expect(states.map(([, s]) => s)).toEqual([
      'new',
      'checking',
      'connected',
      'completed',
      'disconnected',
      'failed',
      'closed',
    ]);
  });
});

describe('a lite peer learned from signaling: setRemoteCredentials(ufrag, pwd, { iceLite })', () => {
  it('makes a controlled full agent controlling before its first check; they connect, the lite side checks nothing', () => {
    const ts = newTestScheduler();
    const roles: [number, string][] = [];
    const statesLite: string[] = [];
    const statesFull: string[] = [];
    ts.run(() => {
      // Both built controlled: only the signaled `iceLite` can make the full side control.
      const { a: full, b: lite } = virtualPair(ts, {
        a: { role: 'controlled' },
        b: { role: 'controlled', lite: true },
        connect: false,
      });
      full.role$.subscribe((r) => roles.push([ts.now(), r]));
      full.connectionState$.subscribe((s) => statesFull.push(s));
      lite.connectionState$.subscribe((s) => statesLite.push(s));
      for (const [from, to] of [
        [full, lite],
        [lite, full],
      ] as const) {
        from.candidates$.subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
        from.gatheringState$.pipe(filter((g) => g === 'complete')).subscribe(() => to.endOfCandidates());
      }
      ts.schedule(() => {
        const l = lite.getLocalCredentials();
        full.setRemoteCredentials(l.ufrag, l.pwd, { iceLite: true });
        const f = full.getLocalCredentials();
        lite.setRemoteCredentials(f.ufrag, f.pwd, { iceLite: false });
      }, 10);
      full.gatherCandidates();
      lite.gatherCandidates();
      ts.schedule(() => {
        expect(full.getStats().selectedPair?.nominated).toBe(true);
        expect(lite.getStats().requestsSent).toBe(0);
        expect(lite.getStats().roleConflicts).toBe(0); // no 487 needed: the full side controlled from the start
        expect(full.getStats().requestsReceived).toBe(0);
        full.stop();
        lite.stop();
      }, 5000);
    });
    expect(roles).toEqual([
      [0, 'controlled'],
      [10, 'controlling'], // with the credentials, before any check
    ]);
    expect(statesFull).toEqual(['new', 'checking', 'connected', 'completed', 'closed']);
    expect(statesLite).toEqual(['new', 'checking', 'connected', 'completed', 'closed']);
  });

  it('is refused by a lite agent, and a malformed third argument is refused, with nothing applied', () => {
    const lite = new IceAgent({ role: 'controlled', lite: true });
    const full = new IceAgent({ role: 'controlled' });
    try {
      const pwd = 'p'.repeat(22);
      expect(() => lite.setRemoteCredentials('abcd', pwd, { iceLite: true })).toThrow(InvalidArgumentError);
      expect(() => lite.setRemoteCredentials('abcd', pwd, { iceLite: true })).toThrow(
        /two ICE-lite agents cannot connect/,
      );
      for (const bad of [null, [], 'lite', { iceLite: 'yes' }, { iceLite: 1 }]) {
        expect(() => full.setRemoteCredentials('abcd', pwd, bad as never)).toThrow(InvalidArgumentError);
      }
      expect(lite.getStats().awaiting).toBe('remote-credentials');
      expect(full.getStats().awaiting).toBe('remote-credentials');
      lite.setRemoteCredentials('abcd', pwd, { iceLite: false });
      lite.setRemoteCredentials('abcd', pwd);
      expect(lite.getStats().awaiting).not.toBe('remote-credentials');
    } finally {
      lite.stop();
      full.stop();
    }
  });

  it('switches the role when it comes with credentials already known, and is kept across an ICE restart', () => {
    const full = new IceAgent({ role: 'controlled' });
    const roles: string[] = [];
    full.role$.subscribe((r) => roles.push(r));
    try {
      const pwd = 'p'.repeat(22);
      full.setRemoteCredentials('abcd', pwd);
      full.setRemoteCredentials('abcd', pwd, { iceLite: true });
      expect(roles).toEqual(['controlled', 'controlling']);
      // White-box: the session of each generation says whether the peer is lite.
      const peek = () => (full as unknown as { driver: { session: { remoteIceLite: boolean } } }).driver;
      expect(peek().session.remoteIceLite).toBe(true);
      full.setRemoteCredentials('efgh', pwd); // the remote restarted: still lite, still controlling
      expect(peek().session.remoteIceLite).toBe(true);
      expect(roles).toEqual(['controlled', 'controlling']);
      full.setRemoteCredentials('ijkl', pwd, { iceLite: false }); // full again: the role stays
      expect(peek().session.remoteIceLite).toBe(false);
      expect(roles).toEqual(['controlled', 'controlling']);
    } finally {
      full.stop();
    }
  });
});

describe('a lite session takes aggressive nomination', () => {
  const CRED_FULL: IceCredentials = { ufrag: 'full', pwd: 'fullfullfullfullfullfullfull' };
  const CRED_LITE: IceCredentials = { ufrag: 'lite', pwd: 'litelitelitelitelitelitelite' };

  function checkFrom(
    lite: ReturnType<typeof newSession>,
    address: string,
    priority: number,
    now: number,
  ): void {
    const { bytes } = buildBindingRequest({
      username: 'lite:full',
      key: shortTermKey(CRED_LITE.pwd),
      priority,
      role: 'controlling',
      tieBreaker: 7n,
      useCandidate: true,
    });
    lite.handleStun(1, address, 5000, decodeStun(bytes) as StunMessageView, now);
  }

  it('selects the first nominated pair, then a higher-priority one the peer nominates later', () => {
    const lite = newSession({ role: 'controlled', tieBreaker: 1n, localCredentials: CRED_LITE, lite: true });
    lite.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
    lite.setRemoteCredentials(CRED_FULL, 0);
    lite.addRemoteCandidate(hostCandidate('10.0.0.1', 5000), 0);
    expect(lite.checklist.pairs).toEqual([]); // a lite agent keeps no checklist of its own
    expect(lite.awaiting(0)).toBe('peer-checks');
    checkFrom(lite, '10.0.0.9', candidatePriority('prflx', 100, 1), 10);
    expect(lite.selectedPair?.remote.address).toBe('10.0.0.9');
    expect(lite.state).toBe('completed');
    checkFrom(lite, '10.0.0.8', candidatePriority('prflx', 200, 1), 20);
    expect(lite.selectedPair?.remote.address).toBe('10.0.0.8');
    checkFrom(lite, '10.0.0.7', candidatePriority('prflx', 50, 1), 30);
    expect(lite.selectedPair?.remote.address).toBe('10.0.0.8'); // lower priority: ignored
    for (let t = lite.pollTransmit(); t; t = lite.pollTransmit()) {
      expect(decodeStun(t.data)?.cls).toBe('success'); // answers only, never a check
    }
  });

  it('answers a full peer that also claims the controlled role with 487, whatever the tie-breakers', () => {
    const lite = newSession({
      role: 'controlled',
      tieBreaker: 2n ** 63n,
      localCredentials: CRED_LITE,
      lite: true,
    });
    lite.addLocalCandidate({ candidate: hostCandidate('10.0.0.2', 2000), socketId: 1 }, 0);
    lite.setRemoteCredentials(CRED_FULL, 0);
    const { bytes } = buildBindingRequest({
      username: 'lite:full',
      key: shortTermKey(CRED_LITE.pwd),
      priority: 1000,
      role: 'controlled',
      tieBreaker: 1n, // lower: a full agent would take the controlling role itself
    });
    lite.handleStun(1, '10.0.0.1', 5000, decodeStun(bytes) as StunMessageView, 0);
    expect(decodeStun(lite.pollTransmit()?.data ?? new Uint8Array())?.errorCode?.code).toBe(487);
    expect(lite.role).toBe('controlled');
  });
});

describe('a full agent and a lite agent over real UDP on 127.0.0.1', () => {
  const agents: IceAgent[] = [];
  afterEach(() => {
    for (const agent of agents.splice(0)) agent.stop();
  });

  it('connect and exchange 50 datagrams each way', async () => {
    const ipFilter = (address: string) => address === '127.0.0.1';
    const full = new IceAgent({ role: 'controlling', remoteIceLite: true, ipFilter });
    const lite = new IceAgent({ role: 'controlled', lite: true, ipFilter });
    agents.push(full, lite);
    for (const [from, to] of [
      [full, lite],
      [lite, full],
    ] as const) {
      const { ufrag, pwd } = from.getLocalCredentials();
      to.setRemoteCredentials(ufrag, pwd);
      from.candidates$.subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
    }
    full.gatherCandidates();
    lite.gatherCandidates();
    const up = (agent: IceAgent) =>
      firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));
    await Promise.all([up(full), up(lite)]);
    const atLite = firstValueFrom(lite.data$.pipe(take(50), toArray()));
    const atFull = firstValueFrom(full.data$.pipe(take(50), toArray()));
    for (let i = 0; i < 50; i++) {
      full.send(Uint8Array.of(i, 1));
      lite.send(Uint8Array.of(i, 2));
    }
    expect((await atLite).map((d) => d[0])).toEqual([...Array(50).keys()]);
    expect((await atFull).map((d) => d[0])).toEqual([...Array(50).keys()]);
    expect(lite.getStats().requestsSent).toBe(0);
  }, 90_000); // real UDP, real time: at least the PAC timer (39.5 s) and margin for a loaded machine
});
