/**
 * The `remote-credentials-missing` warning: one timer on the scheduler,
 * armed only while `trace$` has a subscriber, from `gatherCandidates()` (or
 * `restart()`) until remote credentials arrive. A warning, never a failure.
 * @internal
 * @module
 */
import type { Subscription } from 'rxjs';
import { type AgentContext, nowOf } from './context.js';

/** Watches one agent for remote credentials that do not come. */
export class RemoteCredentialsWatch {
  /** When the wait began (gathering started or a restart), while credentials are missing. */
  private since: number | undefined;
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
    this.arm();
  }

  /** Remote credentials arrived: nothing to warn about. */
  arrived(): void {
    this.since = undefined;
    this.disarm();
  }

  /** Arms the timer if someone listens and the wait is on (also when `trace$` gets its first subscriber). */
  arm(): void {
    const since = this.since;
    if (since === undefined || this.timer !== undefined || !this.context.tracer.active) return;
    const { scheduler, remoteCredentialsWarningAfter } = this.context.options;
    const delay = Math.max(0, since + remoteCredentialsWarningAfter - nowOf(this.context));
    this.timer = scheduler.schedule(() => this.fire(), delay);
  }

  /** Cancels the timer (nobody listens any more, credentials came, or the agent stopped). */
  disarm(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    const since = this.since;
    if (since === undefined || this.context.stopped || this.hasCredentials()) return;
    this.since = undefined; // once per wait
    const waited = nowOf(this.context) - since;
    this.context.tracer.emit({ type: 'remote-credentials-missing', waited }, this.context.generation);
  }
}
