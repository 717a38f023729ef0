import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/index.js';
import { candidateType } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const values = {
  h: candidate('10.0.0.1', 5000, 'host'),
  s: candidate('8.8.8.8', 6000, 'srflx'),
  r: candidate('9.9.9.9', 7000, 'relay'),
  p: candidate('10.0.0.7', 8000, 'prflx'),
};

describe('candidateType', () => {
  it('keeps only the given types, in order, and passes completion', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-h-s-r-p-|', values);
      expectObservable(source.pipe(candidateType('host', 'relay'))).toBe('-h---r---|', values);
      expectObservable(source.pipe(candidateType('prflx'))).toBe('-------p-|', values);
      expectObservable(source.pipe(candidateType('srflx', 'srflx'))).toBe('---s-----|', values);
    });
  });

  it('passes errors through', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-h-#', values).pipe(candidateType('relay'))).toBe('---#');
    });
  });

  it('rejects no type and unknown types at creation', () => {
    expect(() => candidateType()).toThrow(InvalidArgumentError);
    // @ts-expect-error not a candidate type
    expect(() => candidateType('stun')).toThrow(/"stun" is not one of host, srflx, prflx, relay/);
  });
});
