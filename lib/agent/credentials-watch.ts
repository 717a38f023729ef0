/**
 * The `remote-credentials-missing` warning: one timer on the scheduler from
 * `gatherCandidates()` (or `restart()`) until remote credentials arrive. A
 * warning, never a failure.
 *
 * The timer runs whether or not `trace$` has a subscriber, so that tracing
 * changes nothing the agent schedules: a recording made without a trace
 * replays with one (the timeline does that) timer for timer. A subscriber
 * that comes after the timer fired gets the warning at once.
 * @internal
 * @module
 */
import type { Subscription } from 'rxjs';
import { type AgentContext, nowOf } from './context.js';

/** Watches one agent for remote credentials that do not come. */
export class RemoteCredentialsWatch {
  /** When the wait began (gathering started or a restart), until credentials come or the warning is given. */
  private since: number | undefined;
  /** Pending while the wait is on and not yet due; once it fired, a wait still on is overdue. */
  private timer: Subscription | undefined;

  /**
   * @param context the agent's shared state (options, tracer, scheduler).
   * @param hasCredentials whether the current session has remote credentials.
   */
  constructor(
    private readonly context: AgentContext,
    private readonly hasCredentials: () => boolean,
  ) {}

  /** Our credentials are out (gathering started, or a restart): the wait begins, unless they are known. */
  start(): void {
    this.disarm();
    this.since = this.hasCredentials() ? undefined : nowOf(this.context);
    if (this.since === undefined) return;
    const { scheduler, remoteCredentialsWarningAfter } = this.context.options;
    this.timer = scheduler.schedule(() => this.fire(), remoteCredentialsWarningAfter);
  }

  /** Remote credentials arrived: nothing to warn about. */
  arrived(): void {
    this.disarm();
  }

  /** `trace$` got its first subscriber: a warning that is due (the timer fired with nobody listening) is given now. */
  listening(): void {
    if (this.since !== undefined && this.timer === undefined) this.warn();
  }

  /** Ends the wait (credentials came, or the agent stopped). */
  disarm(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.since = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    if (this.context.tracer.active) this.warn();
  }

  private warn(): void {
    const since = this.since;
    if (since === undefined || this.context.stopped || this.hasCredentials()) return;
    this.since = undefined; // once per wait
    const waited = nowOf(this.context) - since;
    this.context.tracer.emit({ type: 'remote-credentials-missing', waited }, this.context.generation);
  }
}
