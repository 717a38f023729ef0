/**
 * Bad input: every public entry point throws a typed IceError saying what was
 * wrong and the agent keeps working; bad packets from the network are dropped
 * and counted, never thrown and never emitted as data.
 */

import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  IceAgent,
  InvalidArgumentError,
  InvalidCandidateError,
  InvalidCredentialsError,
  InvalidOptionError,
  InvalidStateError,
  LimitExceededError,
} from '../lib/index.js';
import { buildBindingRequest, shortTermKey } from '../lib/stun/message.js';
import { connectAgents } from '../lib/testing/index.js';
import type { PacketSocket } from '../lib/transport/types.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

const encoder = new TextEncoder();

describe('public entry points reject bad input with typed errors', () => {
  it('rejects bad options in the constructor', () => {
    expect(() => new IceAgent({ role: 'boss' as never })).toThrow(InvalidOptionError);
    expect(() => new IceAgent({ role: 'controlling', ta: -1 })).toThrow(/ta must be an integer/);
    expect(() => new IceAgent({ role: 'controlling', ports: { min: 9000, max: 8000 } })).toThrow(
      /ports.min \(9000\) is above ports.max \(8000\)/,
    );
  });

  it('throws a typed error for each bad call, and still connects afterwards', () => {
    const ts = newTestScheduler();
    const states: string[] = [];
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      a.connectionState$.subscribe((s) => states.push(s));
      const errors: Array<[() => void, new (...args: never[]) => Error, RegExp]> = [
        [
          () => a.addRemoteCandidate('candidate:1 1 udp 100 10.0.0.2 notaport typ host'),
          InvalidCandidateError,
          /port/,
        ],
        [
          () => a.addRemoteCandidate('candidate:1 1 sctp 100 10.0.0.2 5000 typ host'),
          InvalidCandidateError,
          /sctp/,
        ],
        [
          () => a.addRemoteCandidate('candidate:1 2 udp 100 10.0.0.2 5000 typ host'),
          InvalidArgumentError,
          /component 2/,
        ],
        [() => a.addRemoteCandidate(42 as never), InvalidArgumentError, /string/],
        [() => a.setRemoteCredentials('ab', 'x'.repeat(22)), InvalidCredentialsError, /ufrag/],
        [() => a.setRemoteCredentials('abcd', 'short'), InvalidCredentialsError, /pwd/],
        [() => a.setRemoteCredentials('ab-d', 'x'.repeat(22)), InvalidCredentialsError, /ice-char/],
        [() => a.send(encoder.encode('too early')), InvalidStateError, /selected pair/],
        [() => a.send('text' as never), InvalidArgumentError, /Uint8Array/],
        [() => a.send(new Uint8Array(70_000)), InvalidArgumentError, /exceeds/],
      ];
      for (const [call, type, message] of errors) {
        expect(call).toThrow(type);
        expect(call).toThrow(message);
      }
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 2000);
    });
    expect(states).toContain('connected');
  });

  it('refuses remote candidates beyond maxRemoteCandidates, keeping the ones it has', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a } = virtualPair(ts, { a: { maxRemoteCandidates: 2 } });
      a.addRemoteCandidate('candidate:1 1 udp 100 10.0.0.2 5000 typ host');
      a.addRemoteCandidate('candidate:1 1 udp 100 10.0.0.2 5001 typ host');
      expect(() => a.addRemoteCandidate('candidate:1 1 udp 100 10.0.0.2 5002 typ host')).toThrow(
        LimitExceededError,
      );
      expect(a.getRemoteCandidates().map((c) => c.port)).toEqual([5000, 5001]);
      a.stop();
    });
  });

  it('keeps at most checklistLimit pairs, the highest-priority ones', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a } = virtualPair(ts, { a: { checklistLimit: 2 } });
      a.gatherCandidates();
      for (const [port, priority] of [
        [5000, 100],
        [5001, 300],
        [5002, 200],
      ]) {
        a.addRemoteCandidate(`candidate:${port} 1 udp ${priority} 10.0.0.2 ${port} typ host`);
      }
      expect(a.getStats().candidatePairs.map((p) => p.remote.port)).toEqual([5001, 5002]);
      a.stop();
    });
  });

  it('ignores non-UDP and unresolved mDNS remote candidates, counting them', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a } = virtualPair(ts);
      a.gatherCandidates();
      a.addRemoteCandidate('candidate:1 1 tcp 100 10.0.0.2 9 typ host tcptype active');
      a.addRemoteCandidate('candidate:2 1 udp 100 0b2c4d0e-1111-4222-8333-944445555666.local 5000 typ host');
      expect(a.getStats().unsupportedRemoteCandidates).toBe(2);
      expect(a.getStats().candidatePairs).toEqual([]);
      a.stop();
    });
  });

  it('after stop() every call but getStats throws InvalidStateError and every stream has completed', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net, hostB, a } = virtualPair(ts);
      const completed: string[] = [];
      const streams = [
        'candidates$',
        'gatheringState$',
        'connectionState$',
        'selectedPair$',
        'data$',
        'role$',
        'interfaceChanges$',
        'errors$',
      ] as const;
      for (const name of streams) {
        (a[name] as Observable<unknown>).subscribe({ complete: () => completed.push(name) });
      }
      a.gatherCandidates();
      const [host] = a.getLocalCandidates();
      a.stop();
      a.stop(); // idempotent
      expect(new Set(completed)).toEqual(new Set(streams));
      // The socket is closed: a datagram to its port now finds nobody there.
      hostB
        .bind('10.0.0.2')
        .subscribe((socket) => socket.send(encoder.encode('knock'), host?.port ?? 0, '10.0.0.1'));
      ts.flush();
      expect(net.stats.dropReasons.unbound).toBe(1);
      expect(() => a.send(encoder.encode('x'))).toThrow(InvalidStateError);
      expect(() => a.gatherCandidates()).toThrow(/after stop/);
      expect(() => a.addRemoteCandidate('candidate:1 1 udp 1 10.0.0.2 1 typ host')).toThrow(
        InvalidStateError,
      );
      expect(() => a.restart()).toThrow(InvalidStateError);
      expect(a.getStats().state).toBe('closed');
    });
  });
});

describe('bad packets from the network are dropped and counted', () => {
  it('counts malformed, unauthenticated, bad-fingerprint and unvalidated packets; emits none as data', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { net, a, b } = virtualPair(ts);
      const attacker = net.createHost('mallory', { addresses: ['10.0.0.66'] });
      let socket!: PacketSocket;
      attacker.bind('10.0.0.66').subscribe((s) => {
        socket = s;
      });
      const replies: Uint8Array[] = [];
      socket.packets$.subscribe((p) => replies.push(p.data));
      const received: Uint8Array[] = [];
      a.data$.subscribe((d) => received.push(d));
      connectAgents(a, b, { scheduler: ts });
      const target = a.getLocalCandidates()[0];
      if (!target) throw new Error('a has no candidate');
      const { ufrag } = a.getLocalCredentials();
      const send = (bytes: Uint8Array) => socket.send(bytes, target.port, target.address);

      ts.schedule(() => {
        send(encoder.encode('plain data from a stranger')); // not STUN, unvalidated source
        send(new Uint8Array([0x00, 0x01, 0x00, 0x08, 0x21, 0x12])); // first byte 0-3 but not STUN: unvalidated data
        // Framed as STUN (length 4, magic cookie) with an attribute claiming 200 bytes: malformed.
        send(new Uint8Array([0, 1, 0, 4, 0x21, 0x12, 0xa4, 0x42, ...new Array(12).fill(7), 0, 6, 0, 200]));
        const wrongKey = buildBindingRequest({
          username: `${ufrag}:mall`,
          key: shortTermKey('not-the-password-at-all'),
          priority: 1,
          role: 'controlled',
          tieBreaker: 1n,
        });
        send(wrongKey.bytes);
        const badFingerprint = Buffer.from(wrongKey.bytes);
        const last = badFingerprint.length - 1;
        badFingerprint.writeUInt8(badFingerprint.readUInt8(last) ^ 0xff, last);
        send(badFingerprint);
      }, 500);
      ts.schedule(() => {
        const stats = a.getStats();
        expect(stats.droppedDataPackets).toBe(2);
        expect(stats.malformedPackets).toBe(1);
        expect(stats.unauthenticatedPackets).toBe(1);
        expect(stats.badFingerprintPackets).toBe(1);
        expect(stats.state).toBe('completed'); // the session is untouched
        expect(received).toEqual([]);
        expect(replies).toHaveLength(1); // only the 401 to the wrong-key request
        a.stop();
        b.stop();
      }, 1000);
    });
  });

  it('getStats reports ex_ice fields and per-pair detail as JSON-safe data', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => a.send(encoder.encode('12345')), 200);
      ts.schedule(() => {
        const stats = a.getStats();
        expect(JSON.parse(JSON.stringify(stats))).toEqual(stats);
        expect(stats).toMatchObject({
          bytesSent: 5,
          packetsSent: 1,
          state: 'completed',
          role: 'controlling',
          localUfrag: a.getLocalCredentials().ufrag,
        });
        expect(stats.localCandidates).toHaveLength(1);
        expect(stats.remoteCandidates).toHaveLength(1);
        expect(stats.candidatePairs).toEqual([
          expect.objectContaining({ state: 'succeeded', nominated: true, selected: true, rtt: 20 }),
        ]);
        expect(BigInt(stats.candidatePairs[0]?.priority ?? '0')).toBeGreaterThan(2n ** 32n);
        expect(stats.requestsSent).toBeGreaterThan(0);
        expect(stats.responsesReceived).toBeGreaterThan(0);
        expect(b.getStats()).toMatchObject({ bytesReceived: 5, packetsReceived: 1 });
        a.stop();
        b.stop();
      }, 400);
    });
  });
});
