import { type Observable, of, shareReplay } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Candidate, GatheringState } from '../../lib/index.js';
import {
  exchangeSignals,
  isSignalMessage,
  type SignalingAgent,
  type SignalMessage,
} from '../../operators/index.js';
import { candidate, testScheduler } from './fixtures.js';

const k = { ufrag: 'ufr1', pwd: 'passwordxnumberxonexxx' };
const host = candidate('10.0.0.1', 5000);
const srflx = candidate('8.8.8.8', 6000, 'srflx');
const messages = {
  k: { type: 'credentials', ...k },
  h: { type: 'candidate', candidate: 'candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host' },
  s: {
    type: 'candidate',
    candidate: 'candidate:1 1 udp 2130706431 8.8.8.8 6000 typ srflx raddr 10.0.0.1 rport 9',
  },
  e: { type: 'end-of-candidates' },
};
const remote: Record<string, SignalMessage> = {
  x: { type: 'credentials', ufrag: 'rmte', pwd: 'remotepasswordxxxxxxxx' },
  y: { type: 'end-of-candidates' },
};

/** An agent double whose streams replay like IceAgent's, recording what is applied to it. */
function fakeAgent(candidates$: Observable<Candidate>, gatheringState$: Observable<GatheringState>) {
  const applied: string[] = [];
  const agent: SignalingAgent = {
    candidates$: candidates$.pipe(shareReplay({ refCount: false })),
    gatheringState$: gatheringState$.pipe(shareReplay({ bufferSize: 1, refCount: false })),
    getLocalCredentials: () => k,
    setRemoteCredentials: (ufrag, _pwd, remote) => {
      applied.push(
        remote === undefined ? `credentials ${ufrag}` : `credentials ${ufrag} answers ${remote.answers}`,
      );
    },
    addRemoteCandidate: (c) => {
      applied.push(`candidate ${c}`);
    },
    endOfCandidates: () => {
      applied.push('end');
    },
    gatherCandidates: () => {
      applied.push('gather');
    },
  };
  return { agent, applied };
}

describe('exchangeSignals', () => {
  it('passes on what the peer says its credentials answer', () => {
    let applied: string[] = [];
    testScheduler().run(({ hot, cold }) => {
      const fake = fakeAgent(hot('----'), hot('g---', { g: 'gathering' } as const));
      applied = fake.applied;
      const incoming$ = cold<SignalMessage>('-a-n|', {
        a: { type: 'credentials', ufrag: 'rmt2', pwd: 'remotepasswordxxxxxxxx', answers: 'ufr1' },
        n: { type: 'credentials', ufrag: 'rmt3', pwd: 'remotepasswordxxxxxxxx', answers: null },
      });
      incoming$.pipe(exchangeSignals(fake.agent)).subscribe();
    });
    expect(applied).toEqual(['gather', 'credentials rmt2 answers ufr1', 'credentials rmt3 answers null']);
  });

  it('sends the current generation again, in full, when the peer is first heard from; only then', () => {
    let applied: string[] = [];
    testScheduler().run(({ hot, expectObservable }) => {
      const fake = fakeAgent(
        hot('--h-------s---', { h: host, s: srflx }),
        hot('g-----------c-', { g: 'gathering', c: 'complete' } as const),
      );
      const agent = fake.agent;
      applied = fake.applied;
      const incoming$ = hot<SignalMessage>('----x-------y-', remote);
      expectObservable(incoming$.pipe(exchangeSignals(agent))).toBe('k-h-(kh)--s-e-', messages);
    });
    expect(applied).toEqual(['gather', 'credentials rmte', 'end']);
  });

  it('replays end-of-candidates too when gathering completed before the peer spoke', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const { agent } = fakeAgent(
        hot('-h------', { h: host }),
        hot('g-c-----', { g: 'gathering', c: 'complete' } as const),
      );
      const incoming$ = hot<SignalMessage>('-----x--', remote);
      expectObservable(incoming$.pipe(exchangeSignals(agent, { gather: false }))).toBe(
        'khe--(khe)',
        messages,
      );
    });
  });

  it('subscribes the incoming side before anything goes out', () => {
    testScheduler().run(({ hot, expectObservable }) => {
      const { agent } = fakeAgent(hot('-'), hot('g'));
      // The peer answers during the subscription: heard before anything went out, so nothing is repeated.
      const incoming$ = of(remote.x as SignalMessage);
      expectObservable(incoming$.pipe(exchangeSignals(agent, { gather: false }))).toBe('k', messages);
    });
  });
});

describe('isSignalMessage', () => {
  it('accepts credentials with or without answers, a ufrag or null, and nothing else there', () => {
    const base = { type: 'credentials', ufrag: 'rmt2', pwd: 'remotepasswordxxxxxxxx' };
    expect(isSignalMessage(base)).toBe(true);
    expect(isSignalMessage({ ...base, answers: 'ufr1' })).toBe(true);
    expect(isSignalMessage({ ...base, answers: null })).toBe(true);
    expect(isSignalMessage({ ...base, answers: 5 })).toBe(false);
    expect(isSignalMessage({ type: 'credentials', ufrag: 'rmt2' })).toBe(false);
  });
});
