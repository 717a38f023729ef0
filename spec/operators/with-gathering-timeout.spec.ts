import { map, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent, InvalidArgumentError } from '../../lib/index.js';
import { VirtualNetwork } from '../../lib/testing/index.js';
import { withGatheringTimeout } from '../../operators/index.js';
import { testScheduler } from './fixtures.js';

describe('withGatheringTimeout', () => {
  it('completes when gathering completes', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const gatheringState$ = hot('g-----c------', { g: 'gathering', c: 'complete' } as const);
      expectObservable(cold('-a-b-------c-').pipe(withGatheringTimeout(100, gatheringState$))).toBe(
        '-a-b--|',
      );
    });
  });

  it('completes after the timeout when gathering drags on', () => {
    testScheduler().run(({ cold, hot, expectObservable }) => {
      const gatheringState$ = hot('g------------', { g: 'gathering' } as const);
      expectObservable(cold('-a-b-------c-').pipe(withGatheringTimeout(4, gatheringState$))).toBe('-a-b|');
      expectObservable(cold('-a-b-------c-').pipe(withGatheringTimeout(4))).toBe('-a-b|');
    });
  });

  it('completes when the source does, and passes errors', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|').pipe(withGatheringTimeout(10))).toBe('-a|');
      expectObservable(cold('-a#').pipe(withGatheringTimeout(10))).toBe('-a#');
      expectObservable(cold('-a--').pipe(withGatheringTimeout(10, cold('--#')))).toBe('-a#');
    });
  });

  it("collects an agent's candidates, replayed ones included, up to the end of gathering", () => {
    const ts = testScheduler();
    ts.run(({ expectObservable }) => {
      const net = new VirtualNetwork({ scheduler: ts });
      const host = net.createHost('a', { addresses: ['10.0.0.1', '10.0.0.2'] });
      const agent = new IceAgent({ role: 'controlling', scheduler: ts, transport: host });
      const address = (c: { address: string }) => c.address;
      const ports = { a: '10.0.0.1', b: '10.0.0.2' };
      // Subscribed before gathering: candidates as they come, then completion.
      const candidates$ = agent.candidates$.pipe(withGatheringTimeout(1000, agent.gatheringState$));
      expectObservable(candidates$.pipe(mapAddress(address))).toBe('10ms (ab|)', ports);
      // Subscribed after gathering completed: the replay, then completion at once.
      expectObservable(candidates$.pipe(mapAddress(address)), '20ms ^').toBe('20ms (ab|)', ports);
      ts.schedule(() => agent.gatherCandidates(), 10);
      ts.schedule(() => agent.stop(), 100);
    });
  });

  it('rejects a negative or non-finite timeout', () => {
    expect(() => withGatheringTimeout(-1)).toThrow(InvalidArgumentError);
    expect(() => withGatheringTimeout(Number.POSITIVE_INFINITY)).toThrow(InvalidArgumentError);
  });
});

function mapAddress<T>(f: (value: T) => string) {
  return (source: Observable<T>) => source.pipe(map(f));
}
