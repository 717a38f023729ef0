import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairPriority } from '../lib/candidate.js';
import type { Candidate } from '../lib/candidate-types.js';
import { Checklist } from '../lib/core/checklist.js';
import { type CandidatePair, createPair, type IceRole, type LocalCandidate } from '../lib/core/pair.js';

function candidate(address: string, port: number, priority: number, foundation: string): Candidate {
  return {
    foundation,
    component: 1,
    transport: 'udp',
    priority,
    address,
    port,
    type: 'host',
    extensions: [],
  };
}

function local(socketId: number, priority = 1000, foundation = 'L'): LocalCandidate {
  return { socketId, candidate: candidate(`10.0.0.${socketId}`, 1000 + socketId, priority, foundation) };
}

let nextId = 1;

/**
 * A pair on socket `socketId` towards 192.0.2.x:`port`. Its foundation is
 * `${localFoundation}:${remoteFoundation}`; `priority` overrides the computed one.
 */
function makePair(o: {
  port: number;
  priority?: bigint;
  socketId?: number;
  localFoundation?: string;
  remoteFoundation?: string;
  localPriority?: number;
  remotePriority?: number;
  role?: IceRole;
}): CandidatePair {
  const pair = createPair(
    nextId++,
    local(o.socketId ?? 1, o.localPriority ?? 1000, o.localFoundation ?? 'L'),
    candidate('192.0.2.1', o.port, o.remotePriority ?? 1000, o.remoteFoundation ?? `R${o.port}`),
    o.role ?? 'controlling',
  );
  if (o.priority !== undefined) pair.priority = o.priority;
  return pair;
}

const ports = (list: Checklist) => list.pairs.map((p) => p.remote.port);

describe('Checklist ordering and initial states', () => {
  it('keeps pairs sorted by descending priority whatever the insertion order', () => {
    const list = new Checklist(100);
    for (const [port, priority] of [
      [1, 30n],
      [2, 10n],
      [3, 50n],
      [4, 20n],
      [5, 40n],
    ] as const) {
      expect(list.add(makePair({ port, priority }))).toBe(true);
    }
    expect(list.pairs.map((p) => p.priority)).toEqual([50n, 40n, 30n, 20n, 10n]);
    expect(ports(list)).toEqual([3, 5, 1, 4, 2]);
  });

  it('breaks priority ties by creation order', () => {
    const list = new Checklist(100);
    const first = makePair({ port: 1, priority: 7n });
    const second = makePair({ port: 2, priority: 7n });
    list.add(second);
    list.add(first);
    expect(list.pairs).toEqual([first, second]);
  });

  it('makes the first pair of a foundation waiting and later pairs of that foundation frozen', () => {
    const list = new Checklist(100);
    const a1 = makePair({ port: 1, priority: 100n, remoteFoundation: 'A' });
    const a2 = makePair({ port: 2, priority: 90n, remoteFoundation: 'A' });
    const b1 = makePair({ port: 3, priority: 80n, remoteFoundation: 'B' });
    const a3 = makePair({ port: 4, priority: 70n, remoteFoundation: 'A' });
    for (const p of [a1, a2, b1, a3]) list.add(p);
    expect(a1.foundation).toBe(a2.foundation);
    expect(a1.foundation).not.toBe(b1.foundation);
    expect([a1.state, a2.state, b1.state, a3.state]).toEqual(['waiting', 'frozen', 'waiting', 'frozen']);
  });

  it('also freezes behind an in-progress pair of the foundation, but not behind a finished one', () => {
    const list = new Checklist(100);
    const a1 = makePair({ port: 1, remoteFoundation: 'A' });
    list.add(a1);
    a1.state = 'in-progress';
    const a2 = makePair({ port: 2, remoteFoundation: 'A' });
    list.add(a2);
    expect(a2.state).toBe('frozen');

    a1.state = 'succeeded';
    a2.state = 'failed';
    const a3 = makePair({ port: 3, remoteFoundation: 'A' });
    list.add(a3);
    expect(a3.state).toBe('waiting');
  });

  it('refuses a second pair on the same path (socket and remote address)', () => {
    const list = new Checklist(100);
    const original = makePair({ port: 7, priority: 10n });
    expect(list.add(original)).toBe(true);
    // Same socket, same remote address and port, another candidate object and priority.
    expect(list.add(makePair({ port: 7, priority: 99n, remoteFoundation: 'other' }))).toBe(false);
    expect(list.pairs).toEqual([original]);
    expect(list.find(1, '192.0.2.1', 7)).toBe(original);
    // Another local socket towards the same remote address is another path.
    const otherSocket = makePair({ port: 7, socketId: 2 });
    expect(list.add(otherSocket)).toBe(true);
    expect(list.find(2, '192.0.2.1', 7)).toBe(otherSocket);
    expect(list.find(3, '192.0.2.1', 7)).toBeUndefined();
    expect(list.pairs).toHaveLength(2);
  });
});

describe('Checklist foundations', () => {
  it('unfreezeFoundation moves every frozen pair of that foundation, and only those, to waiting', () => {
    const list = new Checklist(100);
    const a = [1, 2, 3].map((port) => makePair({ port, remoteFoundation: 'A' }));
    const b = [4, 5].map((port) => makePair({ port, remoteFoundation: 'B' }));
    for (const p of [...a, ...b]) list.add(p);
    const [a1, a2, a3] = a as [CandidatePair, CandidatePair, CandidatePair];
    const [b1, b2] = b as [CandidatePair, CandidatePair];
    a1.state = 'succeeded';
    a3.state = 'failed';
    // a3 was frozen, then failed: unfreezing must not resurrect it.
    list.unfreezeFoundation(a1.foundation);
    expect([a1.state, a2.state, a3.state]).toEqual(['succeeded', 'waiting', 'failed']);
    expect([b1.state, b2.state]).toEqual(['waiting', 'frozen']);
  });

  it('a failed check lets the highest frozen pair of its foundation go at the next slot (RFC 8445 §6.1.4.2)', () => {
    const list = new Checklist(100);
    const a1 = makePair({ port: 1, priority: 100n, remoteFoundation: 'A' });
    const a2 = makePair({ port: 2, priority: 50n, remoteFoundation: 'A' });
    const a3 = makePair({ port: 3, priority: 80n, remoteFoundation: 'A' });
    const b1 = makePair({ port: 4, priority: 90n, remoteFoundation: 'B' });
    const b2 = makePair({ port: 5, priority: 95n, remoteFoundation: 'B' });
    for (const p of [a1, a2, a3, b1, b2]) list.add(p);
    // b1 was added first, so it is B's waiting pair and b2 is frozen.
    expect([a2.state, a3.state, b1.state, b2.state]).toEqual(['frozen', 'frozen', 'waiting', 'frozen']);

    a1.state = 'in-progress';
    b1.state = 'in-progress';
    expect(list.hasWork()).toBe(false); // both foundations are being checked: frozen pairs stay frozen
    expect(list.nextPairToCheck()).toBeUndefined();
    expect([a2.state, a3.state, b2.state]).toEqual(['frozen', 'frozen', 'frozen']);

    a1.state = 'failed';
    expect(list.hasWork()).toBe(true);
    expect(list.nextPairToCheck()).toBe(a3); // priority 80 beats 50
    expect(a2.state).toBe('frozen');
    expect(b2.state).toBe('frozen'); // B still has b1 in progress
  });
});

describe('Checklist.nextPairToCheck', () => {
  it('serves triggered checks first, in FIFO order, each queued pair once whatever its state became', () => {
    const list = new Checklist(100);
    const high = makePair({ port: 1, priority: 100n });
    const mid = makePair({ port: 2, priority: 50n });
    const low = makePair({ port: 3, priority: 10n });
    const lowest = makePair({ port: 4, priority: 5n });
    for (const p of [high, mid, low, lowest]) list.add(p);
    for (const p of [mid, low, high, lowest]) p.state = 'succeeded';
    high.state = 'waiting';

    list.enqueueTriggered(low);
    list.enqueueTriggered(mid);
    list.enqueueTriggered(low); // queued at most once
    list.enqueueTriggered(lowest);
    expect([low.state, mid.state, lowest.state]).toEqual(['waiting', 'waiting', 'waiting']);
    expect(list.isQueued(mid)).toBe(true);
    // A late answer to an earlier check marks mid succeeded: its queued check must still go out
    // (dropping it here was the nomination stall of issue #10).
    mid.state = 'succeeded';

    expect(list.nextPairToCheck()).toBe(low); // FIFO, not priority order
    low.state = 'in-progress';
    expect(list.nextPairToCheck()).toBe(mid);
    mid.state = 'in-progress';
    expect(list.nextPairToCheck()).toBe(lowest);
    lowest.state = 'in-progress';
    // Queue empty: the highest waiting pair.
    expect(list.nextPairToCheck()).toBe(high);
    high.state = 'in-progress';
    expect(list.nextPairToCheck()).toBeUndefined();
    expect(list.hasWork()).toBe(false);
  });

  it('after conclusion, checks only the nominated path and refuses new pairs (RFC 8445 §8.1.2)', () => {
    const list = new Checklist(100);
    const chosen = makePair({ port: 1, priority: 100n, remoteFoundation: 'A' });
    const other = makePair({ port: 2, priority: 90n, remoteFoundation: 'B' });
    const frozen = makePair({ port: 3, priority: 80n, remoteFoundation: 'B' });
    for (const p of [chosen, other, frozen]) list.add(p);
    list.enqueueTriggered(other);
    chosen.state = 'succeeded';
    const cancelled = list.conclude(chosen);
    expect(cancelled).toEqual([other, frozen]);
    expect(list.concluded).toBe(true);
    expect(list.isQueued(other)).toBe(false);
    expect(list.hasWork()).toBe(false);
    expect(list.nextPairToCheck()).toBeUndefined();
    expect(list.enqueueTriggered(other)).toBe(false);
    expect(list.enqueueTriggered(other, true)).toBe(true); // the peer nominates another pair
    expect(list.nextPairToCheck()).toBe(other);
    expect(list.enqueueTriggered(chosen)).toBe(true);
    expect(list.add(makePair({ port: 9, priority: 200n }))).toBe(false);
  });

  it('picks the highest-priority waiting pair before any frozen one', () => {
    const list = new Checklist(100);
    const a1 = makePair({ port: 1, priority: 100n, remoteFoundation: 'A' });
    const a2 = makePair({ port: 2, priority: 90n, remoteFoundation: 'A' }); // frozen
    const b1 = makePair({ port: 3, priority: 20n, remoteFoundation: 'B' });
    const c1 = makePair({ port: 4, priority: 40n, remoteFoundation: 'C' });
    for (const p of [a1, a2, b1, c1]) list.add(p);
    expect(list.nextPairToCheck()).toBe(a1);
    a1.state = 'in-progress';
    expect(list.nextPairToCheck()).toBe(c1); // 40 before 20, and before frozen a2 (90)
    c1.state = 'in-progress';
    expect(list.nextPairToCheck()).toBe(b1);
    expect(a2.state).toBe('frozen');
  });

  it('unfreezes a frozen pair only once no pair of its foundation is waiting or in progress', () => {
    const list = new Checklist(100);
    const a1 = makePair({ port: 1, priority: 100n, remoteFoundation: 'A' });
    const a2 = makePair({ port: 2, priority: 30n, remoteFoundation: 'A' });
    const a3 = makePair({ port: 3, priority: 60n, remoteFoundation: 'A' });
    for (const p of [a1, a2, a3]) list.add(p);
    a1.state = 'in-progress';
    expect(list.hasWork()).toBe(false);
    expect(list.nextPairToCheck()).toBeUndefined();
    expect([a2.state, a3.state]).toEqual(['frozen', 'frozen']);
    a1.state = 'succeeded';
    expect(list.hasWork()).toBe(true);
    const next = list.nextPairToCheck();
    expect(next).toBe(a3);
    expect(a3.state).toBe('waiting');
    expect(a2.state).toBe('frozen');
  });

  it('returns undefined when no pair is waiting or frozen', () => {
    const list = new Checklist(100);
    expect(list.nextPairToCheck()).toBeUndefined();
    const p = makePair({ port: 1 });
    list.add(p);
    p.state = 'failed';
    expect(list.hasWork()).toBe(false);
    expect(list.nextPairToCheck()).toBeUndefined();
  });
});

describe('Checklist limit', () => {
  function full(limit: number): { list: Checklist; pairs: CandidatePair[] } {
    const list = new Checklist(limit);
    const pairs: CandidatePair[] = [];
    for (let i = 0; i < limit; i++) {
      // priorities 100, 90, 80, ...; distinct foundations, so all start waiting
      const p = makePair({ port: i + 1, priority: BigInt(100 - 10 * i) });
      expect(list.add(p)).toBe(true);
      pairs.push(p);
    }
    return { list, pairs };
  }

  it('evicts the lowest-priority pair to make room for a higher-priority one', () => {
    const { list, pairs } = full(3); // 100, 90, 80
    const newcomer = makePair({ port: 50, priority: 85n });
    expect(list.add(newcomer)).toBe(true);
    expect(list.pairs.map((p) => p.priority)).toEqual([100n, 90n, 85n]);
    expect(list.pairs).not.toContain(pairs[2]);
    expect(list.find(1, '192.0.2.1', 3)).toBeUndefined();
    // The evicted path is free again (and is refused now only because it ranks lowest).
    expect(list.add(makePair({ port: 3, priority: 86n }))).toBe(true);
    expect(list.pairs.map((p) => p.priority)).toEqual([100n, 90n, 86n]);
  });

  it('refuses a pair that ranks below every pair kept', () => {
    const { list, pairs } = full(3);
    expect(list.add(makePair({ port: 50, priority: 79n }))).toBe(false);
    // Equal priority loses to the older pair (ties go by creation order).
    expect(list.add(makePair({ port: 51, priority: 80n }))).toBe(false);
    expect(list.pairs).toEqual(pairs);
    expect(list.find(1, '192.0.2.1', 50)).toBeUndefined();
  });

  it('evicts frozen, waiting and failed pairs but never in-progress or succeeded ones', () => {
    const { list, pairs } = full(4); // 100, 90, 80, 70
    const [p100, p90, p80, p70] = pairs as [CandidatePair, CandidatePair, CandidatePair, CandidatePair];
    p70.state = 'succeeded';
    p80.state = 'in-progress';
    p90.state = 'failed';
    // Lowest two are protected: the failed 90 goes.
    expect(list.add(makePair({ port: 60, priority: 95n }))).toBe(true);
    expect(list.pairs).not.toContain(p90);
    expect(list.pairs).toContain(p70);
    expect(list.pairs).toContain(p80);
    // Now only protected pairs rank below 100: a 99 cannot get in...
    const p95 = list.pairs[1] as CandidatePair;
    p95.state = 'in-progress';
    expect(list.add(makePair({ port: 61, priority: 99n }))).toBe(false);
    // ...but a 101 evicts the frozen/waiting 100.
    p100.state = 'frozen';
    expect(list.add(makePair({ port: 62, priority: 101n }))).toBe(true);
    expect(list.pairs).not.toContain(p100);
    expect(list.pairs.map((p) => p.priority)).toEqual([101n, 95n, 80n, 70n]);
  });

  it('refuses everything when every pair is in progress or succeeded', () => {
    const { list, pairs } = full(2);
    (pairs[0] as CandidatePair).state = 'in-progress';
    (pairs[1] as CandidatePair).state = 'succeeded';
    expect(list.add(makePair({ port: 70, priority: 1_000_000n }))).toBe(false);
    expect(list.pairs).toEqual(pairs);
  });

  it('drops an evicted pair from the triggered queue', () => {
    const { list, pairs } = full(2); // 100, 90
    const victim = pairs[1] as CandidatePair;
    (pairs[0] as CandidatePair).state = 'in-progress';
    list.enqueueTriggered(victim);
    expect(list.add(makePair({ port: 70, priority: 95n }))).toBe(true);
    const next = list.nextPairToCheck();
    expect(next).not.toBe(victim);
    expect(next?.priority).toBe(95n);
  });
});

describe('Checklist.recomputePriorities', () => {
  it('flips G and D after a role switch and re-sorts', () => {
    const list = new Checklist(100);
    // Same min/max, so only the "G > D" bit differs between the two pairs.
    const x = makePair({ port: 1, localPriority: 2000, remotePriority: 1000, role: 'controlling' });
    const y = makePair({ port: 2, localPriority: 1000, remotePriority: 2000, role: 'controlling' });
    list.add(y);
    list.add(x);
    // Controlling: G is ours. x: G=2000 > D=1000, y: G=1000 < D=2000.
    const base = (1000n << 32n) + 2n * 2000n;
    expect(x.priority).toBe(base + 1n);
    expect(y.priority).toBe(base);
    expect(x.priority).toBe(pairPriority(2000, 1000));
    expect(list.pairs).toEqual([x, y]);

    list.recomputePriorities('controlled');
    // Controlled: G is the remote's.
    expect(x.priority).toBe(pairPriority(1000, 2000));
    expect(x.priority).toBe(base);
    expect(y.priority).toBe(pairPriority(2000, 1000));
    expect(y.priority).toBe(base + 1n);
    expect(list.pairs).toEqual([y, x]);

    list.recomputePriorities('controlling');
    expect(list.pairs).toEqual([x, y]);
    expect(x.priority).toBe(base + 1n);
  });

  it('keeps a pair found by path after re-sorting', () => {
    const list = new Checklist(100);
    const x = makePair({ port: 1, localPriority: 5, remotePriority: 9 });
    const y = makePair({ port: 2, localPriority: 9, remotePriority: 5 });
    list.add(x);
    list.add(y);
    list.recomputePriorities('controlled');
    expect(list.find(1, '192.0.2.1', 1)).toBe(x);
    expect(list.find(1, '192.0.2.1', 2)).toBe(y);
  });
});

describe('Checklist.isSettled and clear', () => {
  it('is settled only when every pair has succeeded or failed', () => {
    const list = new Checklist(100);
    expect(list.isSettled()).toBe(true);
    const a = makePair({ port: 1 });
    const b = makePair({ port: 2 });
    list.add(a);
    list.add(b);
    expect(list.isSettled()).toBe(false);
    a.state = 'succeeded';
    b.state = 'in-progress';
    expect(list.isSettled()).toBe(false);
    b.state = 'frozen';
    expect(list.isSettled()).toBe(false);
    b.state = 'failed';
    expect(list.isSettled()).toBe(true);
    // A triggered check makes it unsettled again.
    list.enqueueTriggered(b);
    expect(b.state).toBe('waiting');
    expect(list.isSettled()).toBe(false);
  });

  it('clear drops pairs, paths and the triggered queue', () => {
    const list = new Checklist(100);
    const a = makePair({ port: 1 });
    list.add(a);
    list.enqueueTriggered(a);
    list.clear();
    expect(list.pairs).toEqual([]);
    expect(list.find(1, '192.0.2.1', 1)).toBeUndefined();
    expect(list.hasWork()).toBe(false);
    expect(list.nextPairToCheck()).toBeUndefined();
    expect(list.add(makePair({ port: 1 }))).toBe(true);
  });
});

describe('Checklist properties', () => {
  const op = fc.record({
    port: fc.integer({ min: 1, max: 40 }),
    priority: fc.bigInt({ min: 0n, max: 2n ** 63n }),
    // sometimes protect the pair (as if checked) right after adding it
    protect: fc.constantFrom(undefined, 'in-progress' as const, 'succeeded' as const),
  });

  it('stays sorted descending, within the limit, and consistent with find()', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 60 }), (limit, ops) => {
        const list = new Checklist(limit);
        for (const o of ops) {
          const pair = makePair({ port: o.port, priority: o.priority });
          const before = list.pairs.length;
          const added = list.add(pair);
          if (added && o.protect) pair.state = o.protect;
          expect(list.pairs.length).toBeLessThanOrEqual(limit);
          if (added) expect(list.pairs.length).toBe(Math.min(before + 1, limit));
          else expect(list.pairs.length).toBe(before);
          for (let i = 1; i < list.pairs.length; i++) {
            const prev = list.pairs[i - 1] as CandidatePair;
            const cur = list.pairs[i] as CandidatePair;
            expect(prev.priority >= cur.priority).toBe(true);
          }
          for (const p of list.pairs) expect(list.find(1, p.remote.address, p.remote.port)).toBe(p);
        }
      }),
    );
  });

  it('with no protected pairs, keeps exactly the top `limit` pairs of distinct paths', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.uniqueArray(fc.bigInt({ min: 0n, max: 2n ** 63n }), { maxLength: 40 }),
        (limit, priorities) => {
          const list = new Checklist(limit);
          priorities.forEach((priority, i) => {
            list.add(makePair({ port: i + 1, priority }));
          });
          const expected = [...priorities].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)).slice(0, limit);
          expect(list.pairs.map((p) => p.priority)).toEqual(expected);
        },
      ),
    );
  });
});
