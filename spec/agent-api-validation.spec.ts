/**
 * Every public entry point validates its input with a typed error, names the
 * bad option, and the agent keeps running after a rejected call (issue #10:
 * `scheduler: {}` and `transport: {}` used to fail later with a TypeError).
 */
import { describe, expect, it } from 'vitest';
import {
  type ConnectionState,
  IceAgent,
  type IceAgentOptions,
  type IceError,
  InvalidArgumentError,
  InvalidCandidateError,
  InvalidCredentialsError,
  InvalidOptionError,
} from '../lib/index.js';
import { connectAgents } from '../lib/testing/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

const huge = 'x'.repeat(1_000_000);

describe('constructor options', () => {
  it.each([
    ['scheduler', { scheduler: {} }],
    ['scheduler', { scheduler: { now: () => 0 } }],
    ['scheduler', { scheduler: 'asap' }],
    ['transport', { transport: {} }],
    ['transport', { transport: { bind: (): undefined => undefined } }],
    ['transport', { transport: null }],
    [
      'transport.resolveMdns',
      { transport: { bind: (): number => 0, hostAddresses: () => [], resolveMdns: 1 } },
    ],
    ['ipFilter', { ipFilter: 'loopback' }],
    ['random', { random: 0.5 }],
    ['retransmission', { retransmission: 6 }],
    ['serverRetransmission', { serverRetransmission: 'fast' }],
    ['ta', { ta: Number.NaN }],
    ['ta', { ta: Number.POSITIVE_INFINITY }],
    ['sdpMid', { sdpMid: '' }],
    ['sdpMid', { sdpMid: huge }],
    ['sdpMLineIndex', { sdpMLineIndex: -1 }],
    ['iceServers', { iceServers: [{ urls: `stun:${huge}` }] }],
    ['mdnsResolver', { mdnsResolver: {} }],
  ])('rejects a bad %s with InvalidOptionError naming it', (name, bad) => {
    let error: unknown;
    try {
      new IceAgent({ role: 'controlling', ...(bad as Partial<IceAgentOptions>) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toContain(name);
    expect((error as Error).message.length).toBeLessThan(300); // never echoes a huge value
  });
});

describe('methods', () => {
  it('reject bad arguments with typed errors, and the agent connects and carries data afterwards', () => {
    const ts = newTestScheduler();
    const states: ConnectionState[] = [];
    const received: number[] = [];
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      a.connectionState$.subscribe((s) => states.push(s));
      b.data$.subscribe((d) => received.push(d.length));
      const calls: Array<[() => unknown, new (...args: never[]) => IceError]> = [
        [() => a.setRemoteCredentials(Number.NaN as never, 'x'.repeat(22)), InvalidCredentialsError],
        [() => a.setRemoteCredentials('abcd', undefined as never), InvalidCredentialsError],
        [() => a.setRemoteCredentials(huge, huge), InvalidCredentialsError],
        [() => a.setRemoteCredentials({} as never, [] as never), InvalidCredentialsError],
        [() => a.addRemoteCandidate(Number.NaN as never), InvalidArgumentError],
        [() => a.addRemoteCandidate(huge), InvalidCandidateError],
        [() => a.addRemoteCandidate({ candidate: huge }), InvalidCandidateError],
        [() => a.addRemoteCandidate(Symbol('c') as never), InvalidArgumentError],
        [() => a.send(Number.NaN as never), InvalidArgumentError],
        [() => a.send(null as never), InvalidArgumentError],
        [() => a.send(new Uint16Array(4) as never), InvalidArgumentError],
        [() => a.send(huge as never), InvalidArgumentError],
        [() => a.send(new Uint8Array(65_508)), InvalidArgumentError],
      ];
      for (const [call, type] of calls) expect(call).toThrow(type);
      // Methods without parameters ignore stray arguments rather than misreading them.
      (a.gatherCandidates as (x: unknown) => void)(Number.NaN);
      expect(a.getStats().gatheringState).not.toBe('new');
      connectAgents(a, b, { scheduler: ts, gather: false });
      b.gatherCandidates();
      ts.schedule(() => {
        for (const [call, type] of calls) expect(call).toThrow(type); // also while connected
        a.send(new Uint8Array(65_507));
      }, 1000);
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 2000);
    });
    expect(states).toContain('completed');
    expect(states).not.toContain('failed');
    expect(received).toEqual([65_507]);
  });
});
