/**
 * Our own restart keeps the peer's generation (RFC 8445 §9 changes the
 * restarting agent's credentials, not the peer's).
 *
 * The new session first waits {@link KEPT_REMOTE_WAIT} for the peer's answer,
 * as offer/answer would: an answer is taken as the session's first remote
 * credentials, and the peer restarts too. When none comes (the peer took our
 * new credentials as the answer to a restart of its own that crossed ours,
 * or signalling is slow), the session takes the credentials and candidates
 * the old session knew and checks that generation under our new ufrag. The
 * peer then either answers later (the session follows, see
 * lib/core/remote-restart.ts, rule 2) or already took ours (its checks name
 * our new ufrag and confirm the kept ones). Either way both sides end on the
 * same two generations, and a peer whose checks cannot reach us (a NAT in
 * the way, a lite peer) hears ours. A check from the kept generation that
 * names our new ufrag ends the wait at once. Facing a lite peer, which sends
 * no checks and runs no consent of its own, the kept credentials need no
 * confirmation: the session nominates as soon as a pair answers.
 * @internal
 * @module
 */
import type { Subscription } from 'rxjs';
import type { Candidate } from '../candidate-types.js';
import type { IceCredentials } from '../core/credentials.js';
import { KEPT_REMOTE_WAIT } from '../core/remote-restart.js';
import type { IceSession } from '../core/session.js';
import { type AgentContext, nowOf } from './context.js';

/** What the old session knew of the peer, waiting to be kept by the new one. */
interface Kept {
  readonly session: IceSession;
  readonly credentials: IceCredentials;
  readonly candidates: readonly Candidate[];
  readonly ended: boolean;
  readonly timer: Subscription;
}

/** One restart's wait before its session keeps the peer's generation. */
export class KeptRemote {
  private kept: Kept | undefined;

  constructor(
    private readonly context: AgentContext,
    /** The session took the kept credentials (the agent hands it that generation's later candidates). */
    private readonly taken: (credentials: IceCredentials) => void,
    /** Drives the sessions after the wait ends. */
    private readonly drive: () => void,
  ) {}

  /**
   * Our own restart made `session` to replace `old`: from `old` (or from a
   * restart before it that was still waiting) it keeps the peer's
   * credentials and signalled candidates, for after the wait.
   */
  start(old: IceSession, session: IceSession): void {
    const earlier = this.kept;
    this.cancel();
    const from =
      old.remoteCredentials !== undefined
        ? {
            credentials: old.remoteCredentials,
            candidates: old.remoteCandidates.filter((c) => c.type !== 'prflx'),
            ended: old.remoteEndOfCandidates,
          }
        : earlier;
    if (from === undefined) return;
    const timer = this.context.options.scheduler.schedule(() => {
      this.keep();
      this.drive();
    }, KEPT_REMOTE_WAIT);
    this.kept = {
      session,
      credentials: from.credentials,
      candidates: from.candidates,
      ended: from.ended,
      timer,
    };
  }

  /** After every input: an answer ends the wait, and so does a check from the kept generation naming our new ufrag (keeps). */
  check(): void {
    const kept = this.kept;
    if (kept === undefined) return;
    if (kept.session.remoteCredentials !== undefined)
      this.cancel(); // answered: the peer's own are taken
    else if (kept.session.heardFrom(kept.credentials.ufrag)) this.keep();
  }

  /** A new generation that keeps nothing (answering the peer's restart), or `stop()`. */
  cancel(): void {
    this.kept?.timer.unsubscribe();
    this.kept = undefined;
  }

  private keep(): void {
    const kept = this.kept;
    this.cancel();
    if (kept === undefined) return;
    const { session, credentials } = kept;
    // Answered meanwhile (the credentials are the peer's), or no longer current: nothing to keep.
    if (session.remoteCredentials !== undefined || session.state === 'closed' || this.context.stopped) return;
    const now = nowOf(this.context);
    session.setRemoteCredentials(credentials, now);
    // A lite peer sends no checks, so it could never confirm; nor does it run consent of its own (our
    // checks keep its liveness), so the pair it answers on is usable as it is: nominate at once.
    session.remoteKept = !session.remoteIceLite;
    for (const candidate of kept.candidates) session.addRemoteCandidate(candidate, now);
    if (kept.ended) session.endOfRemoteCandidates(now);
    this.taken(credentials);
  }
}
