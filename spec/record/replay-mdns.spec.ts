/**
 * Recording an agent whose transport resolves and publishes mDNS names: the
 * look-ups' answers and the datagrams the mDNS sockets drop are logged, so a
 * replay resolves the same `.local` candidates at the same times, with
 * nothing but the log.
 */
import { ignoreElements, map, merge, NEVER, Observable, tap, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent, type Transport } from '../../lib/index.js';
import type { MdnsPublisher, MdnsResolver } from '../../lib/mdns/agent-mdns.js';
import { FastScheduler, replaySession, VirtualNetwork } from '../../lib/testing/index.js';
import { kinds, recorded, start } from './record-kit.js';

/**
 * A name registry standing in for the multicast group, on the scheduler: a
 * look-up answers after 30 ms (unknown names never), and every look-up's and
 * publication's socket first drops one undecodable datagram, 5 ms in.
 */
function fakeMdns(scheduler: FastScheduler) {
  const registry = new Map<string, string>();
  const junk = (onMalformed?: () => void) =>
    timer(5, scheduler).pipe(
      tap(() => onMalformed?.()),
      ignoreElements(),
    );
  const resolver: MdnsResolver = (name, onMalformed) => {
    const address = registry.get(name);
    const answer = address === undefined ? NEVER : timer(30, scheduler).pipe(map(() => address));
    return merge(junk(onMalformed), answer);
  };
  const publisher: MdnsPublisher = (records, onMalformed) =>
    new Observable<never>((subscriber) => {
      for (const [name, address] of records) registry.set(name, address);
      const dropped = junk(onMalformed).subscribe(subscriber);
      return () => {
        dropped.unsubscribe();
        for (const name of records.keys()) registry.delete(name);
      };
    });
  return { resolver, publisher };
}

describe('record and replay with mDNS', () => {
  it('replays a session where both sides hide their addresses behind .local names', () => {
    const scheduler = new FastScheduler();
    const net = new VirtualNetwork({ scheduler, latency: 10 });
    const mdns = fakeMdns(scheduler);
    const transport: Transport = Object.assign(net.createHost('a', { addresses: ['10.0.0.1'] }), {
      resolveMdns: mdns.resolver,
      publishMdns: mdns.publisher,
    });
    const a = recorded({ role: 'controlling', scheduler, transport, mdns: 'publish' });
    const b = new IceAgent({
      role: 'controlled',
      scheduler,
      transport: net.createHost('b', { addresses: ['10.0.0.2'] }),
      mdns: 'publish',
      mdnsResolver: mdns.resolver,
      mdnsPublisher: mdns.publisher,
    });
    const signalled: string[] = [];
    a.agent.candidates$.subscribe((c) => signalled.push(c.address));
    start(a.agent, b);
    scheduler.advanceBy(1000);
    const stats = a.agent.getStats();
    expect(signalled).toHaveLength(1);
    expect(signalled[0]).toMatch(/^[0-9a-f-]{36}\.local$/);
    expect(a.agent.getRemoteCandidates().map((c) => c.address)).toContain('10.0.0.2');
    expect(stats).toMatchObject({
      state: 'completed',
      mdnsQueries: 1,
      mdnsResolved: 1,
      mdnsMalformedPackets: 2,
    });
    a.agent.stop();
    b.stop();

    const counts = kinds(a.lines);
    expect(counts['mdns-address']).toBe(1);
    expect(counts['mdns-malformed']).toBe(2); // one by the look-up's socket, one by the publication's
    const replay = replaySession(a.lines);
    expect(replay.mismatch).toBeUndefined();
    expect(replay.outputs).toEqual(replay.recorded);
    expect(replay.agent.getRemoteCandidates().map((c) => c.address)).toContain('10.0.0.2');
    expect(replay.agent.getStats()).toMatchObject({ mdnsResolved: 1, mdnsMalformedPackets: 2 });
  });
});
