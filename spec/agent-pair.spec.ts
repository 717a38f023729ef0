import { describe, expect, it } from 'vitest';
import { createAgentPair, expectStates } from '../lib/testing/index.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

describe('createAgentPair', () => {
  it('makes a network and two agents, and with connect: true connects them in one call', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { a, b, hostA, hostB } = createAgentPair(ts, { connect: true, latency: 10 });
      expect([hostA.addresses, hostB.addresses]).toEqual([['10.0.0.1'], ['10.0.0.2']]);
      expectStates({ expectObservable }, a.connectionState$, '(nk) 66ms (cC)', { subscription: '^ 100ms !' });
      expectStates({ expectObservable }, b.connectionState$, '(nk) 56ms (cC)', { subscription: '^ 100ms !' });
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 1000);
    });
  });

  it('leaves the agents unwired without connect', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { a, b } = createAgentPair(ts, { a: { role: 'controlled' } });
      expect(a.getStats()).toMatchObject({ role: 'controlled', gatheringState: 'new' });
      expect(b.getStats().gatheringState).toBe('new');
      a.stop();
      b.stop();
    });
  });
});
