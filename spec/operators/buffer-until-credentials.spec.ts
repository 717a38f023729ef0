import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, LimitExceededError } from '../../lib/index.js';
import { bufferUntilCredentials } from '../../operators/index.js';
import { testScheduler } from './fixtures.js';

const k = { ufrag: 'abcd', pwd: 'abcdefghijklmnopqrstuv' };

describe('bufferUntilCredentials', () => {
  it('holds values until credentials arrive, then flushes them in order and passes the rest', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const credentials$ = hot('-----k------', { k });
      expectObservable(cold('-a-b-----c-|').pipe(bufferUntilCredentials(credentials$))).toBe('-----(ab)c-|');
    });
  });

  it('passes values straight through when credentials are already there', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const credentials$ = cold('k', { k });
      expectObservable(cold('-a-b-|').pipe(bufferUntilCredentials(credentials$))).toBe('-a-b-|');
    });
  });

  it('completes after the flush when the source completed first', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      expectObservable(cold('-a-|').pipe(bufferUntilCredentials(hot('-----k', { k })))).toBe('-----(a|)');
    });
  });

  it('discards the buffer and completes when credentials$ completes empty', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b---').pipe(bufferUntilCredentials(cold('----|')))).toBe('----|');
    });
  });

  it('is bounded: errors, drops the newest or the oldest on overflow', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const credentials$ = hot('--------k', { k });
      const source = cold('-a-b-c------d-|');
      expectObservable(source.pipe(bufferUntilCredentials(credentials$, { limit: 2 }))).toBe(
        '-----#',
        undefined,
        new LimitExceededError('bufferUntilCredentials: more than 2 values before credentials'),
      );
      expectObservable(
        source.pipe(bufferUntilCredentials(credentials$, { limit: 2, overflow: 'drop-newest' })),
      ).toBe('--------(ab)d-|');
      expectObservable(
        source.pipe(bufferUntilCredentials(credentials$, { limit: 2, overflow: 'drop-oldest' })),
      ).toBe('--------(bc)d-|');
    });
  });

  it('passes errors of either input', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      expectObservable(cold('-a-#').pipe(bufferUntilCredentials(hot('------k', { k })))).toBe('---#');
      expectObservable(cold('-a---').pipe(bufferUntilCredentials(cold('--#')))).toBe('--#');
    });
  });

  it('rejects a bad limit or overflow policy', () => {
    expect(() => bufferUntilCredentials([], { limit: 0 })).toThrow(InvalidArgumentError);
    // @ts-expect-error unknown policy
    expect(() => bufferUntilCredentials([], { overflow: 'grow' })).toThrow(InvalidArgumentError);
  });
});
