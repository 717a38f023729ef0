/**
 * Server gathering: every configured STUN/TURN server tried from every host
 * socket of its address family — Binding probes for server-reflexive
 * candidates, TURN allocations for relayed ones — with the receive-path
 * demultiplexing of server traffic, error reporting and statistics. The
 * agent feeds it host sockets and gets candidates and relay sockets back
 * through {@link ServerGatheringHooks}.
 */
import type { Observable, SchedulerLike, Subscription } from 'rxjs';
import type { Candidate } from '../candidate-types.js';
import { ipVersion } from '../core/address.js';
import type { StunAddress } from '../stun/types.js';
import { endpoint, type ServerTrace } from '../trace-events.js';
import type {
  InboundPacket,
  PacketSocket,
  ServerStreamTarget,
  TcpConnection,
  TurnTlsOptions,
} from '../transport/types.js';
import { type Attempt, type AttemptContext, startAttempt } from './attempts.js';
import { reflexiveCandidate } from './candidates.js';
import type { TurnRelaySocket } from './relay-socket.js';
import { dnsLookup, type HostLookup, literalAddresses } from './resolve.js';
import type { IceServerError } from './server-error.js';
import {
  createIceServerCounters,
  type IceServerAttemptStats,
  type IceServerCounters,
} from './server-stats.js';
import type { ServerRetransmission } from './transactions.js';
import type { IceServerUrl } from './urls.js';

/** Most server attempts remembered (live ones and, for stats, finished ones). */
export const MAX_ATTEMPTS = 256;

/** What server gathering hands back to the agent. */
export interface ServerGatheringHooks {
  /** A new (non-redundant) server-reflexive candidate of host socket `socketId`. */
  reflexive(socketId: number, candidate: Candidate): void;
  /** A relay socket and its candidate, to register like a host socket. */
  relayed(socket: TurnRelaySocket, candidate: Candidate): void;
  error(error: IceServerError): void;
  /** An attempt or a lookup finished: `settled` may have become true. */
  progress(): void;
  /** A step of an attempt, for `trace$` (called only while {@link tracing} says so). */
  trace?(record: ServerTrace): void;
  /** Whether anyone listens to {@link trace}: with nobody, no record is made. */
  tracing?(): boolean;
}

/** Settings of server gathering. */
export interface ServerGatheringConfig {
  readonly servers: readonly IceServerUrl[];
  /** False under `iceTransportPolicy: 'relay'`: no STUN probes, no srflx candidates. */
  readonly gatherReflexive: boolean;
  readonly scheduler: SchedulerLike;
  readonly retransmission: ServerRetransmission;
  /** Fresh transaction ids (the agent's `entropy`); default: the process-wide CSPRNG pool. */
  readonly newTransactionId?: () => Uint8Array;
  readonly tls?: TurnTlsOptions;
  /** TCP and TLS connections to servers (the transport's `connectServerStream`); none: TURN over TCP/TLS fails. */
  readonly connectStream?: (target: ServerStreamTarget) => Observable<TcpConnection>;
  /** Name resolution (default `dns.lookup`). */
  readonly lookup?: HostLookup;
  readonly hooks: ServerGatheringHooks;
}

interface HostEntry {
  readonly socket: PacketSocket;
  readonly candidate: Candidate;
  /** Server-reflexive addresses already announced for it (`address|port`). */
  readonly reflexive: Set<string>;
}

/** Every server attempt of one agent. */
export class ServerGathering {
  private readonly hosts = new Map<number, HostEntry>();
  private readonly attempts: Attempt[] = [];
  private readonly routes = new Map<number, Attempt[]>();
  private readonly names = new Map<string, readonly string[] | 'pending' | 'failed'>();
  private readonly lookups: Subscription[] = [];
  private readonly counters: IceServerCounters = createIceServerCounters();
  private readonly context: AttemptContext;
  private hostsDone = false;
  /** Orders relayed candidate priorities; never reused. */
  private nextIndex = 0;
  private closed = false;

  constructor(private readonly config: ServerGatheringConfig) {
    this.context = {
      scheduler: config.scheduler,
      retransmission: config.retransmission,
      newTransactionId: config.newTransactionId,
      tls: config.tls,
      connectStream: config.connectStream,
      routes: this.routes,
      settle: (attempt) => this.settle(attempt),
      mapped: (attempt, mapped) => this.onMapped(attempt, mapped),
      relayed: (socket, candidate) => {
        if (this.closed) return;
        if (config.hooks.tracing?.()) {
          const attempt = this.attempts.find((a) => a.relay === socket);
          this.traceStep(attempt?.url.url ?? '', attempt?.host.address ?? '', 'allocated', {
            address: endpoint(candidate.address, candidate.port),
          });
        }
        config.hooks.relayed(socket, candidate);
      },
      error: (attempt, error) =>
        this.report({ ...error, url: attempt.url.url, hostAddress: attempt.host.address }),
      tracing: () => config.hooks.tracing?.() === true,
      transaction: (attempt, step) => {
        const detail = Object.fromEntries(Object.entries(step).filter(([, v]) => v !== undefined));
        this.traceStep(attempt.url.url, attempt.host.address, step.step, detail);
      },
    };
    for (const url of this.usedServers()) this.resolve(url.host);
  }

  /** True once host sockets are all in and no lookup or attempt is still running. */
  get settled(): boolean {
    if (!this.hostsDone) return false;
    for (const state of this.names.values()) if (state === 'pending') return false;
    return !this.attempts.some((a) => a.state === 'in-progress');
  }

  /** A host socket is bound: try every server of its family from it. */
  addHostSocket(socketId: number, socket: PacketSocket, candidate: Candidate): void {
    if (this.closed) return;
    this.hosts.set(socketId, { socket, candidate, reflexive: new Set() });
    // A link-local address cannot reach a server beyond its link.
    if (/^(fe[89ab][0-9a-f]:|169\.254\.)/i.test(candidate.address)) return;
    for (const url of this.usedServers()) this.tryServer(url, socketId);
  }

  /**
   * A host socket is gone (its address vanished): its attempts end — an
   * allocation on it is deallocated if the server is still reachable — and
   * its relay sockets complete.
   */
  removeHostSocket(socketId: number): void {
    if (!this.hosts.delete(socketId)) return;
    for (const attempt of this.attempts) if (attempt.socketId === socketId) attempt.close();
    this.routes.delete(socketId);
    this.config.hooks.progress();
  }

  /** Every host socket has been added. */
  hostSocketsDone(): void {
    this.hostsDone = true;
    this.config.hooks.progress();
  }

  /**
   * Hands a STUN (first byte 0–3) or ChannelData (64–79) datagram that
   * arrived on host socket `socketId` to the server attempt it came from.
   * True when it came from a server (taken, or dropped and counted), false
   * when it is the ICE session's.
   */
  route(socketId: number, packet: InboundPacket): boolean {
    const routes = this.routes.get(socketId);
    if (routes === undefined) return false;
    let fromServer: Attempt | undefined;
    for (const attempt of routes) {
      if (attempt.server.port !== packet.port || attempt.server.address !== packet.address) continue;
      fromServer = attempt;
      if (attempt.deliver(packet.data)) return true;
    }
    if (fromServer === undefined) return false;
    // From the server, but no attempt of ours took it (say, an answer after the attempt ended).
    this.counters.turnDroppedPackets++;
    if (this.config.hooks.tracing?.() === true) {
      this.traceStep(fromServer.url.url, fromServer.host.address, 'dropped', {
        reason: 'unmatched',
        length: packet.data.length,
      });
    }
    return true;
  }

  /** ICE restart: attempts that failed are tried again (srflx candidates are kept; see {@link renewAllocations}). */
  retryFailed(): void {
    if (this.closed) return;
    for (const [i, attempt] of this.attempts.entries()) {
      if (attempt.state !== 'failed' || !this.hosts.has(attempt.socketId)) continue;
      this.absorb(attempt);
      this.attempts[i] = this.start(attempt.url, attempt.socketId, attempt.server, attempt.index);
    }
  }

  /**
   * ICE restart: every live allocation that `keep` rejects is deallocated
   * (Refresh LIFETIME 0, its relay socket completes) and allocated afresh from
   * the same host socket for the new generation. On UDP an allocation is keyed
   * by the 5-tuple host socket ↔ server (RFC 8656 §2.2: a second Allocate gets
   * 437 Allocation Mismatch), so the old one must go before the new one is
   * asked for; the Refresh leaves first on the same path, a round trip ahead
   * of the authenticated Allocate. The agent keeps the allocations that still
   * carry the previous session's data.
   */
  renewAllocations(keep: (relay: TurnRelaySocket) => boolean): void {
    if (this.closed) return;
    for (const [i, attempt] of this.attempts.entries()) {
      const relay = attempt.relay;
      if (attempt.state !== 'succeeded' || !relay || keep(relay) || !this.hosts.has(attempt.socketId))
        continue;
      this.absorb(attempt); // deallocates
      this.attempts[i] = this.start(attempt.url, attempt.socketId, attempt.server, attempt.index);
    }
  }

  /** Deallocates every allocation (not waiting for answers), closes TCP/TLS connections, cancels probes and lookups. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const lookup of this.lookups) lookup.unsubscribe();
    for (const attempt of this.attempts) attempt.close();
    this.routes.clear();
  }

  /** Counters (summed over live and finished attempts) and one entry per attempt. */
  stats(): { counters: IceServerCounters; attempts: IceServerAttemptStats[] } {
    const counters = { ...this.counters };
    for (const attempt of this.attempts) attempt.addCounters(counters);
    return { counters, attempts: this.attempts.map((a) => a.stats()) };
  }

  private usedServers(): IceServerUrl[] {
    return this.config.servers.filter((url) => url.scheme !== 'stun' || this.config.gatherReflexive);
  }

  private resolve(host: string): void {
    if (literalAddresses(host) || this.names.has(host)) return;
    this.names.set(host, 'pending');
    const lookup = this.config.lookup ?? dnsLookup;
    this.lookups.push(
      lookup(host).subscribe({
        next: (addresses) => this.resolved(host, addresses),
        error: (error: unknown) => this.resolved(host, error),
      }),
    );
  }

  private resolved(host: string, result: readonly string[] | unknown): void {
    if (this.closed || this.names.get(host) !== 'pending') return;
    const addresses = Array.isArray(result) ? (result as readonly string[]) : undefined;
    this.names.set(host, addresses ?? 'failed');
    for (const url of this.usedServers()) {
      if (url.host !== host) continue;
      if (!addresses) {
        const reason = `cannot resolve ${host}: ${result instanceof Error ? result.message : String(result)}`;
        this.report({ url: url.url, kind: 'dns', reason, fatal: true });
        continue;
      }
      for (const socketId of this.hosts.keys()) this.tryServer(url, socketId);
    }
    this.config.hooks.progress();
  }

  /** Starts `url` from host socket `socketId` when its address is known and of the socket's family. */
  private tryServer(url: IceServerUrl, socketId: number): void {
    const host = this.hosts.get(socketId);
    const known = literalAddresses(url.host) ?? this.names.get(url.host);
    if (!host || !Array.isArray(known)) return;
    const family = host.socket.family === 'IPv6' ? 6 : 4;
    const address = (known as readonly string[]).find((a) => ipVersion(a) === family);
    if (address === undefined || !this.makeRoom()) return;
    this.attempts.push(this.start(url, socketId, { address, port: url.port }, this.nextIndex++));
  }

  private start(url: IceServerUrl, socketId: number, server: StunAddress, index: number): Attempt {
    const host = this.hosts.get(socketId) as HostEntry;
    if (this.config.hooks.tracing?.()) this.traceStep(url.url, host.candidate.address, 'started', {});
    return startAttempt(this.context, {
      url,
      socketId,
      socket: host.socket,
      host: host.candidate,
      server,
      index,
    });
  }

  private onMapped(attempt: Attempt, mapped: StunAddress): void {
    if (this.config.hooks.tracing?.()) {
      const address = endpoint(mapped.address, mapped.port);
      this.traceStep(attempt.url.url, attempt.host.address, 'mapped', { address });
    }
    const host = this.hosts.get(attempt.socketId);
    if (this.closed || !host || !this.config.gatherReflexive) return;
    const key = `${mapped.address}|${mapped.port}`;
    const base = host.candidate;
    // RFC 8445 §5.1.3: same address as the base (no NAT) or as another srflx of this base: redundant.
    if ((mapped.address === base.address && mapped.port === base.port) || host.reflexive.has(key)) {
      this.counters.redundantCandidates++;
      return;
    }
    host.reflexive.add(key);
    this.config.hooks.reflexive(attempt.socketId, reflexiveCandidate(base, mapped, attempt.url));
  }

  private settle(_attempt: Attempt): void {
    if (!this.closed) this.config.hooks.progress();
  }

  private report(error: IceServerError): void {
    if (this.closed) return;
    this.counters.serverErrors++;
    if (this.config.hooks.tracing?.()) {
      const { kind, code, reason } = error;
      this.traceStep(
        error.url,
        error.hostAddress ?? '',
        'error',
        code === undefined ? { kind, reason } : { kind, code, reason },
      );
    }
    this.config.hooks.error(error);
  }

  private traceStep(
    url: string,
    hostAddress: string,
    step: ServerTrace['step'],
    detail: Partial<Omit<ServerTrace, 'type' | 'url' | 'hostAddress'>>,
  ): void {
    this.config.hooks.trace?.({ type: 'server', url, hostAddress, step, ...detail });
  }

  /**
   * Bounds the attempt table (host sockets come and go with network changes):
   * beyond {@link MAX_ATTEMPTS} the oldest finished attempt is forgotten, its
   * counters kept. False when every attempt is still live.
   */
  private makeRoom(): boolean {
    if (this.attempts.length < MAX_ATTEMPTS) return true;
    const index = this.attempts.findIndex((a) => a.state === 'failed' || a.state === 'closed');
    if (index < 0) return false;
    this.absorb(this.attempts[index] as Attempt);
    this.attempts.splice(index, 1);
    return true;
  }

  /** Keeps a replaced attempt's counters. */
  private absorb(attempt: Attempt): void {
    attempt.close();
    attempt.addCounters(this.counters);
  }
}
