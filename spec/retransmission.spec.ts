import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRANSMISSION,
  initialRto,
  nextRto,
  retransmissionSchedule,
} from '../lib/core/retransmission.js';

describe('initialRto', () => {
  it.each([
    // [ta, active pairs, expected]: max(500, ta × n)
    [50, 0, 500],
    [50, 1, 500],
    [50, 10, 500],
    [50, 11, 550],
    [50, 100, 5000],
    [20, 25, 500],
    [20, 26, 520],
    [5, 1000, 5000],
    [1000, 1, 1000],
    [499, 1, 500],
    [501, 1, 501],
  ])('initialRto(%i, %i) = %i', (ta, active, expected) => {
    expect(initialRto(ta, active)).toBe(expected);
  });
});

describe('nextRto', () => {
  it('doubles up to the cap, and never shrinks an RTO already above the cap', () => {
    const policy = { retransmissions: 6, maxRto: 1600 };
    expect(nextRto(500, policy)).toBe(1000);
    expect(nextRto(700, policy)).toBe(1400);
    expect(nextRto(1000, policy)).toBe(1600);
    expect(nextRto(1600, policy)).toBe(1600);
    expect(nextRto(5000, policy)).toBe(5000);
  });
});

describe('retransmissionSchedule', () => {
  it('with the defaults and a 500 ms RTO: 7 transmissions, then failure at 9.5 s', () => {
    expect(DEFAULT_RETRANSMISSION).toEqual({ retransmissions: 6, maxRto: 1600 });
    expect(retransmissionSchedule(500, DEFAULT_RETRANSMISSION)).toEqual([
      0, 500, 1500, 3100, 4700, 6300, 7900, 9500,
    ]);
  });

  it('keeps a long initial RTO (busy checklist) constant instead of capping it down', () => {
    expect(retransmissionSchedule(5000, { retransmissions: 2, maxRto: 1600 })).toEqual([
      0, 5000, 10000, 15000,
    ]);
  });

  it('with no retransmissions: one transmission, failure one RTO later', () => {
    expect(retransmissionSchedule(800, { retransmissions: 0, maxRto: 1600 })).toEqual([0, 800]);
  });

  it('is increasing with bounded, doubling-or-capped gaps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 100, max: 60_000 }),
        (rto, retransmissions, maxRto) => {
          const schedule = retransmissionSchedule(rto, { retransmissions, maxRto });
          expect(schedule).toHaveLength(retransmissions + 2);
          expect(schedule[0]).toBe(0);
          const cap = Math.max(maxRto, rto);
          const gaps = schedule.slice(1).map((at, i) => at - (schedule[i] as number));
          expect(gaps[0]).toBe(rto);
          for (let i = 0; i < gaps.length; i++) {
            const gap = gaps[i] as number;
            expect(gap).toBeGreaterThan(0); // strictly increasing offsets
            expect(gap).toBeLessThanOrEqual(cap);
            if (i > 0) {
              const prev = gaps[i - 1] as number;
              expect(gap).toBeGreaterThanOrEqual(prev);
              // each gap doubles the previous one or sits at the cap
              expect(gap === 2 * prev || gap === cap).toBe(true);
            }
          }
        },
      ),
    );
  });
});
