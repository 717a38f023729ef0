/**
 * How a simultaneous-open ICE-TCP candidate (RFC 6544 §4.5, §7.1) opens a
 * pair's connection: both agents connect from their `so` port to the other's
 * `so` port, and the connection exists once the two SYNs cross (TCP
 * simultaneous open, RFC 9293 §3.5). An attempt that reaches the peer before
 * it connects is refused (RST); it is tried again after a paced, jittered
 * pause, so the two sides' attempts drift until they overlap, for a bounded
 * number of attempts (about as long as the pair's check retransmits). Behind
 * a NAT or firewall that drops unsolicited SYNs the first attempt just waits
 * until the peer's SYN crosses it.
 * @module
 */
import { defer, type Observable, retry, type SchedulerLike, timer } from 'rxjs';
import type { TcpConnection } from './types.js';

/** Pacing of a simultaneous-open candidate's connect attempts. */
export interface SimultaneousOpenPacing {
  /** The scheduler the pauses run on (the agent's). */
  readonly scheduler: SchedulerLike;
  /** Uniform random numbers in [0, 1) for the jitter (the agent's `random`). */
  readonly random: () => number;
  /** Mean pause after a refused attempt, ms (default {@link SO_RETRY_INTERVAL}). */
  readonly interval?: number;
  /** Attempts per connection, the first one included (default {@link SO_MAX_ATTEMPTS}). */
  readonly maxAttempts?: number;
}

/** Default {@link SimultaneousOpenPacing.interval}: 100 ms, drawn uniformly from 50–150 ms. */
export const SO_RETRY_INTERVAL = 100;
/**
 * Default {@link SimultaneousOpenPacing.maxAttempts}: 100, i.e. about 10 s of
 * attempts (plus round trips), the length of a check's retransmission schedule.
 */
export const SO_MAX_ATTEMPTS = 100;

/**
 * Connects to `remoteAddress:remotePort` with `connect` (bound to the
 * candidate's port), trying again after a refusal as {@link SimultaneousOpenPacing}
 * says; `retried` is called before each further attempt. Errors with the last
 * attempt's error once the attempts are spent. Unsubscribing stops it.
 */
export function connectSimultaneously(
  connect: () => Observable<TcpConnection>,
  pacing: SimultaneousOpenPacing,
  retried: () => void,
): Observable<TcpConnection> {
  const interval = pacing.interval ?? SO_RETRY_INTERVAL;
  const attempts = pacing.maxAttempts ?? SO_MAX_ATTEMPTS;
  return defer(connect).pipe(
    retry({
      count: Math.max(0, attempts - 1),
      delay: () => {
        retried();
        return timer(interval * (0.5 + pacing.random()), pacing.scheduler);
      },
    }),
  );
}
