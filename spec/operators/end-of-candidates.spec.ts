import { describe, expect, it } from 'vitest';
import { END_OF_CANDIDATES, endOfCandidates, isEndOfCandidates } from '../../operators/index.js';
import { testScheduler } from './fixtures.js';

describe('endOfCandidates', () => {
  it('appends a=end-of-candidates when the source completes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const values = { a: 'a=candidate:a', b: 'a=candidate:b', e: 'a=end-of-candidates' };
      expectObservable(cold('-a-b-|', values).pipe(endOfCandidates())).toBe('-a-b-(e|)', values);
    });
  });

  it('appends nothing when the source errors or never completes', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', { a: 'x' }).pipe(endOfCandidates())).toBe('-a-#', { a: 'x' });
      expectObservable(cold('-a--', { a: 'x' }).pipe(endOfCandidates())).toBe('-a--', { a: 'x' });
    });
  });

  it('recognises the line', () => {
    expect(END_OF_CANDIDATES).toBe('a=end-of-candidates');
    expect(isEndOfCandidates(' a=end-of-candidates\r')).toBe(true);
    expect(isEndOfCandidates('end-of-candidates')).toBe(true);
    expect(isEndOfCandidates('a=candidate:1 1 udp 1 1.2.3.4 1 typ host')).toBe(false);
  });
});
