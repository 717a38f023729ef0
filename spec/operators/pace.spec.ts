import fc from 'fast-check';
import { map, mergeMap, of, delay as rxDelay, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { nextPacedSlot } from '../../lib/core/pacing.js';
import { InvalidArgumentError } from '../../lib/index.js';
import { pace } from '../../operators/index.js';
import { testScheduler } from './fixtures.js';

describe('pace', () => {
  it('spaces values at least `interval` apart, in order, without dropping any', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-abc-------d----|').pipe(pace(3))).toBe('-a--b--c---d----|');
    });
  });

  it('completes only once the queue is drained', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-abc|').pipe(pace(3))).toBe('-a--b--(c|)');
    });
  });

  it('passes errors at once, dropping what is queued', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-abc-#').pipe(pace(3))).toBe('-a--b#');
    });
  });

  it('paces at Ta = 50 ms like the agent paces new checks', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('(abc)').pipe(pace(50))).toBe('a 49ms b 49ms c');
    });
  });

  it('with interval 0 is the identity', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-(ab)-c|').pipe(pace(0))).toBe('-(ab)-c|');
    });
  });

  it('stops its timers on unsubscribe', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-abc|').pipe(pace(3)), '^----!').toBe('-a--b');
    });
  });

  it('emits each value at the slot nextPacedSlot gives: one pacing rule for the agent and the operator', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 60 }),
        (gaps, interval) => {
          const arrivals: number[] = [];
          for (const gap of gaps) arrivals.push((arrivals.at(-1) ?? 0) + gap);
          const expected: number[] = [];
          let lastAt: number | undefined;
          for (const arrival of arrivals) {
            lastAt = nextPacedSlot(lastAt, arrival, interval); // when the queue is empty at `arrival`, or when it reaches the head
            expected.push(lastAt);
          }
          const ts = testScheduler();
          ts.run(({ expectObservable }) => {
            const source = of(...arrivals).pipe(mergeMap((at) => of(at).pipe(rxDelay(at))));
            const times = source.pipe(
              pace(interval),
              map(() => ts.now()),
              toArray(),
            );
            expectObservable(times).toBe(`${expected.at(-1) ?? 0}ms (t|)`, { t: expected });
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects a negative or non-finite interval', () => {
    expect(() => pace(-1)).toThrow(InvalidArgumentError);
    expect(() => pace(Number.NaN)).toThrow(InvalidArgumentError);
  });
});
