/**
 * mDNS candidates in virtual time: an injected resolver and publisher share an
 * in-memory registry (standing in for the multicast group), so agents hide
 * and resolve host addresses exactly as over real mDNS, deterministically.
 */
import { map, NEVER, Observable, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { IceAgent, InvalidOptionError, LimitExceededError } from '../lib/index.js';
import type { MdnsPublisher, MdnsResolver } from '../lib/mdns/agent-mdns.js';
import { connectAgents, VirtualNetwork } from '../lib/testing/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

/** A registry standing in for the multicast group: names answer after `delay` ms, unknown names never. */
function fakeMdns(ts: TestScheduler, delay = 30) {
  const registry = new Map<string, string>();
  const lookups: string[] = [];
  const resolver: MdnsResolver = (name) => {
    lookups.push(name);
    const address = registry.get(name);
    return address === undefined ? NEVER : timer(delay, ts).pipe(map(() => address));
  };
  const publisher: MdnsPublisher = (records) =>
    new Observable<never>(() => {
      for (const [name, address] of records) registry.set(name, address);
      return () => {
        for (const name of records.keys()) registry.delete(name);
      };
    });
  return { registry, lookups, resolver, publisher };
}

describe('mDNS candidates', () => {
  it('publishes host addresses under .local names and the peer resolves them', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const mdns = fakeMdns(ts);
      const { a, b } = virtualPair(ts, {
        a: { mdns: 'publish', mdnsPublisher: mdns.publisher },
        b: { mdnsResolver: mdns.resolver },
      });
      const signaled: string[] = [];
      a.candidates$.subscribe((c) => signaled.push(c.address));
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        expect(signaled).toHaveLength(1);
        expect(signaled[0]).toMatch(/^[0-9a-f-]{36}\.local$/);
        expect(mdns.registry.get(signaled[0] as string)).toBe('10.0.0.1');
        expect(b.getRemoteCandidates().map((c) => c.address)).toContain('10.0.0.1');
        expect(b.getStats()).toMatchObject({
          mdnsQueries: 1,
          mdnsResolved: 1,
          mdnsFailures: 0,
          state: 'completed',
        });
        a.stop();
        b.stop();
        expect(mdns.registry.size).toBe(0); // stop() withdraws the names
      }, 1000);
    });
  });

  it('connects through peer-reflexive candidates when a name never resolves, and counts the failure', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const mdns = fakeMdns(ts);
      const { a, b } = virtualPair(ts, {
        a: { mdns: 'publish', mdnsPublisher: () => NEVER }, // published nowhere b can see
        b: { mdnsResolver: mdns.resolver, mdnsTimeout: 500 },
      });
      let remoteType: string | undefined;
      b.selectedPair$.subscribe((p) => {
        remoteType = p.remote.type;
      });
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        expect(mdns.lookups).toHaveLength(1);
        expect(remoteType).toBe('prflx');
        expect(b.getStats()).toMatchObject({ mdnsQueries: 1, mdnsResolved: 0, mdnsFailures: 0 });
      }, 400);
      ts.schedule(() => {
        const stats = b.getStats();
        expect(stats.mdnsFailures).toBe(1);
        expect(['connected', 'completed']).toContain(stats.state);
        a.stop();
        b.stop();
      }, 600);
    });
  });

  it('bounds pending look-ups and cancels them on stop()', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      let cancelled = 0;
      const resolver: MdnsResolver = () => new Observable<string>(() => () => cancelled++);
      const { a } = virtualPair(ts, { a: { mdnsResolver: resolver, maxRemoteCandidates: 2 } });
      a.addRemoteCandidate('candidate:1 1 udp 1 one.local 5000 typ host');
      a.addRemoteCandidate('candidate:2 1 udp 1 two.local 5000 typ host');
      expect(() => a.addRemoteCandidate('candidate:3 1 udp 1 three.local 5000 typ host')).toThrow(
        LimitExceededError,
      );
      a.stop();
      expect(cancelled).toBe(2);
      expect(a.getStats().mdnsFailures).toBe(0); // cancelled, not failed
    });
  });

  it('counts the datagrams its resolver and publisher drop as undecodable, and goes on', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const mdns = fakeMdns(ts);
      // Each hook reports two undecodable datagrams on its socket, then works as before.
      const resolver: MdnsResolver = (name, onMalformed) => {
        onMalformed?.();
        onMalformed?.();
        return mdns.resolver(name);
      };
      const publisher: MdnsPublisher = (records, onMalformed) => {
        onMalformed?.();
        onMalformed?.();
        return mdns.publisher(records);
      };
      const { a, b } = virtualPair(ts, {
        a: { mdns: 'publish', mdnsPublisher: publisher },
        b: { mdnsResolver: resolver },
      });
      connectAgents(a, b, { scheduler: ts });
      ts.schedule(() => {
        expect(a.getStats().mdnsMalformedPackets).toBe(2);
        expect(b.getStats()).toMatchObject({ mdnsMalformedPackets: 2, mdnsResolved: 1, state: 'completed' });
        a.stop();
        b.stop();
      }, 1000);
    });
  });

  it("with mdns: 'off' ignores .local candidates without a query, counting them", () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const mdns = fakeMdns(ts);
      const { a } = virtualPair(ts, { a: { mdns: 'off', mdnsResolver: mdns.resolver } });
      a.addRemoteCandidate('candidate:1 1 udp 1 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 5000 typ host');
      expect(mdns.lookups).toEqual([]);
      expect(a.getStats()).toMatchObject({ mdnsQueries: 0, unsupportedRemoteCandidates: 1 });
      a.stop();
    });
  });

  it('rejects bad mDNS options', () => {
    const transport = new VirtualNetwork().createHost('h', { addresses: ['10.0.0.1'] });
    expect(() => new IceAgent({ role: 'controlling', mdns: 'loud' as never })).toThrow(InvalidOptionError);
    expect(() => new IceAgent({ role: 'controlling', mdnsResolver: 'x' as never })).toThrow(/mdnsResolver/);
    expect(() => new IceAgent({ role: 'controlling', transport, mdns: 'publish' })).toThrow(/mdnsPublisher/);
    expect(() => new IceAgent({ role: 'controlling', mdnsTimeout: 0 })).toThrow(/mdnsTimeout/);
  });
});
