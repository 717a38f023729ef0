import {
  asyncScheduler,
  from,
  type MonoTypeOperatorFunction,
  Observable,
  type ObservableInput,
  type SchedulerLike,
} from 'rxjs';
import type { GatheringState } from '../lib/agent.js';
import { InvalidArgumentError } from '../lib/errors.js';

/**
 * Completes a candidate stream when gathering is over: when `gatheringState$`
 * says `'complete'`, or `ms` after subscription, whichever comes first (the
 * source completing completes it too). `agent.candidates$` never completes
 * before `stop()`, so this is how to collect "the candidates of this
 * gathering" for a non-trickle offer, or to stop waiting for a slow STUN/TURN
 * server. Subscribes to the source first, so candidates the agent replays
 * come out before a `'complete'` state already reached.
 *
 * ```
 * candidates$:                                  -a-b-------c-
 * gatheringState$:                              g-----c------
 * withGatheringTimeout(100, gatheringState$)    -a-b--|
 * withGatheringTimeout(4)                       -a-b|
 * ```
 *
 * @example
 * ```ts
 * import { toArray, lastValueFrom } from 'rxjs';
 * import { withGatheringTimeout } from 'rx-ice/operators';
 *
 * agent.gatherCandidates();
 * // Everything gathered within 3 s, for an SDP offer without trickle.
 * const candidates = await lastValueFrom(
 *   agent.candidates$.pipe(withGatheringTimeout(3000, agent.gatheringState$), toArray()),
 * );
 * ```
 *
 * @param ms the longest wait, ms (finite, ≥ 0)
 * @param gatheringState$ the agent's `gatheringState$`; without it only the timeout ends the stream
 * @param scheduler times the timeout; default `asyncScheduler`
 * @throws InvalidArgumentError when `ms` is negative or not finite
 */
export function withGatheringTimeout<T>(
  ms: number,
  gatheringState$?: ObservableInput<GatheringState>,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidArgumentError(
      `withGatheringTimeout: ms must be a finite number >= 0, got ${String(ms)}`,
    );
  }
  return (source) =>
    new Observable<T>((subscriber) => {
      subscriber.add(source.subscribe(subscriber));
      if (subscriber.closed) return;
      subscriber.add(scheduler.schedule(() => subscriber.complete(), ms));
      if (gatheringState$ !== undefined) {
        subscriber.add(
          from(gatheringState$).subscribe({
            next: (state) => {
              if (state === 'complete') subscriber.complete();
            },
            error: (error) => subscriber.error(error),
          }),
        );
      }
    });
}
