/**
 * ICE-TCP core rules (RFC 6544): priorities, pairing by tcptype, and a
 * hand-driven session pair (active ↔ passive) that connects with the remote
 * active candidate learned as peer-reflexive from its connection.
 */
import { describe, expect, it } from 'vitest';
import { candidatePriority, computeFoundation } from '../lib/candidate.js';
import type { Candidate, TcpType } from '../lib/candidate-types.js';
import { peerReflexivePriority } from '../lib/core/check-messages.js';
import type { IceSession, SessionEvent } from '../lib/core/session.js';
import {
  isCheckableTransportPair,
  peerReflexiveTcpType,
  tcpCandidatePriority,
  tcpDirectionPreference,
  tcpLocalPreference,
  tcpOtherPreference,
} from '../lib/core/tcp-pairing.js';
import { decodeStun } from '../lib/stun/message.js';
import { hostCandidate, newSession } from './helpers/session-kit.js';

function tcpHost(address: string, port: number, tcpType: TcpType): Candidate {
  return {
    foundation: computeFoundation('host', address, 'tcp'),
    component: 1,
    transport: 'tcp',
    priority: tcpCandidatePriority('host', tcpType, 8000, 1),
    address,
    port: tcpType === 'active' ? 9 : port,
    type: 'host',
    tcpType,
    extensions: [],
  };
}

describe('TCP candidate priorities (RFC 6544 §4.2)', () => {
  it('direction preference: host active 6 > passive 4 > so 2; reflexive so 6 > active 4 > passive 2', () => {
    expect(['active', 'passive', 'so'].map((t) => tcpDirectionPreference('host', t as TcpType))).toEqual([
      6, 4, 2,
    ]);
    expect(['active', 'passive', 'so'].map((t) => tcpDirectionPreference('relay', t as TcpType))).toEqual([
      6, 4, 2,
    ]);
    expect(['active', 'passive', 'so'].map((t) => tcpDirectionPreference('srflx', t as TcpType))).toEqual([
      4, 2, 6,
    ]);
    expect(tcpDirectionPreference('prflx', 'so')).toBe(6);
  });

  it('local preference is 2^13·direction + other, range-checked', () => {
    expect(tcpLocalPreference(6, 0)).toBe(49152);
    expect(tcpLocalPreference(7, 8191)).toBe(65535);
    expect(() => tcpLocalPreference(8, 0)).toThrow(/direction preference/);
    expect(() => tcpLocalPreference(6, 8192)).toThrow(/other preference/);
    expect(() => tcpLocalPreference(6, -1)).toThrow(/other preference/);
  });

  it('priority: 2^24·type + 2^8·local + 256 − component, with the halved TCP type preference', () => {
    expect(tcpCandidatePriority('host', 'active', 5, 1)).toBe(2 ** 24 * 63 + 2 ** 8 * (6 * 8192 + 5) + 255);
    expect(tcpCandidatePriority('host', 'passive', 5, 1)).toBeLessThan(
      tcpCandidatePriority('host', 'active', 5, 1),
    );
    expect(tcpCandidatePriority('host', 'so', 5, 1)).toBeLessThan(
      tcpCandidatePriority('host', 'passive', 5, 1),
    );
  });

  it('every direct UDP candidate outranks every TCP one; TCP outranks relayed UDP', () => {
    const bestTcp = tcpCandidatePriority('host', 'active', 8191, 1);
    expect(candidatePriority('srflx', 0, 1)).toBeGreaterThan(bestTcp);
    expect(candidatePriority('host', 0, 1)).toBeGreaterThan(bestTcp);
    expect(candidatePriority('relay', 65535, 1)).toBeLessThan(
      tcpCandidatePriority('relay', 'so', 0, 1) + 2 ** 24,
    );
    expect(tcpCandidatePriority('host', 'so', 0, 1)).toBeGreaterThan(candidatePriority('relay', 65535, 1));
  });

  it('the PRIORITY of a check from a TCP candidate is a TCP peer-reflexive one: below every direct UDP candidate', () => {
    const active = tcpHost('10.0.0.1', 9, 'active');
    const passive = tcpHost('10.0.0.1', 5000, 'passive');
    expect(peerReflexivePriority(active)).toBe(tcpCandidatePriority('prflx', 'active', 8000, 1));
    expect(peerReflexivePriority(passive)).toBe(tcpCandidatePriority('prflx', 'passive', 8000, 1));
    expect(peerReflexivePriority(active)).toBeLessThan(candidatePriority('srflx', 0, 1));
    // UDP keeps RFC 8445's: the prflx type preference with the candidate's local preference.
    const udp = {
      ...active,
      transport: 'udp',
      tcpType: undefined,
      priority: candidatePriority('host', 777, 1),
    } as const;
    expect(peerReflexivePriority(udp)).toBe(candidatePriority('prflx', 777, 1));
  });

  it('other preference keeps the top 13 bits of the UDP local preference (order preserved)', () => {
    expect(tcpOtherPreference(65535)).toBe(8191);
    expect(tcpOtherPreference(0)).toBe(0);
    expect(tcpOtherPreference(49151)).toBeGreaterThan(tcpOtherPreference(32768));
    expect(() => tcpOtherPreference(65536)).toThrow();
  });
});

describe('TCP pairing rules (RFC 6544 §6.2)', () => {
  const kinds: TcpType[] = ['active', 'passive', 'so'];
  it('checks active→passive and so↔so only', () => {
    const table = kinds.map((l) =>
      kinds.map((r) => isCheckableTransportPair(tcpHost('10.0.0.1', 5000, l), tcpHost('10.0.0.2', 6000, r))),
    );
    expect(table).toEqual([
      [false, true, false],
      [false, false, false],
      [false, false, true],
    ]);
  });

  it('never pairs across transports; UDP pairs with UDP', () => {
    const udp = hostCandidate('10.0.0.1', 5000);
    expect(isCheckableTransportPair(udp, tcpHost('10.0.0.2', 6000, 'passive'))).toBe(false);
    expect(isCheckableTransportPair(tcpHost('10.0.0.2', 6000, 'active'), udp)).toBe(false);
    expect(isCheckableTransportPair(udp, hostCandidate('10.0.0.2', 6000))).toBe(true);
  });

  it('a peer-reflexive candidate learned over a connection has the opposite tcptype', () => {
    expect(peerReflexiveTcpType('passive')).toBe('active');
    expect(peerReflexiveTcpType('active')).toBe('passive');
    expect(peerReflexiveTcpType('so')).toBe('so');
  });
});

const CRED_A = { ufrag: 'ufragA', pwd: 'passwordAAAAAAAAAAAAAAAA' };
const CRED_B = { ufrag: 'ufragB', pwd: 'passwordBBBBBBBBBBBBBBBB' };

describe('IceSession with TCP candidates', () => {
  it('without tcp, TCP remote candidates are unsupported and counted', () => {
    const s = newSession({ role: 'controlling', tieBreaker: 1n, localCredentials: CRED_A });
    expect(s.addRemoteCandidate(tcpHost('10.0.0.2', 6000, 'passive'), 0)).toBe('unsupported');
    expect(s.counters.unsupportedRemoteCandidates).toBe(1);
  });

  it('with tcp, they are taken, not counted, and paired by tcptype', () => {
    const s = newSession({ role: 'controlling', tieBreaker: 1n, localCredentials: CRED_A, tcp: true });
    s.addLocalCandidate({ candidate: tcpHost('10.0.0.1', 0, 'active'), socketId: 1 }, 0);
    s.addLocalCandidate({ candidate: hostCandidate('10.0.0.1', 5000), socketId: 2 }, 0);
    expect(s.addRemoteCandidate(tcpHost('10.0.0.2', 6000, 'passive'), 0)).toBe('added');
    expect(s.addRemoteCandidate(tcpHost('10.0.0.2', 0, 'active'), 0)).toBe('added');
    expect(s.addRemoteCandidate(hostCandidate('10.0.0.2', 6000), 0)).toBe('added'); // same address:port, UDP
    expect(s.counters.unsupportedRemoteCandidates).toBe(0);
    const pairs = s.checklist.pairs.map(
      (p) => `${p.local.candidate.transport}/${p.remote.transport}:${p.remote.port}`,
    );
    expect(pairs.sort()).toEqual(['tcp/tcp:6000', 'udp/udp:6000']);
  });

  it('active ↔ passive connects; the passive side learns the active remote as peer-reflexive TCP', () => {
    const a = newSession({ role: 'controlling', tieBreaker: 1000n, localCredentials: CRED_A, tcp: true });
    const b = newSession({ role: 'controlled', tieBreaker: 1n, localCredentials: CRED_B, tcp: true });
    const aActive = tcpHost('10.0.0.1', 0, 'active');
    const bPassive = tcpHost('10.0.0.2', 6000, 'passive');
    a.addLocalCandidate({ candidate: aActive, socketId: 1 }, 0);
    b.addLocalCandidate({ candidate: bPassive, socketId: 7 }, 0);
    a.addRemoteCandidate(bPassive, 0);
    b.addRemoteCandidate(aActive, 0); // remote active: remembered, never checked by b
    a.setRemoteCredentials(CRED_B, 0);
    b.setRemoteCredentials(CRED_A, 0);
    for (const s of [a, b]) {
      s.endOfLocalCandidates(0);
      s.endOfRemoteCandidates(0);
    }
    // The connection a opened from its ephemeral port 40000 to b's passive port.
    const eventsA: SessionEvent[] = [];
    const eventsB: SessionEvent[] = [];
    let now = 0;
    for (let step = 0; step < 2000; step++) {
      for (let moved = true; moved; ) {
        moved = false;
        for (let t = a.pollTransmit(); t; t = a.pollTransmit()) {
          moved = true;
          expect([t.socketId, t.address, t.port]).toEqual([1, '10.0.0.2', 6000]);
          b.handleStun(7, '10.0.0.1', 40000, decodeOrThrow(t.data), now);
        }
        for (let t = b.pollTransmit(); t; t = b.pollTransmit()) {
          moved = true;
          expect([t.socketId, t.address, t.port]).toEqual([7, '10.0.0.1', 40000]);
          a.handleStun(1, '10.0.0.2', 6000, decodeOrThrow(t.data), now);
        }
      }
      drainEvents(a, eventsA);
      drainEvents(b, eventsB);
      if (a.state === 'completed' && b.state === 'completed') break;
      const next = [a.nextTimeout(now), b.nextTimeout(now)].filter((x): x is number => x !== undefined);
      now = Math.min(...next);
      for (const s of [a, b]) if ((s.nextTimeout(now) ?? Infinity) <= now) s.handleTimeout(now);
    }
    expect(a.state).toBe('completed');
    expect(b.state).toBe('completed');
    const learned = eventsB.flatMap((e) => (e.type === 'remote-candidate' ? [e.candidate] : []));
    expect(learned).toMatchObject([
      { type: 'prflx', transport: 'tcp', tcpType: 'active', address: '10.0.0.1', port: 40000 },
    ]);
    expect(b.selectedPair?.remote).toMatchObject({ transport: 'tcp', port: 40000 });
    // a's mapped address (ephemeral port) is not a new local candidate: the selected pair keeps the host one.
    expect(a.selectedPair?.local.candidate).toBe(aActive);
  });
});

function decodeOrThrow(data: Uint8Array) {
  const m = decodeStun(data);
  if (!m) throw new Error('not STUN');
  return m;
}

function drainEvents(s: IceSession, into: SessionEvent[]): void {
  for (let e = s.pollEvent(); e; e = s.pollEvent()) into.push(e);
}
