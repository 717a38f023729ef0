/**
 * One scheduler action per expiring thing (NAT mapping, TURN allocation,
 * permission, channel), re-armed lazily: refreshing only moves a deadline,
 * and the action, when it fires early, sleeps again until the new one.
 */
import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/**
 * Calls `onExpire` once, when the scheduler's clock reaches `deadline()`.
 * `deadline` is read again each time the action fires, so pushing it later
 * costs nothing. Unsubscribe to cancel.
 */
export function scheduleExpiry(
  scheduler: SchedulerLike,
  deadline: () => number,
  onExpire: () => void,
): Subscription {
  return scheduler.schedule(
    function (this: SchedulerAction<undefined>) {
      const remaining = deadline() - scheduler.now();
      if (remaining > 0) this.schedule(undefined, remaining);
      else onExpire();
    },
    Math.max(0, deadline() - scheduler.now()),
  );
}
