import {
  asyncScheduler,
  type MonoTypeOperatorFunction,
  Observable,
  type SchedulerLike,
  Subscription,
  switchMap,
  TimeoutError,
} from 'rxjs';
import {
  DEFAULT_RETRANSMISSION,
  initialRto,
  type RetransmissionPolicy,
  retransmissionSchedule,
} from '../lib/core/retransmission.js';
import { InvalidArgumentError } from '../lib/errors.js';

/** Default Ta of the agent, whose single-pair initial RTO is the default RTO here. */
const DEFAULT_TA = 50;

/**
 * Options of {@link retransmit} and {@link retransmitUntil}: the agent's
 * `RetransmissionPolicy` fields (defaults from `DEFAULT_RETRANSMISSION`: 6
 * retransmissions, RTO capped at 1600 ms) and the initial RTO.
 */
export interface RetransmitOptions extends Partial<RetransmissionPolicy> {
  /**
   * First RTO, ms; default 500, which is RFC 8445 §14.3's
   * `max(500, Ta × active pairs)` for one pair (`initialRto(50, 1)`).
   */
  readonly rto?: number;
}

/**
 * The offsets (ms after a value arrives) of each transmission, then of the
 * give-up: the agent's own schedule (`retransmissionSchedule`, whose RTO
 * doubling is `nextRto`). With the defaults: 0, 500, 1500, 3100, 4700, 6300,
 * 7900, and 9500 to give up.
 * @throws InvalidArgumentError for a negative or non-integer `retransmissions`,
 *   or a non-positive `rto` or `maxRto`
 */
export function retransmitOffsets(options: RetransmitOptions = {}): readonly number[] {
  const retransmissions = options.retransmissions ?? DEFAULT_RETRANSMISSION.retransmissions;
  const maxRto = options.maxRto ?? DEFAULT_RETRANSMISSION.maxRto;
  const rto = options.rto ?? initialRto(DEFAULT_TA, 1);
  if (!Number.isInteger(retransmissions) || retransmissions < 0 || retransmissions > 100) {
    throw new InvalidArgumentError(
      `retransmissions must be an integer 0-100, got ${String(retransmissions)}`,
    );
  }
  for (const [name, value] of [
    ['rto', rto],
    ['maxRto', maxRto],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidArgumentError(`${name} must be a finite number > 0, got ${String(value)}`);
    }
  }
  return retransmissionSchedule(rto, { retransmissions, maxRto });
}

/** Emits `value` at each offset but the last; at the last, completes or errors (give-up). */
function transmissions<T>(
  value: T,
  offsets: readonly number[],
  scheduler: SchedulerLike,
  giveUp: 'complete' | 'error',
): Observable<T> {
  return new Observable<T>((subscriber) => {
    const timers = new Subscription();
    const last = offsets.length - 1;
    offsets.forEach((offset, index) => {
      timers.add(
        scheduler.schedule(() => {
          if (index < last) subscriber.next(value);
          else if (giveUp === 'complete') subscriber.complete();
          else subscriber.error(new TimeoutError({ seen: last, lastValue: value, meta: undefined }));
        }, offset),
      );
    });
    return timers;
  });
}

/**
 * Re-emits each value on the ICE/STUN retransmission schedule (RFC 8445
 * §14.3, RFC 8489 §6.2.1): at once, then after an RTO that doubles up to
 * `maxRto`, `retransmissions` times — the schedule the agent retransmits its
 * own checks on, computed by the same functions (`initialRto`, `nextRto`,
 * `retransmissionSchedule`; see {@link retransmitOffsets}). A new source value
 * supersedes the previous one's remaining transmissions, as a new transaction
 * would. Each value's schedule ends (give-up) one last RTO after its last
 * transmission; the output completes once the source has completed and the
 * current schedule has ended. Stop early with `takeUntil(answer$)`, or use
 * {@link retransmitUntil}, which also errors on give-up.
 *
 * ```
 * source:                                      (a|)
 * retransmit({ rto: 2, retransmissions: 3 })   a-a---a-------a---------------|
 * (offsets 0, 2, 6, 14; the schedule ends at 30, one doubled RTO later)
 * ```
 *
 * @example
 * ```ts
 * import { retransmit } from 'rx-ice/operators';
 *
 * // Over UDP, send a signaling hello until the first answer comes back.
 * of(hello).pipe(retransmit(), takeUntil(answer$)).subscribe((m) => socket.send(m, port, host));
 * ```
 *
 * @param options the schedule: `retransmissions`, `maxRto`, initial `rto`
 * @param scheduler times the transmissions; default `asyncScheduler`
 * @throws InvalidArgumentError for an invalid schedule (see {@link retransmitOffsets})
 */
export function retransmit<T>(
  options: RetransmitOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  const offsets = retransmitOffsets(options);
  return switchMap((value) => transmissions(value, offsets, scheduler, 'complete'));
}

/**
 * {@link retransmit} until `answer$` emits, which completes the output (like
 * `takeUntil`); if a value's schedule runs out first, the output errors with
 * RxJS's `TimeoutError` (its `info.seen` is the number of transmissions,
 * `info.lastValue` the value) — exactly when the agent would declare a check
 * failed.
 *
 * ```
 * source:                                               a---------
 * answer$:                                              ----x-----
 * retransmitUntil(answer$, { rto: 2, retransmissions: 3 }) a-a-|
 *
 * answer$:                                              ----------
 * retransmitUntil(answer$, { rto: 2, retransmissions: 3 }) a-a---a-------a---------------#   (# at 30)
 * ```
 *
 * @example
 * ```ts
 * import { retransmitUntil } from 'rx-ice/operators';
 *
 * of(request)
 *   .pipe(retransmitUntil(responses$.pipe(filter((r) => r.id === request.id))))
 *   .subscribe({ next: (r) => socket.send(r.bytes, port, host), error: () => console.log('no answer in 9.5 s') });
 * ```
 *
 * @param answer$ its first emission stops the retransmissions and completes the output
 * @param options the schedule (see {@link RetransmitOptions})
 * @param scheduler times the transmissions; default `asyncScheduler`
 * @throws InvalidArgumentError for an invalid schedule (see {@link retransmitOffsets})
 */
export function retransmitUntil<T>(
  answer$: Observable<unknown>,
  options: RetransmitOptions = {},
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  const offsets = retransmitOffsets(options);
  return (source) =>
    new Observable<T>((subscriber) => {
      const subscription = answer$.subscribe({
        next: () => subscriber.complete(),
        error: (error) => subscriber.error(error),
      });
      if (!subscriber.closed) {
        subscription.add(
          source
            .pipe(switchMap((value) => transmissions(value, offsets, scheduler, 'error')))
            .subscribe(subscriber),
        );
      }
      return subscription;
    });
}
