/**
 * Marble-diagram helpers for agent states: one letter per state, shared by
 * every test, so `'(nk) 66ms (cC)'` reads the same everywhere.
 */
import type { Observable } from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';
import type { GatheringState } from '../agent.js';
import type { ConnectionState } from '../core/session.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * The standard letters of connection states in marble diagrams:
 * `n` new, `k` checking, `c` connected, `C` completed, `d` disconnected,
 * `f` failed, `x` closed.
 */
export const CONNECTION_STATE_MARBLES = Object.freeze({
  /** `new` */
  n: 'new',
  /** `checking` */
  k: 'checking',
  /** `connected` */
  c: 'connected',
  /** `completed` */
  C: 'completed',
  /** `disconnected` */
  d: 'disconnected',
  /** `failed` */
  f: 'failed',
  /** `closed` */
  x: 'closed',
} as const satisfies Record<string, ConnectionState>);

/** The standard letters of gathering states in marble diagrams: `n` new, `g` gathering, `c` complete. */
export const GATHERING_STATE_MARBLES = Object.freeze({
  /** `new` */
  n: 'new',
  /** `gathering` */
  g: 'gathering',
  /** `complete` */
  c: 'complete',
} as const satisfies Record<string, GatheringState>);

/** What the helpers need of `TestScheduler.run`'s helpers: `expectObservable`. */
export type MarbleHelpers = Pick<RunHelpers, 'expectObservable'>;

/** Options of {@link expectStates}. */
export interface ExpectStatesOptions {
  /**
   * Subscription marbles, as for `expectObservable` (e.g. `'^ 10s !'` to
   * stop looking after 10 s); default: subscribe at frame 0, never unsubscribe.
   */
  readonly subscription?: string;
  /** Letter → value map; default {@link CONNECTION_STATE_MARBLES}. */
  readonly values?: Readonly<Record<string, unknown>>;
}

/**
 * Asserts, inside `TestScheduler.run`, that a state stream emits exactly the
 * given marble diagram, with the standard letters of
 * {@link CONNECTION_STATE_MARBLES} (or `options.values`). Like every
 * `expectObservable`, the check runs when the `run` callback returns.
 *
 * @example
 * ```ts
 * import { expectStates } from 'rx-ice/testing';
 *
 * testScheduler.run((helpers) => {
 *   // …two agents on a VirtualNetwork, connectAgents(a, b, { scheduler: testScheduler })…
 *   expectStates(helpers, a.connectionState$, '(nk) 66ms (cC)', { subscription: '^ 100ms !' });
 * });
 * ```
 *
 * @param helpers the helpers `TestScheduler.run` passes its callback
 * @param states$ e.g. `agent.connectionState$`
 * @param marbles expected emissions in marble syntax
 * @param options subscription marbles and letters
 */
export function expectStates(
  helpers: MarbleHelpers,
  states$: Observable<unknown>,
  marbles: string,
  options: ExpectStatesOptions = {},
): void {
  helpers
    .expectObservable(states$, options.subscription)
    .toBe(marbles, { ...(options.values ?? CONNECTION_STATE_MARBLES) });
}

/**
 * {@link expectStates} for `agent.gatheringState$`, with the letters of
 * {@link GATHERING_STATE_MARBLES}.
 *
 * @example
 * ```ts
 * testScheduler.run((helpers) => {
 *   expectGatheringStates(helpers, agent.gatheringState$, 'n 9ms (gc)');
 *   testScheduler.schedule(() => agent.gatherCandidates(), 10);
 * });
 * ```
 *
 * @param helpers the helpers `TestScheduler.run` passes its callback
 * @param states$ `agent.gatheringState$`
 * @param marbles expected emissions in marble syntax
 * @param subscription subscription marbles (see {@link ExpectStatesOptions.subscription})
 */
export function expectGatheringStates(
  helpers: MarbleHelpers,
  states$: Observable<GatheringState>,
  marbles: string,
  subscription?: string,
): void {
  expectStates(helpers, states$, marbles, {
    values: GATHERING_STATE_MARBLES,
    ...(subscription === undefined ? {} : { subscription }),
  });
}

const LETTERS: ReadonlyMap<string, string> = new Map(
  Object.entries(CONNECTION_STATE_MARBLES).map(([letter, state]) => [state, letter]),
);

/**
 * The marble letters of a sequence of connection states, e.g.
 * `['new', 'checking']` → `'nk'`; handy to build a diagram from a list.
 * @throws InvalidArgumentError for a value that is not a connection state
 */
export function stateLetters(states: readonly ConnectionState[]): string {
  return states
    .map((state) => {
      const letter = LETTERS.get(state);
      if (letter === undefined) throw new InvalidArgumentError(`not a connection state: ${String(state)}`);
      return letter;
    })
    .join('');
}
