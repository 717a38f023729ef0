/**
 * `pairs$`: the checklist as the checks change it, in virtual time.
 */
import { describe, expect, it } from 'vitest';
import type { CandidatePairStats } from '../lib/stats.js';
import { createAgentPair } from '../lib/testing/index.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

type Seen = { at: number; pairs: readonly CandidatePairStats[] };

describe('IceAgent.pairs$', () => {
  it('emits the current pairs on subscribe, then every change: waiting → in-progress → succeeded → nominated', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = createAgentPair(ts, { connect: true });
      const seen: Seen[] = [];
      a.pairs$.subscribe((pairs) => seen.push({ at: ts.now(), pairs }));
      expect(seen).toEqual([{ at: 0, pairs: [] }]);
      ts.schedule(() => {
        const states = seen.map((s) =>
          s.pairs.map((p) => `${p.state}${p.nominated ? '+N' : ''}${p.selected ? '+S' : ''}`).join(','),
        );
        // Consecutive emissions always differ: only changes are emitted.
        for (let i = 1; i < seen.length; i++)
          expect(JSON.stringify(seen[i]?.pairs)).not.toBe(JSON.stringify(seen[i - 1]?.pairs));
        expect(states).toContain('in-progress');
        expect(states.at(-1)).toBe('succeeded+N+S');
        const last = seen.at(-1)?.pairs[0];
        expect(last?.rtt).toBe(20); // two 10 ms hops
        expect(last?.remote.address).toBe('10.0.0.2');
        expect(a.getStats().candidatePairs).toEqual(seen.at(-1)?.pairs);
      }, 500);
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 600);
    });
  });

  it('shows the new session after restart() and completes on stop()', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = createAgentPair(ts, { connect: true });
      const seen: Seen[] = [];
      let completed = false;
      ts.schedule(() => {
        a.pairs$.subscribe({
          next: (pairs) => seen.push({ at: ts.now(), pairs }),
          complete: () => (completed = true),
        });
        expect(seen).toHaveLength(1);
        expect(seen[0]?.pairs[0]?.selected).toBe(true);
        a.restart();
        const ours = a.getLocalCredentials();
        b.setRemoteCredentials(ours.ufrag, ours.pwd); // b restarts too (new remote credentials)
        const theirs = b.getLocalCredentials();
        a.setRemoteCredentials(theirs.ufrag, theirs.pwd);
        // The new generation starts with no pairs: the change is emitted at once.
        expect(seen.at(-1)?.pairs).toEqual([]);
      }, 500);
      ts.schedule(() => {
        expect(seen.at(-1)?.pairs[0]?.selected).toBe(true);
        a.stop();
        b.stop();
        expect(completed).toBe(true);
      }, 1500);
    });
  });

  it('does no work while nobody subscribes, and stops emitting to a subscriber that left', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = createAgentPair(ts, { connect: true });
      let count = 0;
      const subscription = a.pairs$.subscribe(() => count++);
      subscription.unsubscribe();
      ts.schedule(() => {
        expect(count).toBe(1); // the snapshot on subscribe, nothing after
        a.stop();
        b.stop();
      }, 500);
    });
  });
});
