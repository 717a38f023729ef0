/**
 * What real peers send (issue #6, "robust to other stacks' habits"): the agent
 * accepts it all, pairs what it can, and counts what it ignores.
 */
import { describe, expect, it } from 'vitest';
import { serializeCandidate } from '../lib/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

const REAL_WORLD = [
  // Chrome: generation/ufrag/network-id/network-cost extensions
  'candidate:842163049 1 udp 1677729535 10.0.0.2 61764 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Yxs3 network-id 1 network-cost 10',
  // upper-case transport, long hex foundation (aioice)
  'candidate:0b8cb4bd6dc3bff9b9b0c4e6fa7b58cf 1 UDP 2130706431 10.0.0.2 44440 typ host',
  // a= prefix, unknown extension attribute
  'a=candidate:1 1 udp 2130706430 10.0.0.2 44441 typ host x-custom-thing 42',
  // duplicate of the above (same address/port)
  'candidate:9 1 udp 2130706430 10.0.0.2 44441 typ host',
  // TCP candidates: ignored with a stat
  'candidate:2 1 tcp 1518280447 10.0.0.2 9 typ host tcptype active generation 0',
  'candidate:3 1 TCP 1518214911 10.0.0.2 50000 typ host tcptype passive',
  // mDNS name: unresolvable here, ignored with a stat
  'candidate:4 1 udp 2122260223 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 54400 typ host generation 0',
  // IPv6 with a zone id (no IPv6 locally: paired with nothing, but accepted)
  'candidate:5 1 udp 2122262783 fe80::1%eth0 54401 typ host',
];

describe('candidates the way real stacks write them', () => {
  it('accepts every one without throwing, ignores TCP and mDNS with a count, dedupes', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a } = virtualPair(ts);
      a.gatherCandidates();
      a.setRemoteCredentials('Yxs3', 'x'.repeat(22)); // the minimum lengths browsers use: ufrag 4, pwd 22
      for (const line of REAL_WORLD) expect(() => a.addRemoteCandidate(line)).not.toThrow();
      const stats = a.getStats();
      expect(stats.unsupportedRemoteCandidates).toBe(3); // 2 TCP + 1 mDNS
      expect(a.getRemoteCandidates().map((c) => `${c.address}:${c.port}`)).toEqual([
        '10.0.0.2:61764',
        '10.0.0.2:44440',
        '10.0.0.2:44441',
        'fe80::1%eth0:54401',
      ]);
      // One local IPv4 candidate pairs with the three IPv4 remotes only.
      expect(stats.candidatePairs).toHaveLength(3);
      a.stop();
    });
  });

  it('answers checks that arrive before the peer signaled any candidate, and connects through them', () => {
    const ts = newTestScheduler();
    let connectedAt: number | undefined;
    let remoteType: string | undefined;
    ts.run(() => {
      const { a, b } = virtualPair(ts);
      for (const [from, to] of [
        [a, b],
        [b, a],
      ] as const) {
        const { ufrag, pwd } = from.getLocalCredentials();
        to.setRemoteCredentials(ufrag, pwd);
      }
      // a's candidates reach b at once; b's candidates reach a only after 1 s.
      a.candidates$.subscribe((c) => b.addRemoteCandidate(serializeCandidate(c)));
      b.candidates$.subscribe((c) => ts.schedule(() => a.addRemoteCandidate(serializeCandidate(c)), 1000));
      a.connectionState$.subscribe((s) => {
        if (s === 'connected') connectedAt ??= ts.now();
      });
      a.selectedPair$.subscribe((p) => {
        remoteType ??= p.remote.type;
      });
      a.gatherCandidates();
      b.gatherCandidates();
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 3000);
    });
    expect(connectedAt).toBeLessThan(1000); // connected through b's checks alone
    expect(remoteType).toBe('prflx');
  });
});
