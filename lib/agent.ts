import { randomBytes } from 'node:crypto';
import {
  BehaviorSubject,
  catchError,
  EMPTY,
  filter,
  from,
  map,
  mergeMap,
  type Observable,
  ReplaySubject,
  Subject,
  type Subscription,
  switchAll,
} from 'rxjs';
import { candidatePriority, computeFoundation, localPreference, parseCandidate } from './candidate.js';
import type { Candidate } from './candidate-types.js';
import { canonicalAddress } from './core/address.js';
import { generateCredentials, type IceCredentials, validateCredentials } from './core/credentials.js';
import { diffHostAddresses, type InterfaceChange } from './core/interfaces.js';
import { type CandidatePair, type IceRole, isOnPath } from './core/pair.js';
import { type ConnectionState, IceSession, type SessionEvent } from './core/session.js';
import { InvalidArgumentError, InvalidStateError, LimitExceededError } from './errors.js';
import { LocalNamePublisher, RemoteNameResolver } from './mdns/agent-mdns.js';
import { isMdnsHostname } from './mdns/names.js';
import { type IceAgentOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { type AgentStats, buildStats, createTransportCounters, type TransportCounters } from './stats.js';
import { decodeStun } from './stun/message.js';
import type { HostAddress, InboundPacket, PacketSocket } from './transport/types.js';
import { ServerGathering } from './turn/gathering.js';
import { TurnRelaySocket } from './turn/relay-socket.js';
import type { IceServerError } from './turn/server-error.js';

/** Gathering states (W3C `RTCIceGatheringState`). */
export type GatheringState = 'new' | 'gathering' | 'complete';

/** The pair data flows over: what each side sees of the path. */
export interface SelectedPair {
  /** The local candidate of the pair. */
  readonly local: Candidate;
  /** The remote candidate of the pair (possibly peer-reflexive, learned from a check). */
  readonly remote: Candidate;
}

interface BoundSocket {
  readonly id: number;
  readonly socket: PacketSocket;
  /** The socket's own candidate: a host candidate, or a relayed one for a TURN relay socket. */
  readonly host: Candidate;
  readonly subscription: Subscription;
  /** Server-reflexive candidates learned for this socket (re-announced on restart). */
  readonly reflexive: Candidate[];
}

/** Largest UDP payload over IPv4 (65535 − 8-byte UDP header − 20-byte IP header). */
const MAX_DATAGRAM = 65_507;

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
  /** Local candidates as gathered; late subscribers get the current generation replayed. Completes on `stop()`. */
  readonly candidates$: Observable<Candidate>;
  /** Gathering state; emits the current value on subscribe. */
  readonly gatheringState$: Observable<GatheringState>;
  /** Connection state; emits the current value on subscribe. */
  readonly connectionState$: Observable<ConnectionState>;
  /** The pair data flows over, whenever it changes; replays the current one. */
  readonly selectedPair$: Observable<SelectedPair>;
  /** Application datagrams from validated remote addresses (never STUN). Hot. */
  readonly data$: Observable<Uint8Array>;
  /** Role changes after a role conflict (RFC 8445 §7.3.1.1); replays the current role. */
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

  private readonly options: ResolvedOptions;
  private readonly serverErrors = new Subject<IceServerError>();
  /** STUN/TURN server attempts; created when gathering first starts. */
  private servers: ServerGathering | undefined;
  private readonly generations = new BehaviorSubject<ReplaySubject<Candidate>>(
    new ReplaySubject<Candidate>(),
  );
  private readonly gatheringState = new BehaviorSubject<GatheringState>('new');
  private readonly connectionState = new BehaviorSubject<ConnectionState>('new');
  private readonly selected = new BehaviorSubject<SelectedPair | undefined>(undefined);
  private readonly data = new Subject<Uint8Array>();
  private readonly role = new BehaviorSubject<IceRole>('controlling');
  private readonly interfaceChanges = new Subject<InterfaceChange>();
  /** Addresses whose host socket is being bound after a network change (so a poll does not bind twice). */
  private readonly bindingAddresses = new Set<string>();
  private nextInterfacePollAt: number | undefined;
  /** The path data flowed over before the last restart's switch: datagrams still in flight on it are accepted. */
  private retiredPath: CandidatePair | undefined;
  private readonly sockets = new Map<number, BoundSocket>();
  private readonly counters: TransportCounters = createTransportCounters();
  private readonly tieBreaker: bigint;
  private session: IceSession;
  /** The session before the last restart: it keeps carrying data until the new one selects a pair. */
  private previous: IceSession | undefined;
  private generation = 0;
  private gathering: Subscription | undefined;
  private timer: Subscription | undefined;
  private timerAt: number | undefined;
  private nextSocketId = 1;
  private stopped = false;
  /** Remote candidates tagged with a ufrag whose credentials have not arrived yet (a remote restart); bounded. */
  private readonly nextGenerationCandidates: Candidate[] = [];
  /** Resolves the remote's `.local` candidates (absent with `mdns: 'off'` or no resolver). */
  private readonly remoteNames: RemoteNameResolver | undefined;
  /** Publishes our host addresses under `.local` names (`mdns: 'publish'` only). */
  private readonly localNames: LocalNamePublisher | undefined;

  constructor(options: IceAgentOptions) {
    this.options = resolveOptions(options);
    this.tieBreaker = this.options.tieBreaker ?? randomBytes(8).readBigUInt64BE();
    this.role.next(this.options.role);
    this.session = this.createSession(generateCredentials(), this.options.role);
    this.candidates$ = this.generations.pipe(switchAll());
    this.gatheringState$ = this.gatheringState.asObservable();
    this.connectionState$ = this.connectionState.asObservable();
    this.selectedPair$ = this.selected.pipe(filter((p): p is SelectedPair => p !== undefined));
    this.data$ = this.data.asObservable();
    this.role$ = this.role.asObservable();
    this.interfaceChanges$ = this.interfaceChanges.asObservable();
    this.errors$ = this.serverErrors.asObservable();
    const { mdnsResolver, mdnsPublisher, scheduler, mdnsTimeout, maxRemoteCandidates } = this.options;
    if (mdnsResolver) {
      this.remoteNames = new RemoteNameResolver(
        mdnsResolver,
        scheduler,
        mdnsTimeout,
        maxRemoteCandidates,
        this.counters,
      );
    }
    if (mdnsPublisher) this.localNames = new LocalNamePublisher(mdnsPublisher);
  }

  /**
   * Starts gathering host candidates (and, with `iceServers`, server-reflexive
   * and relayed ones). Candidates arrive on `candidates$`; `gatheringState$`
   * goes `gathering` → `complete`. Calling it again while gathering or after
   * it completed does nothing.
   */
  gatherCandidates(): void {
    this.assertRunning('gatherCandidates');
    if (this.gatheringState.value !== 'new') return;
    this.gatheringState.next('gathering');
    this.startInterfacePolling();
    if (this.sockets.size > 0) {
      // Restart: the host sockets stay; their candidates start a new generation.
      for (const bound of this.sockets.values()) this.announceHost(bound);
      // Srflx candidates are kept (allocations were renewed by restart()); failed server attempts are tried again.
      this.servers?.retryFailed();
      this.maybeFinishGathering();
      return;
    }
    const { transport, ipFilter, ports } = this.options;
    // Under the relay policy host sockets are still bound (TURN over UDP leaves from them), never announced.
    const addresses = selectHostAddresses(transport.hostAddresses(), ipFilter);
    this.servers?.close();
    this.servers = this.createServerGathering();
    this.gathering = from(addresses)
      .pipe(
        mergeMap((host, index) =>
          transport.bind(host.address, ports).pipe(
            map((socket) => ({ socket, index })),
            catchError(() => {
              this.counters.bindErrors++;
              return EMPTY;
            }),
          ),
        ),
      )
      .subscribe({
        next: ({ socket, index }) => this.addHostSocket(socket, index),
        complete: () => this.servers?.hostSocketsDone(),
      });
  }

  /** This agent's ufrag and pwd; they change only on `restart()`. */
  getLocalCredentials(): IceCredentials {
    return this.session.localCredentials;
  }

  /**
   * The remote's ufrag and pwd (RFC 8839 ice-chars, ufrag 4–256, pwd 22–256
   * characters). Connectivity checks start once these are known.
   */
  setRemoteCredentials(ufrag: string, pwd: string): void {
    this.assertRunning('setRemoteCredentials');
    const credentials = validateCredentials(ufrag, pwd);
    const known = this.session.remoteCredentials;
    if (known && known.ufrag === credentials.ufrag && known.pwd === credentials.pwd) return;
    if (known) this.restart(); // new remote credentials mean the remote restarted ICE (RFC 8445 §9)
    this.session.setRemoteCredentials(credentials, this.now());
    // Candidates of this generation that overtook its credentials (see addRemoteCandidate).
    const early = this.nextGenerationCandidates.splice(0);
    for (const candidate of early)
      if (candidate.ufrag === credentials.ufrag) this.acceptRemoteCandidate(candidate);
    this.drive();
  }

  /**
   * Adds a remote candidate from its `candidate:` attribute string (with or
   * without `a=`). Throws `InvalidCandidateError` for a malformed string,
   * `LimitExceededError` when the remote-candidate table is full. Non-UDP and
   * unresolved `.local` candidates are accepted and ignored (counted in stats).
   * A candidate tagged with a `ufrag` other than the remote's current one (as
   * browsers tag them) belongs to the remote's next generation: it is held
   * until `setRemoteCredentials` brings that ufrag, so a remote restart loses
   * no candidate whichever arrives first.
   */
  addRemoteCandidate(candidate: string): void {
    this.assertRunning('addRemoteCandidate');
    if (typeof candidate !== 'string')
      throw new InvalidArgumentError('addRemoteCandidate takes a candidate string');
    const parsed = parseCandidate(candidate);
    if (parsed.component !== 1) {
      throw new InvalidArgumentError(`only component 1 is supported, got component ${parsed.component}`);
    }
    const known = this.session.remoteCredentials;
    if (parsed.ufrag !== undefined && known !== undefined && parsed.ufrag !== known.ufrag) {
      // Tagged with another ufrag (RFC 8839): the remote restarted and this candidate overtook the
      // new credentials. Held until they arrive, so the new session gets it.
      if (this.nextGenerationCandidates.length >= this.options.maxRemoteCandidates) {
        throw new LimitExceededError(
          `too many candidates waiting for the credentials of ufrag ${parsed.ufrag} (${this.options.maxRemoteCandidates})`,
        );
      }
      this.nextGenerationCandidates.push(parsed);
      return;
    }
    this.acceptRemoteCandidate(parsed);
  }

  private acceptRemoteCandidate(parsed: Candidate): void {
    if (this.remoteNames && isMdnsHostname(parsed.address)) {
      // Added once resolved, to the session of this generation only; meanwhile checks from the
      // remote reveal it as a peer-reflexive candidate anyway.
      const session = this.session;
      this.remoteNames.resolve(parsed.address, (address) => {
        if (this.stopped || session !== this.session) return;
        this.addResolvedCandidate({ ...parsed, address: canonicalAddress(address) });
      });
      return;
    }
    this.addResolvedCandidate({ ...parsed, address: canonicalAddress(parsed.address) });
  }

  private addResolvedCandidate(candidate: Candidate): void {
    const outcome = this.session.addRemoteCandidate(candidate, this.now());
    if (outcome === 'limit') {
      throw new LimitExceededError(
        `remote candidate table is full (${this.options.maxRemoteCandidates} candidates)`,
      );
    }
    if (outcome === 'added') this.permitOnRelays(candidate.address);
    this.drive();
  }

  /** The remote finished gathering (`a=end-of-candidates`). */
  endOfCandidates(): void {
    this.assertRunning('endOfCandidates');
    this.session.endOfRemoteCandidates(this.now());
    this.drive();
  }

  /** Local candidates gathered so far in the current generation. */
  getLocalCandidates(): Candidate[] {
    return this.session.localCandidates.filter((c) => c.candidate.type !== 'prflx').map((c) => c.candidate);
  }

  /** Remote candidates: signaled ones and peer-reflexive ones learned from checks. */
  getRemoteCandidates(): Candidate[] {
    return [...this.session.remoteCandidates];
  }

  /**
   * Sends one datagram over the selected pair. Throws `InvalidStateError`
   * before a pair is selected or after `stop()`, `InvalidArgumentError` for
   * anything but a `Uint8Array` of at most 65507 bytes.
   */
  send(data: Uint8Array): void {
    if (this.stopped) throw new InvalidStateError('send() after stop()');
    if (!(data instanceof Uint8Array)) throw new InvalidArgumentError('send() takes a Uint8Array');
    if (data.byteLength > MAX_DATAGRAM) {
      throw new InvalidArgumentError(`datagram of ${data.byteLength} bytes exceeds ${MAX_DATAGRAM}`);
    }
    // Until a restart's new session selects a pair, the previous one carries the data.
    const carrier = this.session.selectedPair ? this.session : this.previous;
    const pair = carrier?.selectedPair;
    if (!carrier || !pair)
      throw new InvalidStateError('send() needs a selected pair: wait for connectionState$ "connected"');
    if (!carrier.canSendData()) {
      throw new InvalidStateError(
        `send() refused: ICE ${carrier.state} (${carrier.failureReason ?? 'closed'}); restart() to reconnect`,
      );
    }
    const bound = this.sockets.get(pair.local.socketId);
    if (!bound) throw new InvalidStateError('the selected pair lost its socket');
    bound.socket.send(data, pair.remote.port, pair.remote.address);
    carrier.lastDataSentAt = this.now(); // keepalives wait for Tr of silence after this
    this.counters.packetsSent++;
    this.counters.bytesSent += data.byteLength;
  }

  /** A snapshot of counters, candidates and pairs (JSON-safe). */
  getStats(): AgentStats {
    let sendErrors = 0;
    for (const bound of this.sockets.values()) sendErrors += bound.socket.sendErrors;
    return buildStats({
      session: this.session,
      transport: { ...this.counters, sendErrors },
      gatheringState: this.gatheringState.value,
      generation: this.generation,
      localCandidates: this.getLocalCandidates(),
      servers: this.servers?.stats(),
      now: this.now(),
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
   */
  restart(): void {
    this.assertRunning('restart');
    const old = this.session;
    if (old.canSendData()) {
      this.previous?.close();
      this.previous = old; // carries data (and keeps its consent and keepalives) until the new session selects
    } else {
      old.close();
      if (this.previous && !this.previous.canSendData()) {
        this.previous.close();
        this.previous = undefined;
      }
    }
    this.generation++;
    this.session = this.createSession(generateCredentials(), this.role.value);
    this.generations.next(new ReplaySubject<Candidate>());
    this.renewRelays(); // before re-announcing: renewed relays are announced once allocated
    if (this.gathering && !this.gathering.closed) {
      // First gathering still running: re-announce what is bound; its completion ends this generation too.
      for (const bound of this.sockets.values()) this.announceHost(bound);
    } else if (this.gatheringState.value !== 'new') {
      this.gatheringState.next('new');
      this.gatherCandidates();
    }
    this.drive();
  }

  /**
   * Closes every socket, cancels every timer and completes every stream;
   * TURN allocations are deallocated (Refresh LIFETIME 0, not waited for).
   * Idempotent.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.gathering?.unsubscribe();
    this.timer?.unsubscribe();
    // First, while the host sockets are open: deallocate (not waiting for answers), close TURN connections.
    this.servers?.close();
    this.remoteNames?.close();
    this.localNames?.close();
    for (const bound of this.sockets.values()) {
      bound.subscription.unsubscribe();
      bound.socket.close();
    }
    this.sockets.clear();
    this.session.close();
    this.previous?.close();
    this.previous = undefined;
    this.connectionState.next('closed');
    this.generations.value.complete();
    for (const subject of [
      this.generations,
      this.gatheringState,
      this.connectionState,
      this.selected,
      this.data,
      this.role,
      this.interfaceChanges,
      this.serverErrors,
    ]) {
      subject.complete();
    }
  }

  // ---- gathering --------------------------------------------------------------

  private addHostSocket(socket: PacketSocket, interfaceIndex: number): void {
    if (this.stopped) {
      socket.close();
      return;
    }
    const id = this.nextSocketId++;
    const host: Candidate = {
      foundation: computeFoundation('host', socket.address, 'udp'),
      component: 1,
      transport: 'udp',
      priority: candidatePriority(
        'host',
        localPreference(socket.address, Math.min(interfaceIndex, 16383)),
        1,
      ),
      address: socket.address,
      port: socket.port,
      type: 'host',
      extensions: [],
    };
    // One subscription (and closure) per socket; the per-datagram path allocates nothing of its own.
    const subscription = socket.packets$.subscribe((packet) => this.receive(id, packet));
    const bound: BoundSocket = { id, socket, host, subscription, reflexive: [] };
    this.sockets.set(id, bound);
    this.announceHost(bound);
    this.servers?.addHostSocket(id, socket, host);
  }

  /** Announces a socket's candidates in the current generation (never host ones under the relay policy). */
  private announceHost(bound: BoundSocket): void {
    if (bound.host.type !== 'host' || this.options.iceTransportPolicy !== 'relay') {
      this.announce(bound.host, bound.id);
    }
    for (const candidate of bound.reflexive) this.announce(candidate, bound.id);
  }

  private announce(local: Candidate, socketId: number): void {
    const candidate: Candidate = { ...local, generation: this.generation };
    this.session.addLocalCandidate({ candidate, socketId }, this.now());
    this.generations.value.next(this.localNames ? this.hideAddress(candidate) : candidate);
    this.drive();
  }

  /** `mdns: 'publish'`: host addresses are signaled as `.local` names, and no candidate reveals one in raddr. */
  private hideAddress(candidate: Candidate): Candidate {
    const names = this.localNames as LocalNamePublisher;
    if (candidate.type === 'host') return { ...candidate, address: names.nameFor(candidate.address) };
    if (candidate.type === 'srflx') return { ...candidate, relatedAddress: '0.0.0.0', relatedPort: 0 };
    return candidate;
  }

  private createServerGathering(): ServerGathering {
    const o = this.options;
    return new ServerGathering({
      servers: o.iceServers,
      gatherReflexive: o.iceTransportPolicy !== 'relay',
      scheduler: o.scheduler,
      retransmission: o.serverRetransmission,
      tls: o.turnTls,
      hooks: {
        reflexive: (socketId, candidate) => {
          const bound = this.sockets.get(socketId);
          if (!bound || this.stopped) return;
          bound.reflexive.push(candidate);
          this.announce(candidate, socketId);
        },
        relayed: (socket, candidate) => this.addRelaySocket(socket, candidate),
        error: (error) => this.serverErrors.next(error),
        progress: () => this.maybeFinishGathering(),
      },
    });
  }

  /** A TURN allocation succeeded: its relayed address becomes a socket of its own, like a host socket. */
  private addRelaySocket(socket: TurnRelaySocket, candidate: Candidate): void {
    if (this.stopped) {
      socket.close();
      return;
    }
    const id = this.nextSocketId++;
    const subscription = socket.packets$.subscribe({
      next: (packet) => this.receive(id, packet),
      // The allocation ended (refresh failed, server gone, TCP/TLS connection lost, renewed on restart).
      complete: () => this.relayEnded(id),
    });
    const bound: BoundSocket = { id, socket, host: candidate, subscription, reflexive: [] };
    this.sockets.set(id, bound);
    for (const remote of this.session.remoteCandidates) socket.permit(remote.address);
    this.announceHost(bound);
  }

  /**
   * A relay socket completed: its allocation is over. Its candidate, pairs and
   * checks are dropped like those of a vanished interface (the `errors$` event
   * came first); when it carried the selected pair the state goes `failed`
   * (`local-address`) and the app restarts.
   */
  private relayEnded(socketId: number): void {
    const bound = this.sockets.get(socketId);
    if (this.stopped || !bound) return;
    this.retireSocket(bound, this.now());
    this.drive();
  }

  /**
   * ICE restart, TURN side: an allocation whose relayed candidate carries the
   * previous session's selected pair is kept (re-announced in the new
   * generation) — on UDP it cannot be replaced without cutting the data path,
   * since a host socket holds one allocation per server (RFC 8656 §2.2, 5-tuple)
   * — every other live allocation is deallocated (Refresh LIFETIME 0) and
   * allocated afresh for the new generation.
   */
  private renewRelays(): void {
    const carrier = this.previous?.selectedPair?.local.socketId;
    const inUse = carrier === undefined ? undefined : this.sockets.get(carrier)?.socket;
    this.servers?.renewAllocations((relay) => relay === inUse);
  }

  /** TURN permissions for a new remote candidate's IP, before any check needs them. */
  private permitOnRelays(address: string): void {
    for (const bound of this.sockets.values()) {
      if (bound.socket instanceof TurnRelaySocket) bound.socket.permit(address);
    }
  }

  /** Gathering is complete once every host socket is bound and every server attempt has finished. */
  private maybeFinishGathering(): void {
    if (this.gatheringState.value === 'gathering' && this.servers?.settled) this.finishGathering();
  }

  private finishGathering(): void {
    if (this.stopped) return;
    this.gatheringState.next('complete');
    this.session.endOfLocalCandidates(this.now());
    this.drive();
  }

  // ---- the packet path ----------------------------------------------------------

  private receive(socketId: number, packet: InboundPacket): void {
    const data = packet.data;
    const first = data[0];
    // Answers of STUN/TURN servers (STUN 0–3, ChannelData 64–79) on a host socket go to their server
    // attempt, by source address; other first bytes (application data) are never looked up.
    if (
      first !== undefined &&
      (first < 4 || (first >= 64 && first < 80)) &&
      this.servers?.route(socketId, packet)
    ) {
      return;
    }
    // RFC 7983: a first byte of 0–3 is STUN; decide before decoding anything.
    if (data.length > 0 && (data[0] as number) < 4) {
      const message = decodeStun(data);
      if (!message) {
        this.counters.malformedPackets++;
        return;
      }
      const session = this.sessionFor(message.username, message.cls === 'request', message.transactionId);
      session.handleStun(socketId, packet.address, packet.port, message, this.now());
      this.drive();
      return;
    }
    const session = this.session;
    if (
      session.acceptsDataFrom(socketId, packet.address, packet.port) ||
      this.previous?.acceptsDataFrom(socketId, packet.address, packet.port) ||
      (this.retiredPath !== undefined && isOnPath(this.retiredPath, socketId, packet.address, packet.port))
    ) {
      this.counters.packetsReceived++;
      this.counters.bytesReceived += data.byteLength;
      this.data.next(data);
    } else {
      this.counters.droppedDataPackets++;
    }
  }

  /** After a restart, requests for the old ufrag and answers to its checks still belong to the old session. */
  private sessionFor(
    username: string | undefined,
    isRequest: boolean,
    transactionId: Uint8Array,
  ): IceSession {
    const previous = this.previous;
    if (!previous) return this.session;
    if (isRequest) {
      return username?.startsWith(`${previous.localCredentials.ufrag}:`) ? previous : this.session;
    }
    return previous.ownsTransaction(transactionId) ? previous : this.session;
  }

  // ---- driving the sans-IO sessions -----------------------------------------------

  private createSession(localCredentials: IceCredentials, role: IceRole): IceSession {
    const o = this.options;
    return new IceSession({
      role,
      tieBreaker: this.tieBreaker,
      localCredentials,
      ta: o.ta,
      checklistLimit: o.checklistLimit,
      maxRemoteCandidates: o.maxRemoteCandidates,
      retransmission: o.retransmission,
      nominationDelay: o.nominationDelay,
      candidateWait: o.candidateWait,
      pacTimeout: o.pacTimeout,
      liveness: {
        disconnectedTimeout: o.disconnectedTimeout,
        keepaliveInterval: o.keepaliveInterval,
        random: o.random,
      },
      remoteIceLite: o.remoteIceLite,
      lite: o.lite,
      liteTimeout: o.liteTimeout,
    });
  }

  /** Flushes what the sessions produced (datagrams, events) and re-arms the single timer. */
  private drive(): void {
    if (this.stopped) return;
    this.flush(this.session);
    if (this.previous) this.flush(this.previous);
    this.rearmTimer();
  }

  private flush(session: IceSession): void {
    for (let t = session.pollTransmit(); t !== undefined; t = session.pollTransmit()) {
      this.sockets.get(t.socketId)?.socket.send(t.data, t.port, t.address);
    }
    for (let e = session.pollEvent(); e !== undefined; e = session.pollEvent()) this.onEvent(session, e);
  }

  private onEvent(session: IceSession, event: SessionEvent): void {
    if (session !== this.session) {
      // The old generation only carries data now; its liveness shows until the new one connects.
      if (event.type === 'state' && isBeforeConnection(this.session.state)) this.showState(event.state);
      return;
    }
    switch (event.type) {
      case 'state':
        // While the old generation still carries data, a restart is not a loss of connectivity.
        this.showState(this.previous && isBeforeConnection(event.state) ? this.previous.state : event.state);
        break;
      case 'selected-pair': {
        // Data over a relay: bind a TURN channel to the peer (4-byte ChannelData headers from now on).
        const local = this.sockets.get(event.pair.local.socketId)?.socket;
        if (local instanceof TurnRelaySocket)
          local.bindChannel(event.pair.remote.address, event.pair.remote.port);
        this.selected.next(toSelectedPair(event.pair));
        if (this.previous) {
          this.retiredPath = this.previous.selectedPair;
          this.previous.close();
          this.previous = undefined;
        }
        break;
      }
      case 'role':
        this.role.next(event.role);
        break;
      case 'remote-candidate':
        break;
    }
  }

  private rearmTimer(): void {
    const now = this.now();
    let at = this.session.nextTimeout(now);
    const previousAt = this.previous?.nextTimeout(now);
    if (previousAt !== undefined) at = at === undefined ? previousAt : Math.min(at, previousAt);
    // Interface polls ride along while a session is active: they never keep an idle agent awake.
    const pollAt = this.nextInterfacePollAt;
    if (pollAt !== undefined && at !== undefined) at = Math.min(at, pollAt);
    if (at === this.timerAt && this.timer) return;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.options.scheduler.schedule(() => this.onTimer(), Math.max(0, at - now));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = undefined;
    const now = this.now();
    if (this.nextInterfacePollAt !== undefined && now >= this.nextInterfacePollAt) this.pollInterfaces(now);
    this.session.handleTimeout(now);
    this.previous?.handleTimeout(now);
    this.drive();
  }

  /** A restart that reconnects is not a state change for the application: only changes are emitted. */
  private showState(state: ConnectionState): void {
    if (this.connectionState.value !== state) this.connectionState.next(state);
  }

  // ---- network changes --------------------------------------------------------------

  private startInterfacePolling(): void {
    const { interfacePollInterval, iceTransportPolicy } = this.options;
    if (interfacePollInterval === 0 || iceTransportPolicy === 'relay') return;
    this.nextInterfacePollAt ??= this.now() + interfacePollInterval;
  }

  /** One poll of the transport's addresses: gather on new ones, retire vanished ones, report. */
  private pollInterfaces(now: number): void {
    this.nextInterfacePollAt = now + this.options.interfacePollInterval;
    if (this.gathering && !this.gathering.closed) return; // the first gathering is still binding
    const { transport, ipFilter, ports } = this.options;
    const current = selectHostAddresses(transport.hostAddresses(), ipFilter);
    const gathered = new Set(this.bindingAddresses);
    for (const bound of this.sockets.values())
      if (bound.host.type === 'host') gathered.add(bound.socket.address);
    const { added, removed } = diffHostAddresses(gathered, current);
    if (added.length === 0 && removed.length === 0) return;
    let selectedPairLost = false;
    for (const bound of [...this.sockets.values()]) {
      if (bound.host.type === 'host' && removed.includes(bound.socket.address)) {
        selectedPairLost = this.retireSocket(bound, now) || selectedPairLost;
      }
    }
    for (const host of added) {
      this.bindingAddresses.add(host.address);
      transport.bind(host.address, ports).subscribe({
        next: (socket) => this.addHostSocket(socket, Math.max(0, current.indexOf(host))),
        error: () => {
          this.counters.bindErrors++;
          this.bindingAddresses.delete(host.address);
        },
        complete: () => this.bindingAddresses.delete(host.address),
      });
    }
    this.drive();
    this.interfaceChanges.next({ added, removed, selectedPairLost });
  }

  /** Closes a socket whose address vanished; true when it carried the selected pair. */
  private retireSocket(bound: BoundSocket, now: number): boolean {
    this.servers?.removeHostSocket(bound.id); // its STUN/TURN attempts end with it
    bound.subscription.unsubscribe();
    bound.socket.close();
    this.sockets.delete(bound.id);
    const lost = this.session.removeLocalSocket(bound.id, now);
    if (!this.previous?.removeLocalSocket(bound.id, now)) return lost;
    // The old generation lost its path mid-restart: nothing left for it to carry.
    this.previous.close();
    this.previous = undefined;
    if (isBeforeConnection(this.session.state)) this.showState(this.session.state);
    return true;
  }

  private now(): number {
    return this.options.scheduler.now();
  }

  private assertRunning(method: string): void {
    if (this.stopped) throw new InvalidStateError(`${method}() after stop()`);
  }
}

function selectHostAddresses(
  addresses: readonly HostAddress[],
  ipFilter: ResolvedOptions['ipFilter'],
): HostAddress[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    if (seen.has(a.address) || !ipFilter(a.address, a.iface, a.internal)) return false;
    seen.add(a.address);
    return true;
  });
}

/** States in which a session has no pair to carry data yet. */
function isBeforeConnection(state: ConnectionState): boolean {
  return state === 'new' || state === 'checking';
}

function toSelectedPair(pair: CandidatePair): SelectedPair {
  return { local: pair.local.candidate, remote: pair.remote };
}
