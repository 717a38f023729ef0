/**
 * Record and replay of a session whose STUN server is named by DNS: the
 * name is resolved by the transport's `lookupHost` (a virtual network's
 * resolver here: no DNS traffic), the answer is logged, and the replay gives
 * it back without resolving anything.
 */
import { map, type Observable, of, throwError, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent, type Transport } from '../../lib/index.js';
import { FastScheduler, NAT_PRESETS, replaySession, VirtualNetwork } from '../../lib/testing/index.js';
import { kinds, recorded, start } from './record-kit.js';

/** `host` with `lookupHost` as its resolver. */
function named(host: Transport, lookupHost: (name: string) => Observable<readonly string[]>): Transport {
  return { hostAddresses: () => host.hostAddresses(), bind: (a, p) => host.bind(a, p), lookupHost };
}

/**
 * a (recorded, behind a NAT, its STUN server named by `url` and looked up
 * with `resolver`) and b (public) signal to each other and run for 10 s of
 * `scheduler`'s virtual time; `watch` sees a's agent before anything starts.
 */
function runWithResolver(
  scheduler: FastScheduler,
  url: string,
  resolver: (name: string) => Observable<readonly string[]>,
  watch?: (agent: IceAgent) => void,
) {
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const stun = net.createStunServer('stun', { address: '198.51.100.2' });
  net.createNat('home', { publicAddress: '203.0.113.1', ...NAT_PRESETS.fullCone });
  const hostA = net.createHost('a', { addresses: ['192.168.1.10'], behind: 'home' });
  const hostB = net.createHost('b', { addresses: ['198.51.100.30'] });
  const iceServers = [{ urls: url }];
  const a = recorded({ role: 'controlling', scheduler, transport: named(hostA, resolver), iceServers });
  const b = new IceAgent({ role: 'controlled', scheduler, transport: hostB });
  watch?.(a.agent);
  start(a.agent, b);
  scheduler.advanceBy(10_000);
  a.agent.stop();
  b.stop();
  return { a, stun };
}

describe('record and replay with a STUN server named by DNS', () => {
  it.each([
    ['answers at once', 'sync'],
    ['answers 50 ms later', 'async'],
  ] as const)('replays the lookup when the resolver %s', (_name, when) => {
    const scheduler = new FastScheduler();
    const asked: string[] = [];
    const resolver = (name: string): Observable<readonly string[]> => {
      asked.push(name);
      const addresses = name === 'stun.example.test' ? ['198.51.100.2'] : [];
      return when === 'sync' ? of(addresses) : timer(50, scheduler).pipe(map(() => addresses));
    };
    const { a, stun } = runWithResolver(scheduler, 'stun:stun.example.test:3478', resolver);

    expect(asked).toEqual(['stun.example.test']);
    expect(stun.stats.requests).toBeGreaterThan(0);
    expect(a.agent.getLocalCandidates().some((c) => / 203\.0\.113\.1 \d+ typ srflx/.test(c.candidate))).toBe(
      true,
    );
    const lookups = a.lines.map((l) => JSON.parse(l)).filter((l) => l.k === 'lookup');
    expect(lookups).toEqual([
      expect.objectContaining({ id: 0, host: 'stun.example.test', addresses: ['198.51.100.2'] }),
    ]);
    expect(lookups[0].sync).toBe(when === 'sync' ? true : undefined);

    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    expect(asked).toHaveLength(1); // the replay resolved nothing
    const srflx = replay.outputs.filter(
      (o) => o.k === 'emit' && o.stream === 'candidates$' && JSON.stringify(o.value).includes('srflx'),
    );
    expect(srflx.length).toBeGreaterThan(0);
  });

  it('replays a failed lookup: the same server error, the session carries on', () => {
    const resolver = () => throwError(() => new Error('ENOTFOUND stun.example.test'));
    const errors: string[] = [];
    const { a } = runWithResolver(new FastScheduler(), 'stun:stun.example.test', resolver, (agent) =>
      agent.errors$.subscribe((e) => errors.push(`${e.kind} ${e.reason}`)),
    );

    expect(errors).toEqual(['dns cannot resolve stun.example.test: ENOTFOUND stun.example.test']);
    expect(kinds(a.lines).lookup).toBe(1);
    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    const replayedErrors = replay.outputs.filter((o) => o.k === 'emit' && o.stream === 'errors$');
    expect(replayedErrors).toHaveLength(1);
    const states = replay.outputs.filter((o) => o.k === 'emit' && o.stream === 'connectionState$');
    expect(states.map((o) => (o.k === 'emit' ? o.value : undefined))).toContain('connected');
  });
});
