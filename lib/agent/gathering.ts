/**
 * Local candidates of an agent: binds host sockets, runs the STUN/TURN
 * server attempts, adds relay sockets for TURN allocations, announces every
 * candidate of the current generation and retires sockets that are gone.
 * @internal
 * @module
 */
import { catchError, EMPTY, from, map, merge, mergeMap, type Subscription } from 'rxjs';
import { candidatePriority, computeFoundation, localPreference } from '../candidate.js';
import type { Candidate } from '../candidate-types.js';
import { CandidateShaper, type IceCandidate } from '../ice-candidate.js';
import type { LocalNamePublisher } from '../mdns/agent-mdns.js';
import type { ResolvedOptions } from '../options.js';
import { endpoint } from '../trace-events.js';
import type { TcpPacketSocket } from '../transport/tcp-packet-socket.js';
import type { HostAddress, InboundPacket, PacketSocket } from '../transport/types.js';
import { ServerGathering } from '../turn/gathering.js';
import { TurnRelaySocket } from '../turn/relay-socket.js';
import { type AgentContext, type BoundSocket, nowOf } from './context.js';
import type { SessionDriver } from './session-driver.js';
import { openTcpSockets, tcpHostCandidate } from './tcp-gathering.js';

/** The transport's addresses the `ipFilter` selects, each once. */
export function selectHostAddresses(
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

/** Gathering and the socket table. */
export class LocalGathering {
  /** STUN/TURN server attempts; created when gathering first starts. */
  servers: ServerGathering | undefined;
  /** The first gathering's binds. */
  private binding: Subscription | undefined;
  private nextSocketId = 1;
  private readonly shaper = new CandidateShaper();

  constructor(
    private readonly context: AgentContext,
    private readonly driver: SessionDriver,
    private readonly receive: (socketId: number, packet: InboundPacket) => void,
    /** Datagrams of an ICE-TCP candidate's connections (they also authenticate the connection). */
    private readonly receiveTcp: (socketId: number, socket: TcpPacketSocket, packet: InboundPacket) => void,
    /** Publishes our host addresses under `.local` names (`mdns: 'publish'` only). */
    private readonly localNames: LocalNamePublisher | undefined,
  ) {}

  /** The first gathering is still binding host sockets. */
  get binds(): boolean {
    return this.binding !== undefined && !this.binding.closed;
  }

  /** Starts gathering (state already set to `gathering`). */
  start(): void {
    const { sockets, options } = this.context;
    if (sockets.size > 0) {
      // Restart: the host sockets stay; their candidates start a new generation.
      for (const bound of sockets.values()) this.announceHost(bound);
      // Srflx candidates are kept (allocations were renewed by restart()); failed server attempts are tried again.
      this.servers?.retryFailed();
      this.maybeFinish();
      return;
    }
    const { transport, ipFilter, ports } = options;
    // Under the relay policy host sockets are still bound (TURN over UDP leaves from them), never announced.
    const addresses = selectHostAddresses(transport.hostAddresses(), ipFilter);
    this.servers?.close();
    this.servers = this.createServerGathering();
    // tcp: 'only' binds no UDP socket (RFC 6544 candidates only).
    const udp$ = from(options.tcp === 'only' ? [] : addresses).pipe(
      mergeMap((host, index) =>
        transport.bind(host.address, ports).pipe(
          map((socket) => ({ socket, index })),
          catchError(() => {
            this.context.counters.bindErrors++;
            return EMPTY;
          }),
        ),
      ),
    );
    const tcp$ =
      options.tcp === false
        ? EMPTY
        : openTcpSockets(
            transport,
            addresses,
            ports,
            {
              limits: options.tcpLimits.socket,
              preAuth: {
                scheduler: options.scheduler,
                timeout: options.tcpLimits.preAuthTimeout,
                maxBytes: options.tcpLimits.preAuthMaxBytes,
              },
              simultaneousOpen: { scheduler: options.scheduler, random: options.random },
            },
            () => this.context.counters.bindErrors++,
          ).pipe(map((tcp) => ({ ...tcp, tcp: true as const })));
    this.binding = merge(udp$, tcp$).subscribe({
      next: (bound) =>
        'tcp' in bound
          ? this.addTcpSocket(bound.socket, bound.index)
          : this.addHostSocket(bound.socket, bound.index),
      complete: () => this.servers?.hostSocketsDone(),
    });
  }

  /** A restart: re-announces what is bound while the first gathering still binds (its completion ends this generation too). */
  reannounce(): void {
    for (const bound of this.context.sockets.values()) this.announceHost(bound);
  }

  /** Binds and announces a host socket; `interfaceIndex` orders local preferences. */
  addHostSocket(socket: PacketSocket, interfaceIndex: number): void {
    if (this.context.stopped) {
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
    this.context.sockets.set(id, bound);
    socket.setLocalUfrags?.(this.driver.localUfrags()); // a shared socket (UdpMux) routes checks by them
    this.announceHost(bound);
    this.servers?.addHostSocket(id, socket, host);
  }

  /** Announces an ICE-TCP host candidate (not given to STUN/TURN servers: they are reached over UDP). */
  private addTcpSocket(socket: TcpPacketSocket, interfaceIndex: number): void {
    if (this.context.stopped) {
      socket.close();
      return;
    }
    const id = this.nextSocketId++;
    const host = tcpHostCandidate(socket, interfaceIndex);
    const subscription = socket.packets$.subscribe((packet) => this.receiveTcp(id, socket, packet));
    const bound: BoundSocket = { id, socket, host, subscription, reflexive: [] };
    this.context.sockets.set(id, bound);
    this.announceHost(bound);
  }

  /**
   * ICE restart, TURN side: an allocation whose relayed candidate carries the
   * previous session's selected pair (or the pair its nomination in flight
   * names: the peer may have selected it) is kept (re-announced in the new
   * generation) — on UDP it cannot be replaced without cutting the data path,
   * since a host socket holds one allocation per server (RFC 8656 §2.2, 5-tuple)
   * — every other live allocation is deallocated (Refresh LIFETIME 0) and
   * allocated afresh for the new generation.
   */
  renewRelays(): void {
    const previous = this.driver.previous;
    const carrier = (previous?.selectedPair ?? previous?.nominationInFlight())?.local.socketId;
    const inUse = carrier === undefined ? undefined : this.context.sockets.get(carrier)?.socket;
    this.servers?.renewAllocations((relay) => relay === inUse);
  }

  /** TURN permissions for a new remote candidate's IP, before any check needs them. */
  permitOnRelays(address: string): void {
    for (const bound of this.context.sockets.values()) {
      if (bound.socket instanceof TurnRelaySocket) bound.socket.permit(address);
    }
  }

  /** Closes a socket whose address vanished; true when it carried the selected pair. */
  retireSocket(bound: BoundSocket, now: number): boolean {
    this.servers?.removeHostSocket(bound.id); // its STUN/TURN attempts end with it
    bound.subscription.unsubscribe();
    bound.socket.close();
    this.context.sockets.delete(bound.id);
    return this.driver.removeSocket(bound.id, now);
  }

  /** `stop()`: deallocates (not waiting for answers), closes TURN connections, then every socket. */
  close(): void {
    this.binding?.unsubscribe();
    this.servers?.close();
    this.localNames?.close();
    for (const bound of this.context.sockets.values()) {
      bound.subscription.unsubscribe();
      bound.socket.close();
    }
    this.context.sockets.clear();
  }

  /** A candidate of the current generation with its W3C accessors (`candidate`, `toJSON()`, …). */
  shape(candidate: Candidate): IceCandidate {
    const { sdpMid, sdpMLineIndex } = this.context.options;
    const usernameFragment = this.driver.session.localCredentials.ufrag;
    return this.shaper.shape(candidate, { sdpMid, sdpMLineIndex, usernameFragment });
  }

  /** Announces a socket's candidates in the current generation (never host ones under the relay policy). */
  private announceHost(bound: BoundSocket): void {
    if (bound.host.type !== 'host' || this.context.options.iceTransportPolicy !== 'relay') {
      this.announce(bound.host, bound.id);
    }
    for (const candidate of bound.reflexive) this.announce(candidate, bound.id);
  }

  private announce(local: Candidate, socketId: number): void {
    const { context, driver } = this;
    const candidate: Candidate = { ...local, generation: context.generation };
    driver.session.addLocalCandidate({ candidate, socketId }, nowOf(context));
    if (context.tracer.active) {
      const address = endpoint(candidate.address, candidate.port);
      const record = { candidateType: candidate.type, address, transport: candidate.transport } as const;
      context.tracer.emit({ type: 'local-candidate', ...record }, context.generation);
    }
    context.streams.generations.value.next(
      this.shape(this.localNames ? this.hideAddress(candidate) : candidate),
    );
    driver.drive();
  }

  /** `mdns: 'publish'`: host addresses are signaled as `.local` names, and no candidate reveals one in raddr. */
  private hideAddress(candidate: Candidate): Candidate {
    const names = this.localNames as LocalNamePublisher;
    if (candidate.type === 'host') return { ...candidate, address: names.nameFor(candidate.address) };
    if (candidate.type === 'srflx') return { ...candidate, relatedAddress: '0.0.0.0', relatedPort: 0 };
    return candidate;
  }

  private createServerGathering(): ServerGathering {
    const o = this.context.options;
    const { lookupHost, connectServerStream } = o.transport;
    return new ServerGathering({
      servers: o.iceServers,
      gatherReflexive: o.iceTransportPolicy !== 'relay',
      scheduler: o.scheduler,
      retransmission: o.serverRetransmission,
      newTransactionId: o.newTransactionId,
      tls: o.turnTls,
      lookup: lookupHost && ((host) => lookupHost.call(o.transport, host)),
      connectStream: connectServerStream && ((target) => connectServerStream.call(o.transport, target)),
      hooks: {
        reflexive: (socketId, candidate) => {
          const bound = this.context.sockets.get(socketId);
          if (!bound || this.context.stopped) return;
          bound.reflexive.push(candidate);
          this.announce(candidate, socketId);
        },
        relayed: (socket, candidate) => this.addRelaySocket(socket, candidate),
        error: (error) => {
          if (error.kind === 'turn-allocate' && error.fatal) this.driver.noteTurnRefusal(error.code);
          this.context.streams.serverErrors.next(error);
        },
        progress: () => this.maybeFinish(),
        tracing: () => this.context.tracer.active,
        trace: (record) => this.context.tracer.emit(record, this.context.generation),
      },
    });
  }

  /** A TURN allocation succeeded: its relayed address becomes a socket of its own, like a host socket. */
  private addRelaySocket(socket: TurnRelaySocket, candidate: Candidate): void {
    if (this.context.stopped) {
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
    this.context.sockets.set(id, bound);
    for (const remote of this.driver.session.remoteCandidates) socket.permit(remote.address);
    this.announceHost(bound);
  }

  /**
   * A relay socket completed: its allocation is over. Its candidate, pairs and
   * checks are dropped like those of a vanished interface (the `errors$` event
   * came first); when it carried the selected pair the state goes `failed`
   * (`local-address`) and the app restarts.
   */
  private relayEnded(socketId: number): void {
    const bound = this.context.sockets.get(socketId);
    if (this.context.stopped || !bound) return;
    this.retireSocket(bound, nowOf(this.context));
    this.driver.drive();
  }

  /** Gathering is complete once every host socket is bound and every server attempt has finished. */
  private maybeFinish(): void {
    const { streams, stopped } = this.context;
    if (stopped || streams.gatheringState.value !== 'gathering' || !this.servers?.settled) return;
    streams.gatheringState.next('complete');
    this.context.tracer.emit(
      {
        type: 'gathering-state',
        state: 'complete',
        reason: 'every host socket is bound and every STUN/TURN server attempt finished',
      },
      this.context.generation,
    );
    this.driver.session.endOfLocalCandidates(nowOf(this.context));
    this.driver.drive();
  }
}
