/**
 * One server attempt: a STUN Binding probe or a TURN allocation, from one
 * host socket to one server address. Each wires a sans-IO protocol to its
 * path (the host UDP socket, or a TCP/TLS connection) and reports back
 * through an {@link AttemptContext}.
 */
import { isIP } from 'node:net';
import { type Observable, type SchedulerLike, switchMap, throwError, timer } from 'rxjs';
import type { Candidate } from '../candidate-types.js';
import { ipVersion } from '../core/address.js';
import type { StunAddress } from '../stun/types.js';
import type { ServerTrace } from '../trace-events.js';
import type { PacketSocket, ServerStreamTarget, TcpConnection, TurnTlsOptions } from '../transport/types.js';
import { BindingProbe, type BindingProbeEvent } from './binding-probe.js';
import { relayCandidate } from './candidates.js';
import { ProtocolDriver } from './driver.js';
import { type ServerPath, TurnClient, type TurnRelaySocket } from './relay-socket.js';
import type { IceServerError } from './server-error.js';
import type { IceServerAttemptStats, IceServerCounters } from './server-stats.js';
import { StreamConnection } from './stream-connection.js';
import type { ServerRetransmission } from './transactions.js';
import type { TurnEvent } from './turn-types.js';
import type { IceServerUrl } from './urls.js';
import { serverTransactionStep } from './wire-trace.js';

/** What an attempt needs from, and reports to, server gathering. */
export interface AttemptContext {
  readonly scheduler: SchedulerLike;
  readonly retransmission: ServerRetransmission;
  /** Fresh transaction ids (the agent's `entropy`); default: the process-wide CSPRNG pool. */
  readonly newTransactionId?: () => Uint8Array;
  readonly tls: TurnTlsOptions | undefined;
  /** TCP and TLS connections to servers (the transport's `connectServerStream`); none: TURN over TCP/TLS fails. */
  readonly connectStream?: (target: ServerStreamTarget) => Observable<TcpConnection>;
  /** UDP attempts register here, per host socket, to get the server's datagrams. */
  readonly routes: Map<number, Attempt[]>;
  /** The attempt left `in-progress`. */
  settle(attempt: Attempt): void;
  /** The server reported the client's reflexive address. */
  mapped(attempt: Attempt, mapped: StunAddress): void;
  relayed(socket: TurnRelaySocket, candidate: Candidate): void;
  error(attempt: Attempt, error: Omit<IceServerError, 'url' | 'hostAddress'>): void;
  /** Whether anyone listens to `trace$`: with nobody, no request or response is looked at. */
  tracing?(): boolean;
  /** A request to the server, its answer, or a datagram from it dropped, for `trace$`. */
  transaction?(attempt: Attempt, step: ServerStep): void;
}

/** The part of a `server` trace event an attempt fills in. */
export type ServerStep = Pick<
  ServerTrace,
  'step' | 'method' | 'transactionId' | 'code' | 'reason' | 'length'
>;

/** Which server, from where. */
export interface AttemptSpec {
  readonly url: IceServerUrl;
  readonly socketId: number;
  readonly socket: PacketSocket;
  readonly host: Candidate;
  readonly server: StunAddress;
  /** Position among the agent's attempts (orders relayed candidate priorities). */
  readonly index: number;
}

/** A running or finished attempt. */
export interface Attempt extends AttemptSpec {
  readonly state: IceServerAttemptStats['state'];
  /** The relayed socket of a TURN attempt, once allocated (it completes when the allocation ends). */
  readonly relay: TurnRelaySocket | undefined;
  /** A datagram from the server on the host socket; false when not this attempt's. */
  deliver(bytes: Uint8Array): boolean;
  /** Stops the attempt (a TURN allocation is deallocated). Idempotent. */
  close(): void;
  addCounters(counters: IceServerCounters): void;
  stats(): IceServerAttemptStats;
}

/** Starts the attempt `spec` describes. */
export function startAttempt(context: AttemptContext, spec: AttemptSpec): Attempt {
  return spec.url.scheme === 'stun' ? new StunAttempt(context, spec) : new TurnAttempt(context, spec);
}

function addRoute(routes: Map<number, Attempt[]>, attempt: Attempt): void {
  const list = routes.get(attempt.socketId) ?? [];
  // Binding probes first: they take only their own answer, a TURN allocation takes everything from its server.
  if (attempt.url.scheme === 'stun') list.unshift(attempt);
  else list.push(attempt);
  routes.set(attempt.socketId, list);
}

function removeRoute(routes: Map<number, Attempt[]>, attempt: Attempt): void {
  const list = routes.get(attempt.socketId);
  if (!list) return;
  const rest = list.filter((a) => a !== attempt);
  if (rest.length > 0) routes.set(attempt.socketId, rest);
  else routes.delete(attempt.socketId);
}

function hostPort(address: string, port: number): string {
  return ipVersion(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Common fields of both attempt kinds. */
abstract class BaseAttempt implements Attempt {
  readonly url: IceServerUrl;
  readonly socketId: number;
  readonly socket: PacketSocket;
  readonly host: Candidate;
  readonly server: StunAddress;
  readonly index: number;
  state: IceServerAttemptStats['state'] = 'in-progress';
  protected mapped: StunAddress | undefined;
  protected error: string | undefined;

  constructor(
    protected readonly context: AttemptContext,
    spec: AttemptSpec,
  ) {
    ({ url: this.url, socketId: this.socketId, socket: this.socket, host: this.host } = spec);
    ({ server: this.server, index: this.index } = spec);
  }

  get relay(): TurnRelaySocket | undefined {
    return undefined;
  }

  abstract deliver(bytes: Uint8Array): boolean;
  abstract close(): void;
  abstract addCounters(counters: IceServerCounters): void;

  stats(): IceServerAttemptStats {
    return {
      url: this.url.url,
      transport: this.url.transport,
      host: hostPort(this.host.address, this.host.port),
      server: hostPort(this.server.address, this.server.port),
      state: this.state,
      mapped: this.mapped && hostPort(this.mapped.address, this.mapped.port),
      error: this.error,
      ...this.details(),
    };
  }

  protected details(): Partial<IceServerAttemptStats> {
    return {};
  }

  /** Traces a request leaving for the server (`out`) or a message from it (`in`) while someone listens. */
  protected traceWire(bytes: Uint8Array, direction: 'out' | 'in'): void {
    if (this.context.tracing?.() !== true) return;
    const step = serverTransactionStep(bytes, direction);
    if (step !== undefined) this.context.transaction?.(this, step);
  }

  /** Ends an in-progress attempt as failed and reports it. */
  protected fail(error: Omit<IceServerError, 'url' | 'hostAddress'>): void {
    const wasRunning = this.state === 'in-progress';
    if (this.state !== 'closed') this.state = 'failed';
    this.error = error.reason;
    this.context.error(this, error);
    if (wasRunning) this.context.settle(this);
  }
}

/** A Binding probe through the host socket. */
class StunAttempt extends BaseAttempt {
  private readonly probe: BindingProbe;
  private readonly driver: ProtocolDriver<BindingProbeEvent>;
  private rtt: number | undefined;

  constructor(context: AttemptContext, spec: AttemptSpec) {
    super(context, spec);
    this.probe = new BindingProbe(context.retransmission, context.newTransactionId);
    const { socket, server } = spec;
    const send = (bytes: Uint8Array): void => {
      this.traceWire(bytes, 'out');
      socket.send(bytes, server.port, server.address);
    };
    this.driver = new ProtocolDriver(this.probe, context.scheduler, send, (e) => this.onEvent(e));
    addRoute(context.routes, this);
    this.probe.start(this.driver.now());
    this.driver.drive();
  }

  deliver(bytes: Uint8Array): boolean {
    this.traceWire(bytes, 'in');
    return this.driver.inbound(bytes);
  }

  close(): void {
    if (this.state === 'in-progress') this.state = 'closed';
    this.probe.cancel();
    this.driver.stop();
    removeRoute(this.context.routes, this);
  }

  addCounters(counters: IceServerCounters): void {
    counters.serverRequestsSent += this.probe.requestsSent;
    counters.serverRetransmissions += this.probe.retransmissions;
  }

  protected override details(): Partial<IceServerAttemptStats> {
    return { rtt: this.rtt };
  }

  private onEvent(event: BindingProbeEvent): void {
    this.driver.stop();
    removeRoute(this.context.routes, this);
    if (event.type === 'error') {
      this.fail({ kind: event.kind, code: event.code, reason: event.reason, fatal: true });
      return;
    }
    this.state = 'succeeded';
    this.mapped = event.mapped;
    this.rtt = event.rtt;
    this.context.mapped(this, event.mapped);
    this.context.settle(this);
  }
}

/** A TURN allocation, over the host socket (UDP) or its own TCP/TLS connection. */
class TurnAttempt extends BaseAttempt {
  private readonly client: TurnClient;

  constructor(context: AttemptContext, spec: AttemptSpec) {
    super(context, spec);
    const { url, socket, server, host } = spec;
    const reliable = url.transport !== 'udp';
    let path: ServerPath;
    let stream: StreamConnection | undefined;
    if (reliable) {
      const servername = isIP(url.host) === 0 ? url.host : undefined;
      const target: ServerStreamTarget = {
        address: server.address,
        port: server.port,
        localAddress: host.address,
        tls: url.transport === 'tls' ? { ...context.tls, servername } : undefined,
      };
      stream = new StreamConnection(context.connectStream?.(target) ?? noStreams(context.scheduler), {
        message: (bytes) => this.deliver(bytes),
        lost: (reason) => this.lost(reason),
      });
      path = stream;
    } else {
      path = {
        send: (bytes) => socket.send(bytes, server.port, server.address),
        close: () => removeRoute(context.routes, this),
      };
      addRoute(context.routes, this);
    }
    const wire = path;
    path = {
      send: (bytes) => {
        this.traceWire(bytes, 'out');
        wire.send(bytes);
      },
      close: () => wire.close(),
    };
    const config = {
      username: url.username ?? '',
      password: url.credential ?? '',
      reliable,
      retransmission: context.retransmission,
      newTransactionId: context.newTransactionId,
    };
    this.client = new TurnClient(config, context.scheduler, path, {
      allocated: (relay, mapped) => this.allocated(relay, mapped),
      error: (event) => this.onError(event, path),
      dropped: ({ reason, length }) => {
        if (context.tracing?.() === true) context.transaction?.(this, { step: 'dropped', reason, length });
      },
    });
    this.client.start(); // over TCP/TLS the Allocate waits for the connection, opened now
    stream?.open();
  }

  override get relay(): TurnRelaySocket | undefined {
    return this.client.relay;
  }

  deliver(bytes: Uint8Array): boolean {
    this.traceWire(bytes, 'in');
    return this.client.inbound(bytes);
  }

  close(): void {
    if (this.state === 'in-progress' || this.state === 'succeeded') this.state = 'closed';
    this.client.close();
  }

  addCounters(counters: IceServerCounters): void {
    const { allocation } = this.client;
    const c = allocation.counters;
    counters.serverRequestsSent += allocation.transactions.started;
    counters.serverRetransmissions += allocation.transactions.retransmissions;
    counters.turnAllocations += c.allocations;
    counters.turnRefreshes += c.refreshes;
    counters.turnPermissions += c.permissions;
    counters.turnChannelBinds += c.channelBinds;
    counters.turnDeallocations += c.deallocations;
    counters.relayedPacketsSent += c.relayedPacketsSent;
    counters.relayedBytesSent += c.relayedBytesSent;
    counters.relayedPacketsReceived += c.relayedPacketsReceived;
    counters.relayedBytesReceived += c.relayedBytesReceived;
    counters.turnDroppedPackets += c.droppedPackets;
    counters.turnUnauthenticatedResponses += c.unauthenticatedResponses;
  }

  protected override details(): Partial<IceServerAttemptStats> {
    const { relayed, lifetime } = this.client.allocation;
    return { relayed: relayed && hostPort(relayed.address, relayed.port), lifetime };
  }

  private allocated(relay: TurnRelaySocket, mapped: StunAddress | undefined): void {
    this.state = 'succeeded';
    this.mapped = mapped;
    const relayed = { address: relay.address, port: relay.port };
    this.context.relayed(relay, relayCandidate(this.host, relayed, mapped, this.url, this.index));
    // Over UDP the mapped address is also the host socket's server-reflexive address.
    if (mapped && this.url.transport === 'udp') this.context.mapped(this, mapped);
    this.context.settle(this);
  }

  private onError(event: Extract<TurnEvent, { type: 'error' }>, path: ServerPath): void {
    const { kind, code, reason, peer, fatal } = event;
    if (!fatal) {
      this.error = reason;
      this.context.error(this, { kind, code, reason, peer, fatal });
      return;
    }
    path.close();
    this.fail({ kind, code, reason, fatal });
  }

  private lost(reason: string): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    // The error first, then the relay socket completes (the agent retires its candidate).
    this.fail({ kind: 'turn-connection', reason, fatal: true });
    this.client.connectionLost();
  }
}

/** Fails a TURN-over-TCP/TLS attempt on a transport without `connectServerStream`, a moment later (on the scheduler). */
function noStreams(scheduler: SchedulerLike): Observable<never> {
  const why = new Error(
    'the transport cannot open TCP or TLS connections to servers (no connectServerStream)',
  );
  return timer(0, scheduler).pipe(switchMap(() => throwError(() => why)));
}
