import { filter, type Observable, ReplaySubject, type Subscription, switchAll } from 'rxjs';
import {
  type AgentContext,
  AgentStreams,
  type GatheringState,
  nowOf,
  type SelectedPair,
} from './agent/context.js';
import { RemoteCredentialsWatch } from './agent/credentials-watch.js';
import { LocalGathering } from './agent/gathering.js';
import { InterfacePoller } from './agent/interface-poll.js';
import { PacketPath } from './agent/packet-path.js';
import { RemoteCandidateIntake } from './agent/remote-candidates.js';
import { RemoteCredentialsIntake } from './agent/remote-credentials.js';
import { SessionDriver } from './agent/session-driver.js';
import { forgetLostTcpPaths, sumTcpCounters, tcpCountersOf } from './agent/tcp-gathering.js';
import { AgentTracer, logTraceToDebug } from './agent/tracer.js';
import { UfragClaims } from './agent/ufrag-claims.js';
import type { Candidate } from './candidate-types.js';
import {
  type IceCredentials,
  type LocalIceCredentials,
  type RemoteCredentialsOptions,
  readRemoteCredentialsOptions,
  sameCredentials,
  validateCredentials,
} from './core/credentials.js';
import type { InterfaceChange } from './core/interfaces.js';
import type { IceRole } from './core/pair.js';
import type { ConnectionState } from './core/session.js';
import { drawUint64 } from './entropy.js';
import { InvalidArgumentError, InvalidStateError } from './errors.js';
import { type IceCandidate, type IceCandidateInit, readRemoteCandidate } from './ice-candidate.js';
import { LocalNamePublisher, RemoteNameResolver } from './mdns/agent-mdns.js';
import { type IceAgentOptions, resolveOptions } from './options.js';
import { type AgentStats, buildStats, type CandidatePairStats, createTransportCounters } from './stats.js';
import { buildStatsReport, type IceStatsReport } from './stats-report.js';
import type { TraceEvent } from './trace-events.js';
import type { IceServerError } from './turn/server-error.js';

export type { GatheringState, SelectedPair } from './agent/context.js';

/**
 * A full ICE agent (RFC 8445) whose every notification is an Observable.
 *
 * @example
 * ```ts
 * const agent = new IceAgent({ role: 'controlling' });
 * agent.candidates$.subscribe((c) => signaling.send({ candidate: serializeCandidate(c) }));
 * agent.connectionState$.subscribe((s) => console.log('ICE', s));
 * agent.data$.subscribe((bytes) => console.log('got', bytes.length));
 * agent.gatherCandidates();
 * ```
 */
export class IceAgent {
  /**
   * Local candidates as gathered; late subscribers get the current generation
   * replayed. Completes on `stop()`. Each is plain {@link Candidate} data with
   * W3C accessors: `candidate` (the `candidate:…` string), `sdpMid`,
   * `sdpMLineIndex`, `usernameFragment` and `toJSON()` (an `RTCIceCandidateInit`).
   */
  readonly candidates$: Observable<IceCandidate>;
  /** Gathering state; emits the current value on subscribe. */
  readonly gatheringState$: Observable<GatheringState>;
  /** Connection state; emits the current value on subscribe. */
  readonly connectionState$: Observable<ConnectionState>;
  /** The pair data flows over, whenever it changes; replays the current one. */
  readonly selectedPair$: Observable<SelectedPair>;
  /**
   * Every candidate pair of the current session (highest priority first) with
   * its state, validity, nomination, selection and RTT, as the checks change
   * them: one array per change, the current one on subscribe. After a
   * restart, the new session's pairs. Completes on `stop()`. Free while
   * nobody subscribes.
   *
   * @example
   * ```ts
   * agent.pairs$.subscribe((pairs) => {
   *   for (const p of pairs) console.log(p.id, p.state, p.nominated ? 'nominated' : '', p.rtt ?? '');
   * });
   * ```
   */
  readonly pairs$: Observable<readonly CandidatePairStats[]>;
  /** Application datagrams from validated remote addresses (never STUN). Hot. */
  readonly data$: Observable<Uint8Array>;
  /**
   * Role changes after a role conflict (RFC 8445 §7.3.1.1), or when signaling
   * says the peer is ICE-lite (`setRemoteCredentials(…, { iceLite: true })`);
   * replays the current role.
   */
  readonly role$: Observable<IceRole>;
  /**
   * Network changes found by polling the transport's addresses (option
   * `interfacePollInterval`): addresses added (gathered and trickled) and
   * removed (retired). `selectedPairLost` means the data path is gone and
   * the state is `failed`: call `restart()`. Hot.
   */
  readonly interfaceChanges$: Observable<InterfaceChange>;
  /**
   * Non-fatal STUN/TURN server problems (unreachable server, wrong TURN
   * credentials, quota, refresh or permission failures...): the agent goes on
   * with its other candidates. Hot; completes on `stop()`.
   */
  readonly errors$: Observable<IceServerError>;
  /**
   * What the agent does and why, one typed event per step (see
   * {@link TraceEvent}): checks sent, retransmitted, answered (RTT) or failed
   * (timeout, error code), the peer's checks and what they got, pair state
   * changes, nomination and selection, consent and keepalives, connection
   * and gathering states with their reason, STUN/TURN server steps, every
   * dropped datagram with its reason, and a `remote-credentials-missing`
   * warning. Each event carries the scheduler's time (`at`) and the ICE
   * generation. Hot; completes on `stop()`. Free while nobody subscribes:
   * the agent records only while `trace$` has a subscriber. With
   * `NODE_DEBUG=rx-ice` in the environment every event is also printed as
   * one line (`formatTraceEvent`).
   *
   * @example
   * ```ts
   * agent.trace$.subscribe((e) => {
   *   if (e.type === 'check-failed') console.log(e.at, e.pairId, e.cause, e.code ?? '');
   * });
   * ```
   */
  readonly trace$: Observable<TraceEvent>;

  private readonly context: AgentContext;
  private readonly streams: AgentStreams;
  private readonly driver: SessionDriver;
  private readonly gathering: LocalGathering;
  private readonly packets: PacketPath;
  private readonly poller: InterfacePoller;
  private readonly remotes: RemoteCandidateIntake;
  private readonly credentialsWatch: RemoteCredentialsWatch;
  private readonly ufrags: UfragClaims;
  private readonly credentials: RemoteCredentialsIntake;
  private readonly transportClosed: Subscription | undefined;

  /**
   * @throws InvalidOptionError for bad options; LimitExceededError when a
   *   shared transport (a full `UdpMux`) grants no ufrag.
   */
  constructor(options: IceAgentOptions) {
    const resolved = resolveOptions(options);
    const streams = new AgentStreams(resolved.role);
    const tracer = new AgentTracer(
      () => resolved.scheduler.now(),
      (active) => {
        this.driver.setTracing(active);
        if (active) this.credentialsWatch.listening();
      },
    );
    const context: AgentContext = {
      tracer,
      options: resolved,
      counters: createTransportCounters(),
      streams,
      sockets: new Map(),
      generation: 0,
      stopped: false,
    };
    this.context = context;
    this.streams = streams;
    const tieBreaker = resolved.tieBreaker ?? drawUint64(resolved.entropy);
    this.ufrags = new UfragClaims(resolved.transport, resolved.entropy);
    this.driver = new SessionDriver(context, tieBreaker, this.ufrags.fresh());
    this.credentialsWatch = new RemoteCredentialsWatch(
      context,
      () => this.driver.session.remoteCredentials !== undefined,
    );
    this.driver.onUfragsChanged = (ufrags) => {
      this.ufrags.keepOnly(ufrags);
      for (const bound of context.sockets.values()) bound.socket.setLocalUfrags?.(ufrags);
    };
    this.packets = new PacketPath(context, this.driver);
    const { mdnsResolver, mdnsPublisher, scheduler, mdnsTimeout, maxRemoteCandidates } = resolved;
    this.gathering = new LocalGathering(
      context,
      this.driver,
      (socketId, packet) => this.packets.receive(socketId, packet),
      (socketId, socket, packet) => this.packets.receiveTcp(socketId, socket, packet),
      mdnsPublisher
        ? new LocalNamePublisher(mdnsPublisher, undefined, resolved.entropy, context.counters)
        : undefined,
    );
    this.packets.gathering = this.gathering;
    this.poller = new InterfacePoller(context, this.driver, this.gathering);
    this.driver.passenger = this.poller;
    const remoteNames = mdnsResolver
      ? new RemoteNameResolver(mdnsResolver, scheduler, mdnsTimeout, maxRemoteCandidates, context.counters)
      : undefined;
    this.remotes = new RemoteCandidateIntake(context, this.driver, this.gathering, remoteNames);
    const arrived = (credentials: IceCredentials) => {
      this.credentialsWatch.arrived();
      // Candidates of this generation that overtook its credentials (see addRemoteCandidate).
      this.remotes.credentialsArrived(credentials.ufrag);
    };
    this.driver.onRemoteKept = arrived;
    this.credentials = new RemoteCredentialsIntake(
      context,
      this.driver,
      () => this.newGeneration(false),
      arrived,
    );
    this.candidates$ = streams.generations.pipe(switchAll());
    this.gatheringState$ = streams.gatheringState.asObservable();
    this.connectionState$ = streams.connectionState.asObservable();
    this.selectedPair$ = streams.selected.pipe(filter((p): p is SelectedPair => p !== undefined));
    this.pairs$ = this.driver.pairWatch.pairs$;
    this.data$ = streams.data.asObservable();
    this.role$ = streams.role.asObservable();
    this.interfaceChanges$ = streams.interfaceChanges.asObservable();
    this.errors$ = streams.serverErrors.asObservable();
    this.trace$ = tracer.trace$;
    logTraceToDebug(this.trace$);
    // Last: a transport already closed stops the agent at once.
    this.transportClosed = resolved.transport.closed$?.subscribe(() => this.stop());
  }

  /**
   * Starts gathering host candidates (and, with `iceServers`, server-reflexive
   * and relayed ones). Candidates arrive on `candidates$`; `gatheringState$`
   * goes `gathering` → `complete`. Calling it again while gathering or after
   * it completed does nothing.
   */
  gatherCandidates(): void {
    this.assertRunning('gatherCandidates');
    if (this.streams.gatheringState.value !== 'new') return;
    this.streams.gatheringState.next('gathering');
    this.context.tracer.emit(
      { type: 'gathering-state', state: 'gathering', reason: 'gatherCandidates() was called' },
      this.context.generation,
    );
    this.credentialsWatch.start();
    this.poller.start();
    this.gathering.start();
  }

  /**
   * The ICE options to signal to the peer (SDP `a=ice-options`, RFC 8839
   * §5.6): `trickle` always (candidates are trickled), and `renomination`
   * when the option `renomination` is on.
   */
  getLocalIceOptions(): string[] {
    return this.context.options.renomination ? ['trickle', 'renomination'] : ['trickle'];
  }

  /**
   * This agent's ufrag and pwd; they change only on a restart (`restart()`,
   * or the answer to the peer's). `answers` says which remote ufrag's
   * restart they answer (null: none); signal it along, for the peer's
   * `setRemoteCredentials(ufrag, pwd, { answers })`.
   */
  getLocalCredentials(): LocalIceCredentials {
    const { ufrag, pwd } = this.driver.session.localCredentials;
    return { ufrag, pwd, answers: this.driver.localAnswers };
  }

  /**
   * The remote's ufrag and pwd (RFC 8839 ice-chars, ufrag 4–256, pwd 22–256
   * characters). Connectivity checks start once these are known.
   *
   * `remote.iceLite: true` says the peer is an ICE-lite agent (it announced
   * `a=ice-lite`), for when that is learned from signaling rather than known
   * when the agent is built (option `remoteIceLite`): a controlled full agent
   * then becomes controlling (RFC 8445 §6.1.1), before any check goes out.
   * `remote.iceOptions` are the peer's `a=ice-options` tokens: with
   * `'renomination'` and this agent's `renomination` option, renomination is
   * agreed (see the option).
   * @throws InvalidCredentialsError for a malformed ufrag or pwd,
   *   InvalidArgumentError for malformed `remote`, or `iceLite: true` given to
   *   a lite agent (two lite agents cannot connect); nothing is applied then.
   */
  setRemoteCredentials(ufrag: string, pwd: string, remote?: RemoteCredentialsOptions): void {
    this.assertRunning('setRemoteCredentials');
    const credentials = validateCredentials(ufrag, pwd);
    const { iceLite, renomination, answers } = readRemoteCredentialsOptions(remote);
    if (iceLite === true && this.context.options.lite) {
      throw new InvalidArgumentError(
        'the remote is ICE-lite and so is this agent: two ICE-lite agents cannot connect, one side must be a full agent (RFC 8445 §6.1.1)',
      );
    }
    const liteKnown = iceLite === undefined || iceLite === this.driver.remoteIceLite;
    const renominationKnown = renomination === undefined || renomination === this.driver.remoteRenomination;
    const same = sameCredentials(this.driver.session.remoteCredentials, credentials);
    if (same && liteKnown && renominationKnown && !this.credentials.waiting) return;
    // The role first: a full agent facing a lite peer controls before its first check.
    if (iceLite !== undefined) this.driver.setRemoteIceLite(iceLite, nowOf(this.context));
    if (renomination !== undefined) this.driver.setRemoteRenomination(renomination, nowOf(this.context));
    this.credentials.take(credentials, answers);
  }

  /**
   * Adds a remote candidate, trickled in any order (before or after the
   * credentials, before or after local gathering). Takes:
   * - a `candidate:…` attribute string (RFC 8839, with or without `a=`);
   * - a W3C `RTCIceCandidateInit` `{ candidate, sdpMid, sdpMLineIndex,
   *   usernameFragment }` as a browser's `icecandidate` event or
   *   `RTCIceCandidate.toJSON()` gives it (`sdpMid`/`sdpMLineIndex` are
   *   type-checked and otherwise ignored: the agent serves one m= line);
   * - a {@link Candidate} object (validated like a parsed one), such as
   *   another agent's emitted candidate.
   *
   * `''`, and an init whose `candidate` is `''`, null or absent, mean
   * end-of-candidates, as in `addIceCandidate()` (see {@link endOfCandidates}).
   * A candidate tagged with a ufrag (the `ufrag` extension or the init's
   * `usernameFragment`) belongs to the remote generation of that ufrag: it
   * goes into the session whose remote credentials carry that ufrag, at once
   * or when `setRemoteCredentials` brings them, so neither the first
   * credentials nor a remote restart loses a candidate, whichever arrives
   * first. The candidates of the last 4 remote ufrags are kept for this.
   * Non-UDP and unresolved `.local` candidates are accepted and ignored
   * (counted in stats).
   * @throws InvalidCandidateError for a malformed candidate,
   *   InvalidArgumentError for another type or a component other than 1,
   *   LimitExceededError when the remote-candidate table is full.
   */
  addRemoteCandidate(candidate: string | IceCandidateInit | Candidate): void {
    this.assertRunning('addRemoteCandidate');
    const input = readRemoteCandidate(candidate);
    if (input.kind === 'end-of-candidates') {
      this.remotes.end(input.ufrag);
      return;
    }
    const { component } = input.candidate;
    if (component !== 1) {
      throw new InvalidArgumentError(`only component 1 is supported, got component ${component}`);
    }
    this.remotes.add(input.candidate);
  }

  /** The remote finished gathering (`a=end-of-candidates`); same as `addRemoteCandidate('')`. */
  endOfCandidates(): void {
    this.assertRunning('endOfCandidates');
    this.remotes.end(undefined);
  }

  /**
   * Local candidates gathered so far in the current generation, with their
   * real addresses (even under `mdns: 'publish'`) and W3C accessors.
   */
  getLocalCandidates(): IceCandidate[] {
    return this.plainLocalCandidates().map((c) => this.gathering.shape(c));
  }

  /** Remote candidates: signaled ones and peer-reflexive ones learned from checks. */
  getRemoteCandidates(): Candidate[] {
    return [...this.driver.session.remoteCandidates];
  }

  /**
   * Sends one datagram over the selected pair. Throws `InvalidStateError`
   * before a pair is selected or after `stop()`, `InvalidArgumentError` for
   * anything but a `Uint8Array` of at most 65507 bytes.
   */
  send(data: Uint8Array): void {
    this.packets.send(data);
  }

  /** A snapshot of counters, candidates and pairs (JSON-safe). */
  getStats(): AgentStats {
    let sendErrors = 0;
    for (const bound of this.context.sockets.values()) sendErrors += bound.socket.sendErrors;
    const { session, previous } = this.driver;
    // The state the application sees: after a restart, the old pair's until the new session connects.
    const state = this.streams.connectionState.value;
    return buildStats({
      session,
      state,
      failureReason: state === 'failed' ? (session.failureReason ?? previous?.failureReason) : undefined,
      transport: { ...this.context.counters, sendErrors },
      gatheringState: this.streams.gatheringState.value,
      generation: this.context.generation,
      localCandidates: this.plainLocalCandidates(),
      servers: this.gathering.servers?.stats(),
      tcp: sumTcpCounters(this.context.sockets.values()),
      now: nowOf(this.context),
    });
  }

  /**
   * ICE restart (RFC 8445 §9): new credentials, a new generation of
   * candidates and fresh checks. Data keeps flowing over the old selected
   * pair until the new session selects one. Signal the new credentials
   * (`getLocalCredentials()`) and candidates to the peer. TURN allocations
   * are deallocated (Refresh LIFETIME 0) and allocated afresh for the new
   * generation, except the one carrying the old selected pair, which is kept
   * and re-announced (UDP: one allocation per host socket and server);
   * server-reflexive candidates are kept; STUN/TURN attempts that failed are retried.
   * When the peer's answer has not come a second later (`KEPT_REMOTE_WAIT`),
   * the new session checks the peer's current generation under the new
   * credentials, and nominates once a check from the peer shows that it
   * took them (not facing an ICE-lite peer, which sends no checks).
   */
  restart(): void {
    this.assertRunning('restart');
    this.newGeneration(true);
  }

  /**
   * A restart's local side: new credentials, session and candidates.
   * `keepRemote`: our own restart, whose new session keeps the peer's
   * current generation if no answer comes (see KeptRemote); false when the
   * restart answers the peer's, whose credentials come next.
   */
  private newGeneration(keepRemote: boolean): void {
    const credentials = this.ufrags.fresh(); // may throw (a full UdpMux): before anything changes
    this.context.generation++;
    this.driver.startGeneration(credentials, this.context.generation, keepRemote);
    this.streams.generations.next(new ReplaySubject<IceCandidate>());
    forgetLostTcpPaths(this.context.sockets.values());
    this.gathering.renewRelays(); // before re-announcing: renewed relays are announced once allocated
    if (this.gathering.binds) {
      // First gathering still running: re-announce what is bound; its completion ends this generation too.
      this.gathering.reannounce();
    } else if (this.streams.gatheringState.value !== 'new') {
      this.streams.gatheringState.next('new');
      this.context.tracer.emit(
        { type: 'gathering-state', state: 'new', reason: 'restart(): a new generation gathers' },
        this.context.generation,
      );
      this.gatherCandidates();
    }
    this.credentialsWatch.start();
    this.driver.drive();
  }

  /**
   * Closes every socket, cancels every timer and completes every stream;
   * TURN allocations are deallocated (Refresh LIFETIME 0, not waited for).
   * Idempotent.
   */
  stop(): void {
    if (this.context.stopped) return;
    this.context.stopped = true;
    // First, while the host sockets are open: deallocate (not waiting for answers), close TURN connections.
    this.remotes.close();
    this.gathering.close();
    this.driver.close();
    this.credentialsWatch.disarm();
    this.credentials.close();
    this.ufrags.releaseAll();
    this.transportClosed?.unsubscribe();
    this.streams.connectionState.next('closed');
    this.streams.complete();
    this.context.tracer.complete();
  }

  /**
   * A W3C-shaped view of the stats, like `RTCPeerConnection.getStats()`'s
   * `RTCStatsReport` (synchronous here): a `Map` from id to entries of type
   * `transport` (one), `candidate-pair`, `local-candidate` and
   * `remote-candidate`, with W3C field names and units (round-trip times in
   * seconds, bytes and packets per pair). Covers the current generation and,
   * after a restart, the previous one while it still carries data. Not
   * JSON-safe as a whole (a `Map`): `Object.fromEntries(report)` is.
   *
   * @example
   * ```ts
   * for (const stats of agent.getStatsReport().values()) {
   *   if (stats.type === 'candidate-pair' && stats.nominated) console.log(stats.currentRoundTripTime);
   * }
   * ```
   */
  getStatsReport(): IceStatsReport {
    const { session, previous, sessionGeneration, previousGeneration } = this.driver;
    const sessions = [{ session, generation: sessionGeneration }];
    if (previous) sessions.push({ session: previous, generation: previousGeneration });
    let sendErrors = 0;
    for (const bound of this.context.sockets.values()) sendErrors += bound.socket.sendErrors;
    return buildStatsReport({
      now: nowOf(this.context),
      sessions,
      dataPair: session.selectedPair ?? previous?.selectedPair,
      transport: { ...this.context.counters, sendErrors },
      state: this.streams.connectionState.value,
      role: session.role,
      localUfrag: session.localCredentials.ufrag,
      selectedPairChanges: this.driver.selectedPairChanges,
      servers: this.gathering.servers?.stats().attempts ?? [],
      tcp: this.context.options.tcp === false ? undefined : this.tcpCounters(),
    });
  }

  private tcpCounters() {
    const sockets = this.context.sockets;
    return { total: sumTcpCounters(sockets.values()), bySocket: (id: number) => tcpCountersOf(sockets, id) };
  }

  private plainLocalCandidates(): Candidate[] {
    return this.driver.session.localCandidates
      .filter((c) => c.candidate.type !== 'prflx')
      .map((c) => c.candidate);
  }

  private assertRunning(method: string): void {
    if (this.context.stopped) throw new InvalidStateError(`${method}() after stop()`);
  }
}
