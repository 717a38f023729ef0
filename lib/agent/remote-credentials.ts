/**
 * Remote credentials on their way into the session: the first ones, a
 * restart of the peer's (answered with a restart of ours, RFC 8445 §9) or
 * its answer to ours (followed), as lib/core/remote-restart.ts tells them
 * apart, including the wait for evidence before an unproven follow.
 * @internal
 * @module
 */
import type { Subscription } from 'rxjs';
import type { IceCredentials } from '../core/credentials.js';
import { remoteCredentialsChange, UNPROVEN_FOLLOW_WAIT } from '../core/remote-restart.js';
import { type AgentContext, nowOf } from './context.js';
import type { SessionDriver } from './session-driver.js';

/** Takes remote credentials into the current session (or a new one). */
export class RemoteCredentialsIntake {
  /** Credentials waiting for evidence before they are followed without proof. */
  private pending: { readonly ufrag: string; readonly timer: Subscription } | undefined;

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
   * meanwhile the session goes on with the credentials it has.
   */
  take(credentials: IceCredentials, mayWait = true): void {
    const session = this.driver.session;
    // Credentials overtaking ones that waited to be followed: the peer's one answer was those (rule 3
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
    });
    const proven = session.heardFrom(credentials.ufrag);
    const now = nowOf(this.context);
    if (change === 'follow' && !proven && mayWait) {
      const timer = this.context.options.scheduler.schedule(() => {
        this.pending = undefined;
        if (!this.context.stopped) this.take(credentials, false);
      }, UNPROVEN_FOLLOW_WAIT);
      this.pending = { ufrag: credentials.ufrag, timer };
    } else if (change === 'restart') {
      this.restart();
      this.driver.session.setRemoteCredentials(credentials, now);
    } else if (change === 'follow') {
      session.followRemoteCredentials(credentials, now, proven);
    } else if (change === 'first') {
      session.setRemoteCredentials(credentials, now);
    }
    if (change !== 'same' && this.pending === undefined) this.arrived(credentials);
    this.driver.drive();
  }

  /** Cancels the wait (`stop()`, or newer credentials). */
  close(): void {
    this.pending?.timer.unsubscribe();
    this.pending = undefined;
  }
}
