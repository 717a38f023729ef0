/**
 * Drives the sans-IO {@link IceSession}s of an agent: sends what they
 * produce, turns their events into stream emissions and keeps the single
 * timer on the scheduler armed at their next deadline. Holds the current
 * session and, after a restart, the previous one that keeps carrying data.
 * @internal
 * @module
 */
import { asapScheduler, asyncScheduler, type Subscription } from 'rxjs';
import type { IceCredentials } from '../core/credentials.js';
import type { CandidatePair, IceRole } from '../core/pair.js';
import { type ConnectionState, IceSession, type SessionEvent } from '../core/session.js';
import { TurnRelaySocket } from '../turn/relay-socket.js';
import { type AgentContext, nowOf, type SelectedPair } from './context.js';
import { KeptRemote } from './kept-remote.js';
import { PairWatch } from './pair-watch.js';
import { RoundTripMeter } from './round-trips.js';
import { closeLosingTcpPaths } from './tcp-gathering.js';

/** Periodic work that rides along on the session timer (interface polls). */
export interface TimerPassenger {
  /** When it wants to run next, if at all. */
  readonly nextAt: number | undefined;
  /** Runs it (the timer fired at or after `nextAt`). */
  run(now: number): void;
}

/** States in which a session has no pair to carry data yet. */
export function isBeforeConnection(state: ConnectionState): boolean {
  return state === 'new' || state === 'checking';
}

/** The current and previous sessions, the timer, and the state the application sees. */
export class SessionDriver {
  /** The session of the current generation. */
  session: IceSession;
  /** The session before the last restart: it keeps carrying data until the new one selects a pair. */
  previous: IceSession | undefined;
  /** The path data flowed over before the last restart's switch: datagrams still in flight on it are accepted. */
  retiredPath: CandidatePair | undefined;
  /** Interface polls, when enabled. */
  passenger: TimerPassenger | undefined;
  /** Generation of {@link session}. */
  sessionGeneration = 0;
  /** The remote ufrag whose restart the current generation answers, or null ({@link LocalIceCredentials.answers}). */
  localAnswers: string | null = null;
  /** Generation of {@link previous}. */
  previousGeneration = 0;
  /** How many times the pair data flows over changed (W3C `selectedCandidatePairChanges`). */
  selectedPairChanges = 0;
  /**
   * The peer is ICE-lite: the `remoteIceLite` option, or what signaling said
   * last (`setRemoteCredentials(…, { iceLite })`); every new generation's
   * session starts with it.
   */
  remoteIceLite: boolean;
  /** The peer offered renomination, as signaling said last; every new generation's session starts with it. */
  remoteRenomination = false;
  /** A TURN server refused an allocation: sessions without local candidates fail as `turn-refused`. */
  turnRefusal: { readonly code: number | undefined } | undefined;
  /** Send times of checks, for round-trip times. */
  readonly roundTrips = new RoundTripMeter();
  /** The pairs of the current session, for `pairs$`. */
  readonly pairWatch = new PairWatch(() => this.session);
  /** Called when the local ufrags the sessions answer to change (restart, end of the previous generation). */
  onUfragsChanged: ((ufrags: readonly string[]) => void) | undefined;
  /** The current session took the peer's credentials a restart kept (the agent hands it that generation's candidates). */
  onRemoteKept: ((credentials: IceCredentials) => void) | undefined;
  /** Our own restart's wait before its session keeps the peer's generation. */
  private readonly kept: KeptRemote;
  private syncedUfrag: string | undefined;
  private syncedPreviousUfrag: string | undefined;
  private timer: Subscription | undefined;
  private timerAt: number | undefined;

  constructor(
    private readonly context: AgentContext,
    private readonly tieBreaker: bigint,
    credentials: IceCredentials,
  ) {
    this.remoteIceLite = context.options.remoteIceLite;
    this.kept = new KeptRemote(
      context,
      (c) => this.onRemoteKept?.(c),
      () => this.drive(),
    );
    this.session = this.createSession(credentials, context.options.role);
  }

  /**
   * A restart's session switch: the current session carries data on (as
   * `previous`) when it can, and a fresh session with new credentials and the
   * current role takes its place. `keepRemote`: our own restart, whose
   * session keeps the peer's generation if no answer comes ({@link KeptRemote}).
   */
  startGeneration(credentials: IceCredentials, generation: number, keepRemote: boolean): void {
    const old = this.session;
    if (carriesPath(old)) {
      this.previous?.close();
      // Carries data (and keeps its consent and keepalives) until the new session selects. One whose
      // nomination is in flight only finishes that check: the peer may have selected its pair already.
      old.retireForRestart();
      this.previous = old;
      this.previousGeneration = this.sessionGeneration;
    } else {
      old.close();
      if (this.previous && !carriesPath(this.previous)) {
        this.previous.close();
        this.previous = undefined;
      }
    }
    this.session = this.createSession(credentials, this.context.streams.role.value);
    this.sessionGeneration = generation;
    this.localAnswers = null;
    if (keepRemote) this.kept.start(old, this.session);
    else this.kept.cancel();
  }

  /** `trace$` got its first subscriber (true) or lost its last one: the sessions record or stop. */
  setTracing(active: boolean): void {
    for (const session of [this.session, this.previous]) {
      if (session === undefined) continue;
      session.trace.enabled = active;
      if (!active) session.trace.clear();
    }
  }

  /** A TURN allocation failed for good: noted in every session from now on. */
  noteTurnRefusal(code: number | undefined): void {
    this.turnRefusal = { code };
    this.session.turnRefusal = this.turnRefusal;
  }

  /** Signaling says whether the peer offers renomination: the current session and every later generation take it. */
  setRemoteRenomination(offered: boolean, now: number): void {
    this.remoteRenomination = offered;
    this.session.setRemoteRenomination(offered, now);
  }

  /** Signaling says whether the peer is ICE-lite: the current session and every later generation take it. */
  setRemoteIceLite(remoteIceLite: boolean, now: number): void {
    this.remoteIceLite = remoteIceLite;
    this.session.setRemoteIceLite(remoteIceLite, now);
  }

  /**
   * A local socket is gone: its pairs leave both sessions. True when it
   * carried the pair data flows over.
   */
  removeSocket(socketId: number, now: number): boolean {
    const lost = this.session.removeLocalSocket(socketId, now);
    if (!this.previous?.removeLocalSocket(socketId, now)) return lost;
    // The old generation lost its path mid-restart: nothing left for it to carry.
    this.previous.close();
    this.previous = undefined;
    if (isBeforeConnection(this.session.state)) this.showState(this.session.state);
    return true;
  }

  /** After a restart, requests for the old ufrag and answers to its checks still belong to the old session. */
  sessionFor(username: string | undefined, isRequest: boolean, transactionId: Uint8Array): IceSession {
    const previous = this.previous;
    if (!previous) return this.session;
    if (isRequest) {
      return username?.startsWith(`${previous.localCredentials.ufrag}:`) ? previous : this.session;
    }
    return previous.ownsTransaction(transactionId) ? previous : this.session;
  }

  /** Flushes what the sessions produced (datagrams, events) and re-arms the single timer. */
  drive(): void {
    if (this.context.stopped) return;
    this.kept.check();
    this.flush(this.session);
    if (this.previous) this.flush(this.previous);
    const previous = this.previous;
    if (previous && previous.selectedPair === undefined && previous.nominationInFlight() === undefined) {
      // The old generation's nomination in flight ended without a selection: nothing left for it to carry.
      previous.close();
      this.previous = undefined;
      if (isBeforeConnection(this.session.state)) this.showState(this.session.state);
    }
    this.pairWatch.check(this.session);
    this.rearmTimer();
    this.syncUfrags();
  }

  /** The local ufrags requests may carry: the current session's, and the previous one's during a restart. */
  localUfrags(): string[] {
    const current = this.session.localCredentials.ufrag;
    const previous = this.previous?.localCredentials.ufrag;
    return previous === undefined ? [current] : [current, previous];
  }

  private syncUfrags(): void {
    const current = this.session.localCredentials.ufrag;
    const previous = this.previous?.localCredentials.ufrag;
    if (current === this.syncedUfrag && previous === this.syncedPreviousUfrag) return;
    this.syncedUfrag = current;
    this.syncedPreviousUfrag = previous;
    this.onUfragsChanged?.(this.localUfrags());
  }

  /** Closes both sessions and cancels the timer (`stop()`). */
  close(): void {
    this.kept.cancel();
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.session.close();
    this.previous?.close();
    this.previous = undefined;
    this.pairWatch.complete();
  }

  private createSession(localCredentials: IceCredentials, role: IceRole): IceSession {
    const o = this.context.options;
    const session = new IceSession({
      role,
      tieBreaker: this.tieBreaker,
      localCredentials,
      newTransactionId: o.newTransactionId,
      ta: o.ta,
      checklistLimit: o.checklistLimit,
      maxRemoteCandidates: o.maxRemoteCandidates,
      retransmission: o.retransmission,
      nominationDelay: o.nominationDelay,
      nomination: o.nomination,
      renomination: o.renomination,
      failover: o.failover,
      candidateWait: o.candidateWait,
      pacTimeout: o.pacTimeout,
      liveness: {
        disconnectedTimeout: o.disconnectedTimeout,
        keepaliveInterval: o.keepaliveInterval,
        random: o.random,
      },
      remoteIceLite: this.remoteIceLite,
      remoteRenomination: this.remoteRenomination,
      lite: o.lite,
      liteTimeout: o.liteTimeout,
      tcp: o.tcp !== false,
    });
    session.trace.enabled = this.context.tracer.active;
    session.turnRefusal = this.turnRefusal;
    return session;
  }

  private flush(session: IceSession): void {
    const sockets = this.context.sockets;
    let now: number | undefined;
    for (let t = session.pollTransmit(); t !== undefined; t = session.pollTransmit()) {
      now ??= nowOf(this.context);
      this.roundTrips.sent(t.data, now);
      sockets.get(t.socketId)?.socket.send(t.data, t.port, t.address);
    }
    for (let e = session.pollEvent(); e !== undefined; e = session.pollEvent()) this.onEvent(session, e);
    const tracer = this.context.tracer;
    if (tracer.active) {
      tracer.drain(session, session === this.session ? this.sessionGeneration : this.previousGeneration);
    }
  }

  private onEvent(session: IceSession, event: SessionEvent): void {
    if (session !== this.session) {
      // The old generation only carries data now; its liveness shows until the new one connects.
      if (event.type === 'state' && isBeforeConnection(this.session.state)) this.showState(event.state);
      return;
    }
    const streams = this.context.streams;
    switch (event.type) {
      case 'state':
        // While the old generation still carries data, a restart is not a loss of connectivity.
        this.showState(this.previous && isBeforeConnection(event.state) ? this.previous.state : event.state);
        if (event.state === 'completed') this.closeLosingTcpPaths(session);
        break;
      case 'selected-pair': {
        // Data over a relay: bind a TURN channel to the peer (4-byte ChannelData headers from now on).
        const local = this.context.sockets.get(event.pair.local.socketId)?.socket;
        if (local instanceof TurnRelaySocket)
          local.bindChannel(event.pair.remote.address, event.pair.remote.port);
        // Checking concluded (RFC 8445 §8.1.2): checks still waiting for a TURN permission stay unsent.
        for (const bound of this.context.sockets.values())
          if (bound.socket instanceof TurnRelaySocket) bound.socket.dropHeldChecks();
        this.selectedPairChanges++;
        streams.selected.next(toSelectedPair(event.pair));
        if (this.previous) {
          this.retiredPath = this.previous.selectedPair;
          this.previous.close();
          this.previous = undefined;
        }
        if (session.state === 'completed') this.closeLosingTcpPaths(session); // renominated, failed over
        break;
      }
      case 'role':
        streams.role.next(event.role);
        break;
      case 'remote-candidate':
        break;
    }
  }

  /**
   * ICE-TCP connections of pairs that lost are closed once checking has
   * concluded on a selected pair (state `completed`) and whenever the
   * selected pair changes after that. Nomination is final (RFC 8445) unless
   * renomination is agreed: then every valid pair may yet be nominated (a
   * failover backup among them), so valid pairs keep theirs. The path of the
   * last restart keeps its own.
   */
  private closeLosingTcpPaths(session: IceSession): void {
    const selected = session.selectedPair;
    if (this.context.options.tcp === false || selected === undefined) return;
    const keep = [selected];
    if (this.retiredPath !== undefined) keep.push(this.retiredPath);
    if (session.renominationAgreed) for (const p of session.checklist.pairs) if (p.valid) keep.push(p);
    closeLosingTcpPaths(this.context.sockets.values(), keep);
  }

  private rearmTimer(): void {
    const now = nowOf(this.context);
    let at = this.session.nextTimeout(now);
    const previousAt = this.previous?.nextTimeout(now);
    if (previousAt !== undefined) at = at === undefined ? previousAt : Math.min(at, previousAt);
    // Interface polls ride along while a session is active: they never keep an idle agent awake.
    const pollAt = this.passenger?.nextAt;
    if (pollAt !== undefined && at !== undefined) at = Math.min(at, pollAt);
    if (at === this.timerAt && this.timer) return;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    const delay = Math.max(0, at - now);
    // A deadline already due (the first check once credentials and a candidate are in, a triggered
    // check in a free Ta slot) on RxJS's default scheduler: a microtask, not a 0 ms timer, which Node
    // makes a 1 ms one, paid on every step of a connection. Still after the current call returns.
    // Any other scheduler (virtual time, a recording's) is used as it is.
    const scheduler = this.context.options.scheduler;
    this.timer = (delay === 0 && scheduler === asyncScheduler ? asapScheduler : scheduler).schedule(
      () => this.onTimer(),
      delay,
    );
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = undefined;
    const now = nowOf(this.context);
    const passenger = this.passenger;
    if (passenger?.nextAt !== undefined && now >= passenger.nextAt) passenger.run(now);
    this.session.handleTimeout(now);
    this.previous?.handleTimeout(now);
    this.drive();
  }

  /** A restart that reconnects is not a state change for the application: only changes are emitted. */
  showState(state: ConnectionState): void {
    const subject = this.context.streams.connectionState;
    if (subject.value !== state) subject.next(state);
  }
}

function toSelectedPair(pair: CandidatePair): SelectedPair {
  return { local: pair.local.candidate, remote: pair.remote };
}

/**
 * Whether a session replaced by a restart may still carry the data path: it
 * can send data (a selected pair, consent holding), or its nomination is in
 * flight, whose pair the peer may already have selected.
 */
function carriesPath(session: IceSession): boolean {
  return session.canSendData() || session.nominationInFlight() !== undefined;
}
