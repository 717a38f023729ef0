import {
  asyncScheduler,
  type MonoTypeOperatorFunction,
  Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { nextPacedSlot } from '../lib/core/pacing.js';
import { InvalidArgumentError } from '../lib/errors.js';

/**
 * Spaces values at least `interval` ms apart, in order, without dropping any:
 * a value arriving when the last emission is older than `interval` goes at
 * once; otherwise it waits for its slot. This is RFC 8445 §14.2's pacing
 * rule (one new check per Ta), and the slot is computed by the very function
 * the agent paces its connectivity checks with (`nextPacedSlot`), so the two
 * cannot drift apart. Errors pass at once; completion waits for the queue.
 * Every value is held until its slot, so the queue grows when the source
 * outpaces `interval` for long.
 *
 * ```
 * source:     -abc-------d----|
 * pace(3)     -a--b--c---d----|
 * ```
 *
 * @example
 * ```ts
 * import { pace } from 'rx-ice/operators';
 *
 * // Send keepalives to many peers without bursting: one per 50 ms.
 * from(peers).pipe(pace(50)).subscribe((peer) => peer.ping());
 * ```
 *
 * @param interval minimum ms between two emissions (Ta), finite and ≥ 0
 * @param scheduler times the slots; default `asyncScheduler` (a `TestScheduler` inside `run`)
 * @throws InvalidArgumentError when `interval` is negative or not finite
 */
export function pace<T>(
  interval: number,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    throw new InvalidArgumentError(`pace: interval must be a finite number >= 0, got ${String(interval)}`);
  }
  return (source) =>
    new Observable<T>((subscriber) => {
      const queue: T[] = [];
      let lastAt: number | undefined;
      let timer: Subscription | undefined;
      let draining = false;
      let sourceDone = false;
      const drain = (): void => {
        timer = undefined;
        draining = true;
        try {
          while (queue.length > 0 && !subscriber.closed) {
            const now = scheduler.now();
            const at = nextPacedSlot(lastAt, now, interval);
            if (at > now) {
              timer = scheduler.schedule(drain, at - now);
              return;
            }
            lastAt = now;
            subscriber.next(queue.shift() as T);
          }
        } finally {
          draining = false;
        }
        if (sourceDone) subscriber.complete();
      };
      const subscription = source.subscribe({
        next: (value) => {
          queue.push(value);
          if (!draining && timer === undefined) drain();
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (!draining && timer === undefined && queue.length === 0) subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        timer?.unsubscribe();
      };
    });
}
