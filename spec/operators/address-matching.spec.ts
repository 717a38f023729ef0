import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/index.js';
import { addressMatching } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const values = {
  a: candidate('10.0.0.1', 5000),
  b: candidate('10.1.0.1', 5001),
  c: candidate('10.0.0.2', 443),
};

describe('addressMatching', () => {
  it('keeps candidates whose address satisfies the predicate', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-|', values);
      expectObservable(source.pipe(addressMatching((ip) => ip.startsWith('10.0.')))).toBe('-a---c-|', values);
    });
  });

  it('passes the whole candidate as the second argument', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-|', values);
      expectObservable(source.pipe(addressMatching((_, c) => c.port === 443))).toBe('-----c-|', values);
    });
  });

  it('errors the stream when the predicate throws', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const boom = new Error('boom');
      const predicate = (): boolean => {
        throw boom;
      };
      expectObservable(cold('-a-|', values).pipe(addressMatching(predicate))).toBe('-#', undefined, boom);
    });
  });

  it('rejects a non-function', () => {
    // @ts-expect-error not a function
    expect(() => addressMatching('10.0.0.1')).toThrow(InvalidArgumentError);
  });
});
