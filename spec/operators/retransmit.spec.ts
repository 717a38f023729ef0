import { TimeoutError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRANSMISSION, InvalidArgumentError, retransmissionSchedule } from '../../lib/index.js';
import { retransmit, retransmitOffsets, retransmitUntil } from '../../operators/index.js';
import { testScheduler } from './fixtures.js';

describe('retransmit', () => {
  it('re-emits on the agent’s schedule: 0, 500, 1500, 3100, 4700, 6300, 7900 ms, then gives up at 9500', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('(a|)').pipe(retransmit())).toBe(
        'a 499ms a 999ms a 1599ms a 1599ms a 1599ms a 1599ms a 1599ms |',
      );
    });
  });

  it('follows a custom policy (RTO doubling, capped at maxRto)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // rto 2, 4 retransmissions, cap 5: 0, 2, 6, 11, 16; give up at 21.
      expectObservable(cold('(a|)').pipe(retransmit({ rto: 2, retransmissions: 4, maxRto: 5 }))).toBe(
        'a-a---a----a----a----|',
      );
    });
  });

  it('ends each schedule one doubled RTO after the last transmission (the TSDoc diagram)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('(a|)').pipe(retransmit({ rto: 2, retransmissions: 3 }))).toBe(
        'a-a---a-------a---------------|',
      );
    });
  });

  it('lets a new value supersede the previous one’s retransmissions', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a--b|').pipe(retransmit({ rto: 2, retransmissions: 2 }))).toBe(
        'a-ab-b---b-------|',
      );
    });
  });

  it('stops with takeUntil-style unsubscription', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('a').pipe(retransmit({ rto: 2, retransmissions: 3 })), '^----!').toBe('a-a--');
    });
  });

  it('computes its offsets with the same retransmissionSchedule as the agent', () => {
    expect(retransmitOffsets()).toEqual([0, 500, 1500, 3100, 4700, 6300, 7900, 9500]);
    expect(retransmitOffsets()).toEqual(retransmissionSchedule(500, DEFAULT_RETRANSMISSION));
    expect(retransmitOffsets({ rto: 1000, maxRto: 3000, retransmissions: 2 })).toEqual([0, 1000, 3000, 6000]);
  });

  it('rejects a bad schedule', () => {
    expect(() => retransmit({ retransmissions: -1 })).toThrow(InvalidArgumentError);
    expect(() => retransmit({ rto: 0 })).toThrow(InvalidArgumentError);
    expect(() => retransmitUntil(cold(), { maxRto: Number.POSITIVE_INFINITY })).toThrow(InvalidArgumentError);
  });
});

/** A TimeoutError with this info (its `stack` differs, so match the rest). */
function timeoutError(seen: number, lastValue: unknown): unknown {
  return expect.objectContaining({ name: 'TimeoutError', info: { seen, lastValue, meta: undefined } });
}

it('reports give-ups as an RxJS TimeoutError instance', () => {
  const errors: unknown[] = [];
  testScheduler().run(({ cold }) => {
    cold('a')
      .pipe(retransmitUntil(cold('-'), { rto: 1, retransmissions: 0 }))
      .subscribe({ error: (e) => errors.push(e) });
  });
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(TimeoutError);
});

function cold() {
  return testScheduler().createColdObservable('-');
}

describe('retransmitUntil', () => {
  it('completes as soon as the answer comes', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const answer$ = hot('----x');
      expectObservable(cold('a').pipe(retransmitUntil(answer$, { rto: 2, retransmissions: 3 }))).toBe(
        'a-a-|',
      );
    });
  });

  it('errors with TimeoutError when the schedule runs out unanswered', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const answer$ = hot('-');
      // 0, 2, 6, 14; the give-up comes one doubled RTO (16) after the last transmission, at 30.
      expectObservable(cold('a').pipe(retransmitUntil(answer$, { rto: 2, retransmissions: 3 }))).toBe(
        'a-a---a-------a---------------#',
        undefined,
        timeoutError(4, 'a'),
      );
    });
  });

  it('fails a dead path at 9500 ms with the defaults, like the agent fails a check', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      expectObservable(cold('a').pipe(retransmitUntil(hot('-'))), '^ 9500ms !').toBe(
        'a 499ms a 999ms a 1599ms a 1599ms a 1599ms a 1599ms a 1599ms #',
        undefined,
        timeoutError(7, 'a'),
      );
    });
  });

  it('passes errors of the answer stream', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      expectObservable(cold('a').pipe(retransmitUntil(hot('---#'), { rto: 2 }))).toBe('a-a#');
    });
  });
});
