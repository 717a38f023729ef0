/**
 * The marble helpers of `rx-ice/testing`: the standard state letters and the
 * assertions built on them, used on real agents in virtual time.
 */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../lib/index.js';
import {
  CONNECTION_STATE_MARBLES,
  connectAgents,
  expectGatheringStates,
  expectStates,
  GATHERING_STATE_MARBLES,
  stateLetters,
} from '../lib/testing/index.js';
import { newTestScheduler, virtualPair } from './helpers/virtual-pair.js';

describe('rx-ice/testing marbles', () => {
  it('has one letter per connection state and per gathering state', () => {
    expect(CONNECTION_STATE_MARBLES).toEqual({
      n: 'new',
      k: 'checking',
      c: 'connected',
      C: 'completed',
      d: 'disconnected',
      f: 'failed',
      x: 'closed',
    });
    expect(GATHERING_STATE_MARBLES).toEqual({ n: 'new', g: 'gathering', c: 'complete' });
    expect(Object.isFrozen(CONNECTION_STATE_MARBLES)).toBe(true);
  });

  it('expectStates pins a session’s state sequence with the standard letters', () => {
    const ts = newTestScheduler();
    ts.run((helpers) => {
      const { a, b } = virtualPair(ts, { latency: 10 });
      connectAgents(a, b, { scheduler: ts });
      expectStates(helpers, a.connectionState$, '(nk) 66ms (cC) 926ms (x|)');
      expectStates(helpers, b.connectionState$, '(nk) 56ms (cC)', { subscription: '^ 100ms !' });
      ts.schedule(() => {
        a.stop();
        b.stop();
      }, 1000);
    });
  });

  it('expectStates fails on a wrong diagram', () => {
    const ts = newTestScheduler();
    expect(() =>
      ts.run((helpers) => {
        const { a, b } = virtualPair(ts, { latency: 10 });
        connectAgents(a, b, { scheduler: ts });
        expectStates(helpers, a.connectionState$, '(nk) 10ms (cC)', { subscription: '^ 100ms !' });
        ts.schedule(() => {
          a.stop();
          b.stop();
        }, 1000);
      }),
    ).toThrow();
  });

  it('expectGatheringStates uses the gathering letters', () => {
    const ts = newTestScheduler();
    ts.run((helpers) => {
      const { a } = virtualPair(ts);
      expectGatheringStates(helpers, a.gatheringState$, 'n 9ms (gc)', '^ 50ms !');
      ts.schedule(() => a.gatherCandidates(), 10);
    });
  });

  it('expectStates takes any letters for any stream', () => {
    const ts = newTestScheduler();
    ts.run((helpers) => {
      const { a } = virtualPair(ts);
      expectStates(helpers, a.role$, 'g', { values: { g: 'controlling' }, subscription: '^ 10ms !' });
    });
  });

  it('stateLetters turns a state list into marble letters', () => {
    expect(
      stateLetters(['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed']),
    ).toBe('nkcCdfx');
    // @ts-expect-error not a state
    expect(() => stateLetters(['online'])).toThrow(InvalidArgumentError);
  });
});
