/**
 * What new remote credentials mean (RFC 8445 §9, ICE restart) when no
 * offer/answer exchange orders them.
 *
 * RFC 8445 §9: "To restart ICE, an agent MUST change both the password and
 * the username fragment for the data stream(s) being restarted." In SDP
 * offer/answer (RFC 8839) the answer to a restarting offer carries new
 * credentials too. With offer/answer, signalling tells an agent which of the
 * two it is looking at. rx-ice takes credentials in any order, so it has to
 * infer it. The wrong guess is costly both ways:
 *
 * - Treating the peer's answer to our restart as a new restart from the peer
 *   means we answer it with a restart of our own, the peer answers that, and
 *   the two sides restart forever. This happens when restarts cross in
 *   flight, or when credentials sent before a restart arrive after it.
 * - Treating the peer's own restart as an answer means we never give it new
 *   credentials. Its new session has none of ours and waits forever.
 *
 * The evidence used is the USERNAME of authenticated checks
 * ({@link RemoteRestartFacts.heardFrom}). A check carrying `ours:theirs`
 * proves that the peer's generation `theirs` knows our current credentials,
 * so it needs nothing new from us. A generation made by the peer's own
 * `restart()` knows only the credentials it kept (lib/agent/kept-remote.ts,
 * after a second without answer), which are new to it only if ours are: so a
 * first session of ours never follows on such checks (rule 3). And our own
 * restart keeps the peer's credentials until it answers, which makes
 * whatever comes next safe to follow (rule 2).
 * @module
 */
import { type IceCredentials, sameCredentials } from './credentials.js';

/** What the agent does with remote credentials handed to `setRemoteCredentials`. */
export type RemoteCredentialsChange =
  /** The session's first remote credentials: take them. */
  | 'first'
  /** Identical to the ones the session has: nothing to do. */
  | 'same'
  /**
   * The peer restarted and needs our new credentials: restart (new
   * ufrag/pwd, new session), then take them.
   */
  | 'restart'
  /**
   * The peer's new generation already has our current credentials (it
   * answered our restart): the current session keeps its local credentials
   * and takes the new remote ones.
   */
  | 'follow';

/** What the rule reads. */
export interface RemoteRestartFacts {
  /** The current session's remote credentials, if any. */
  readonly known: IceCredentials | undefined;
  /** The credentials signalling brought. */
  readonly incoming: IceCredentials;
  /**
   * The current session was made by a restart (ours, or our answer to the
   * peer's), so its local credentials are newer than the agent's first.
   */
  readonly renewed: boolean;
  /**
   * The current session already followed new remote credentials without
   * proof ({@link remoteCredentialsChange}, rule 4): it does so once only.
   */
  readonly followedUnproven: boolean;
  /** Whether an authenticated check named the remote ufrag `ufrag` with our current ufrag. */
  heardFrom(ufrag: string): boolean;
  /**
   * What signalling said the incoming credentials answer: one of our ufrags,
   * `null` (nothing: the peer's own restart), or undefined (not said).
   */
  readonly answers?: string | null;
  /** Our current ufrag. */
  readonly localUfrag?: string;
  /** The incoming ufrag is one the agent took before (a stale signal overtaken by newer ones). */
  readonly stale?: boolean;
  /**
   * The known credentials were kept by our own restart and nothing has
   * confirmed that the peer kept them too (`IceSession.remoteKept`).
   */
  readonly kept?: boolean;
}

/**
 * Decides what new remote credentials mean:
 * 1. Nothing known yet: `first`. Identical: `same`.
 * 2. Our own restart kept the peer's credentials and the peer has not
 *    shown that it took ours: the incoming ones answer our restart, or are
 *    the peer's own restart crossing ours, whose session kept ours. Either
 *    way following them ends both sides on the same two generations:
 *    `follow` (`same` for credentials taken before, a stale signal).
 * 3. Our session is itself new (we restarted, or answered) and the peer
 *    already checks us from the incoming generation: `follow`. A first
 *    session never follows: nothing of ours is new for the peer to answer,
 *    so checks from its new generation come from credentials it kept over
 *    its own restart (lib/agent/kept-remote.ts) and want an answer.
 * 4. Our session is itself new (we restarted, or answered), the
 *    generation being replaced never showed that it knew our credentials,
 *    and the session has not done this before. Then the incoming
 *    credentials most likely answer ours, which crossed stale ones in
 *    flight: `follow`. Answering them with another restart would ping-pong.
 *    Once only: the peer answers a generation of ours once, so later new
 *    credentials without proof are a restart of the peer's own.
 * 5. Otherwise the peer restarted on its own: `restart`.
 *
 * When signalling says what the credentials answer
 * ({@link RemoteRestartFacts.answers}), that settles it before rules 2–5:
 * an answer to our current ufrag is followed, credentials that answer
 * nothing are a restart of the peer's, and credentials the agent took
 * before are stale (`same`: nothing to do). Only an answer to an older
 * generation of ours (restarts that crossed) falls back to rules 2–5.
 */
export function remoteCredentialsChange(facts: RemoteRestartFacts): RemoteCredentialsChange {
  const { known, incoming, answers } = facts;
  if (known === undefined) return 'first';
  if (sameCredentials(known, incoming)) return 'same';
  if (answers !== undefined) {
    if (facts.stale) return 'same';
    if (answers === facts.localUfrag) return 'follow';
    if (answers === null) return 'restart';
  }
  if (facts.kept) return facts.stale ? 'same' : 'follow';
  if (facts.renewed && facts.heardFrom(incoming.ufrag)) return 'follow';
  if (facts.renewed && !facts.followedUnproven && !facts.heardFrom(known.ufrag)) return 'follow';
  return 'restart';
}

/**
 * How long (ms) new remote credentials that rule 4 of
 * {@link remoteCredentialsChange} would follow without proof (rule 4) wait for
 * evidence first. A check from the generation being replaced that names our
 * credentials (it did know them: the incoming ones are a restart of the
 * peer's) or one from the incoming generation (it knows them: follow) may be
 * a round trip behind the signalling; a second look after this long decides
 * on better facts. One second covers a check's first transmission and its
 * first retransmission (RFC 8445 §14.3: RTO ≥ 500 ms) on paths up to a few
 * hundred ms long. Meanwhile the session goes on with the credentials it has.
 */
export const UNPROVEN_FOLLOW_WAIT = 1000;

/**
 * How long (ms) the session of our own restart waits for the peer's answer
 * before it keeps the peer's current generation and checks it under our new
 * credentials (lib/agent/kept-remote.ts). Signalling usually answers within
 * a round trip; meanwhile RFC 8445 §9's fresh start on both sides is kept
 * (checks of ours before the answer would prove to an rx-ice peer that it
 * need not restart too, rule 3). The same second as
 * {@link UNPROVEN_FOLLOW_WAIT}, so that a peer that follows our credentials
 * without proof has done so by the time our kept checks reach it.
 */
export const KEPT_REMOTE_WAIT = 1000;
