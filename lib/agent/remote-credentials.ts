/**
 * Remote credentials on their way into the session: the first ones, a
 * restart of the peer's (answered with a restart of ours, RFC 8445 §9) or
 * its answer to ours (followed), as lib/core/remote-restart.ts tells them
 * apart, including the wait for evidence before an unproven follow.
 * @internal
 * @module
 */
import type { Subscription } from 'rxjs';
import type { IceCredentials, RemoteCredentialsOptions } from '../core/credentials.js';
import { remember } from '../core/recent.js';
import { remoteCredentialsChange, UNPROVEN_FOLLOW_WAIT } from '../core/remote-restart.js';
import { type AgentContext, nowOf } from './context.js';
import type { SessionDriver } from './session-driver.js';

/** Takes remote credentials into the current session (or a new one). */
export class RemoteCredentialsIntake {
  /** Credentials waiting for evidence before they are followed without proof. */
  private pending: { readonly ufrag: string; readonly timer: Subscription } | undefined;
  /** The remote ufrags taken so far (the last 4): signalled again later, they are stale. */
  private readonly taken: string[] = [];

  constructor(
    private readonly context: AgentContext,
    private readonly driver: SessionDriver,
    /** `IceAgent.restart()`: new local credentials and a new session. */
    private readonly restart: () => void,
    /** The session took `credentials`: their candidates and the credentials watch follow. */
    private readonly arrived: (credentials: IceCredentials) => void,
  ) {}

  /** Whether credentials are waiting for evidence. */
  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /**
   * New remote credentials. A follow without proof is a guess, so it waits
   * up to {@link UNPROVEN_FOLLOW_WAIT} for checks that decide it (`mayWait`);
   * meanwhile the session goes on with the credentials it has. `answers`
   * is what signalling said they answer (see
   * {@link RemoteCredentialsOptions.answers}); undefined when it did not say.
   */
  take(credentials: IceCredentials, answers?: string | null, mayWait = true): void {
    const session = this.driver.session;
    // Credentials overtaking ones that waited to be followed: the peer's one answer was those (rule 4
    // is spent), so these are a restart of the peer's own unless checks prove otherwise.
    if (this.pending !== undefined && this.pending.ufrag !== credentials.ufrag)
      session.followedUnproven = true;
    this.close();
    const change = remoteCredentialsChange({
      known: session.remoteCredentials,
      incoming: credentials,
      renewed: this.driver.sessionGeneration > 0,
      followedUnproven: session.followedUnproven,
      heardFrom: (u) => session.heardFrom(u),
      answers,
      localUfrag: session.localCredentials.ufrag,
      stale: this.taken.includes(credentials.ufrag),
      kept: session.remoteKept,
    });
    // Following what our own restart kept is no guess (remote-restart.ts, rule 2).
    const proven =
      session.remoteKept ||
      session.heardFrom(credentials.ufrag) ||
      answers === session.localCredentials.ufrag;
    const now = nowOf(this.context);
    if (change === 'follow' && !proven && mayWait) {
      const timer = this.context.options.scheduler.schedule(() => {
        this.pending = undefined;
        if (!this.context.stopped) this.take(credentials, answers, false);
      }, UNPROVEN_FOLLOW_WAIT);
      this.pending = { ufrag: credentials.ufrag, timer };
    } else if (change === 'restart') {
      this.restart();
      this.driver.localAnswers = credentials.ufrag;
      this.driver.session.setRemoteCredentials(credentials, now);
    } else if (change === 'follow') {
      session.followRemoteCredentials(credentials, now, proven);
    } else if (change === 'first') {
      session.setRemoteCredentials(credentials, now);
    }
    if (change !== 'same' && this.pending === undefined) {
      remember(this.taken, credentials.ufrag, 4);
      this.arrived(credentials);
    }
    this.driver.drive();
  }

  /** Cancels the wait (`stop()`, or newer credentials). */
  close(): void {
    this.pending?.timer.unsubscribe();
    this.pending = undefined;
  }
}
