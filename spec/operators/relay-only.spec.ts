import { describe, it } from 'vitest';
import { relayOnly } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const values = {
  h: candidate('10.0.0.1', 5000, 'host'),
  s: candidate('8.8.8.8', 6000, 'srflx'),
  r: candidate('9.9.9.9', 7000, 'relay'),
  R: candidate('9.9.9.9', 7001, 'relay'),
};

describe('relayOnly', () => {
  it('keeps only relayed candidates', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-h-s-r-R-|', values).pipe(relayOnly())).toBe('-----r-R-|', values);
    });
  });

  it('completes empty when nothing is relayed', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-h-s-|', values).pipe(relayOnly())).toBe('-----|');
    });
  });
});
