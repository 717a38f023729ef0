import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../lib/index.js';
import { candidateProtocol } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const values = {
  u: candidate('10.0.0.1', 5000),
  t: candidate('10.0.0.1', 9, 'host', { transport: 'tcp' }),
  v: candidate('10.0.0.2', 5002),
};

describe('candidateProtocol', () => {
  it('keeps UDP or TCP candidates', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-u-t-v-|', values);
      expectObservable(source.pipe(candidateProtocol('udp'))).toBe('-u---v-|', values);
      expectObservable(source.pipe(candidateProtocol('tcp'))).toBe('---t---|', values);
    });
  });

  it('rejects anything else at creation', () => {
    // @ts-expect-error not a protocol
    expect(() => candidateProtocol('UDP')).toThrow(InvalidArgumentError);
  });
});
