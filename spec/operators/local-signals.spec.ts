import type { Observable } from 'rxjs';
import { describe, it } from 'vitest';
import type { Candidate, GatheringState, IceCredentials } from '../../lib/index.js';
import { candidateType, localSignals, type SignalingAgent } from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const k1 = { ufrag: 'ufr1', pwd: 'password-number-one-xx'.replace(/-/g, 'x') };
const k2 = { ufrag: 'ufr2', pwd: 'password-number-two-xx'.replace(/-/g, 'x') };
const host = candidate('10.0.0.1', 5000);
const srflx = candidate('8.8.8.8', 6000, 'srflx');

/** Just the streams and credentials localSignals reads. */
function fakeAgent(
  candidates$: Observable<Candidate>,
  gatheringState$: Observable<GatheringState>,
  credentials: () => IceCredentials & { answers?: string | null },
): SignalingAgent {
  const unused = () => {
    throw new Error('not used by localSignals');
  };
  return {
    candidates$,
    gatheringState$,
    getLocalCredentials: credentials,
    setRemoteCredentials: unused,
    addRemoteCandidate: unused,
    endOfCandidates: unused,
    gatherCandidates: unused,
  };
}

const messages = {
  k: { type: 'credentials', ...k1 },
  K: { type: 'credentials', ...k2 },
  h: { type: 'candidate', candidate: 'candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host' },
  s: {
    type: 'candidate',
    candidate: 'candidate:1 1 udp 2130706431 8.8.8.8 6000 typ srflx raddr 10.0.0.1 rport 9',
  },
  e: { type: 'end-of-candidates' },
};

describe('localSignals', () => {
  it('signals what the credentials answer when the agent says it', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const agent = fakeAgent(hot('--h-', { h: host }), hot('g---', { g: 'gathering' } as const), () => ({
        ...k2,
        answers: 'peer',
      }));
      expectObservable(localSignals(agent)).toBe('a-h-', {
        a: { type: 'credentials', ...k2, answers: 'peer' },
        h: messages.h,
      });
    });
  });

  it('sends credentials first, then candidates, then end-of-candidates', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const agent = fakeAgent(
        hot('--h-s----', { h: host, s: srflx }),
        hot('n-g---c--', { n: 'new', g: 'gathering', c: 'complete' } as const),
        () => k1,
      );
      expectObservable(localSignals(agent)).toBe('k-h-s-e--', messages);
    });
  });

  it('pipes local candidates through the given operator', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const agent = fakeAgent(
        hot('--h-s----', { h: host, s: srflx }),
        hot('g-----c--', { g: 'gathering', c: 'complete' } as const),
        () => k1,
      );
      expectObservable(localSignals(agent, { candidates: candidateType('host') })).toBe(
        'k-h---e--',
        messages,
      );
    });
  });

  it('re-sends credentials when they change (ICE restart) before the next message', () => {
    const ts = testScheduler();
    ts.run(({ hot, expectObservable }) => {
      let credentials = k1;
      ts.schedule(() => {
        credentials = k2;
      }, 5);
      const agent = fakeAgent(
        hot('--h-----h--', { h: host }),
        hot('g---c-n----c', { g: 'gathering', c: 'complete', n: 'new' } as const),
        () => credentials,
      );
      expectObservable(localSignals(agent)).toBe('k-h-e-K-h--e', messages);
    });
  });

  it('completes when the agent stops (its streams complete)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const agent = fakeAgent(
        cold('-----h-|', { h: host }),
        cold('c--|', { c: 'complete' } as const),
        () => k1,
      );
      expectObservable(localSignals(agent)).toBe('(ke)-h-|', messages);
    });
  });
});
