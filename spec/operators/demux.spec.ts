import { map, mergeMap, toArray } from 'rxjs';
import { describe, it } from 'vitest';
import { demux } from '../../operators/index.js';
import { datagram, testScheduler } from './fixtures.js';

const values = { d: datagram(22), D: datagram(23), r: datagram(128), s: datagram(0), o: datagram(90) };

describe('demux', () => {
  it('opens one group per kind, when its first datagram arrives', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const groups$ = cold('-d-r-D-s-o-|', values).pipe(
        demux(),
        map((group) => group.key),
      );
      expectObservable(groups$).toBe('-d-r---s-o-|', { d: 'dtls', r: 'rtp', s: 'stun', o: 'other' });
    });
  });

  it('routes each datagram to its group', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const perGroup$ = cold('-d-r-D-|', values).pipe(
        demux(),
        mergeMap((group) =>
          group.pipe(
            toArray(),
            map((all) => [group.key, all] as const),
          ),
        ),
      );
      expectObservable(perGroup$).toBe('-------(xy|)', {
        x: ['dtls', [values.d, values.D]],
        y: ['rtp', [values.r]],
      });
    });
  });
});
