/**
 * Test tools for liveness specs: a transport whose interface list can change
 * and which records every datagram the agent sends, signaling that follows
 * ICE restarts, a hand-made ICE-lite peer, and a scheduler that counts the
 * actions armed through it.
 */
import { Observable, type SchedulerAction, type SchedulerLike, Subject, Subscription } from 'rxjs';
import {
  type HostAddress,
  IceAgent,
  type IceAgentOptions,
  type PacketSocket,
  type PortRange,
  serializeCandidate,
  type Transport,
} from '../../lib/index.js';
import {
  buildBindingError,
  buildBindingSuccess,
  decodeStun,
  shortTermKey,
  verifyFingerprint,
  verifyIntegrity,
} from '../../lib/stun/message.js';
import { type VirtualHost, VirtualNetwork } from '../../lib/testing/index.js';

/** What a datagram is, for assertions: consent/connectivity check, nominating check, keepalive, response, data. */
export type DatagramKind = 'check' | 'nomination' | 'keepalive' | 'response' | 'data';

/** Classifies one datagram an agent sent. */
export function datagramKind(data: Uint8Array): DatagramKind {
  if (data.length === 0 || (data[0] as number) >= 4) return 'data';
  const message = decodeStun(data);
  if (message?.cls === 'request') return message.useCandidate ? 'nomination' : 'check';
  if (message?.cls === 'indication') return 'keepalive';
  return 'response';
}

/** One datagram sent through a {@link TappedTransport}. */
export interface SentDatagram {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly kind: DatagramKind;
}

/**
 * A virtual host seen through a transport whose visible interface addresses
 * the test changes at will (`setAddresses`), and which reports every datagram
 * sent from it on `sent$`.
 */
export class TappedTransport implements Transport {
  readonly sent$: Observable<SentDatagram>;
  private readonly sent = new Subject<SentDatagram>();
  private visible: readonly string[];

  constructor(
    private readonly host: VirtualHost,
    private readonly scheduler: SchedulerLike,
    visible: readonly string[] = host.addresses,
  ) {
    this.visible = visible;
    this.sent$ = this.sent.asObservable();
  }

  /** The interface addresses the agent sees from now on (in this order: the first is preferred). */
  setAddresses(addresses: readonly string[]): void {
    this.visible = addresses;
  }

  hostAddresses(): readonly HostAddress[] {
    const all = this.host.hostAddresses();
    return this.visible.flatMap((address) => all.filter((a) => a.address === address));
  }

  bind(address: string, ports?: PortRange): Observable<PacketSocket> {
    return new Observable<PacketSocket>((subscriber) =>
      this.host.bind(address, ports).subscribe({
        next: (socket) => subscriber.next(this.tap(socket)),
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      }),
    );
  }

  private tap(socket: PacketSocket): PacketSocket {
    const sent = this.sent;
    const scheduler = this.scheduler;
    const from = `${socket.address}:${socket.port}`;
    return {
      address: socket.address,
      port: socket.port,
      family: socket.family,
      packets$: socket.packets$,
      get sendErrors() {
        return socket.sendErrors;
      },
      send(data, port, address) {
        if (sent.observed) {
          sent.next({ at: scheduler.now(), from, to: `${address}:${port}`, kind: datagramKind(data) });
        }
        socket.send(data, port, address);
      },
      close: () => socket.close(),
    };
  }
}

/**
 * Signaling that follows restarts: every candidate carries the sender's
 * current credentials (new ones mean a restart), and each completed
 * gathering sends end-of-candidates.
 */
export function relaySignaling(from: IceAgent, to: IceAgent): Subscription {
  const subscription = new Subscription();
  subscription.add(
    from.candidates$.subscribe((candidate) => {
      const { ufrag, pwd } = from.getLocalCredentials();
      to.setRemoteCredentials(ufrag, pwd);
      to.addRemoteCandidate(serializeCandidate(candidate));
    }),
  );
  subscription.add(
    from.gatheringState$.subscribe((state) => {
      if (state === 'complete') to.endOfCandidates();
    }),
  );
  return subscription;
}

/** Connects two agents with {@link relaySignaling} both ways and starts gathering. */
export function connectWithRestarts(a: IceAgent, b: IceAgent): Subscription {
  const subscription = new Subscription();
  subscription.add(relaySignaling(a, b));
  subscription.add(relaySignaling(b, a));
  a.gatherCandidates();
  b.gatherCandidates();
  return subscription;
}

/**
 * A hand-made ICE-lite peer (RFC 8445 §2.5): one host socket that answers
 * authenticated Binding requests (MESSAGE-INTEGRITY under its password,
 * FINGERPRINT) and echoes data, and never sends a check of its own.
 */
export class LitePeer {
  readonly ufrag = 'lite';
  readonly pwd = 'lite-peer-password-0123'.replace(/-/g, 'x');
  /** Requests it answered, with whether they carried USE-CANDIDATE. */
  readonly requests: { at: number; useCandidate: boolean }[] = [];
  echoed = 0;
  socket!: PacketSocket;
  private readonly key = shortTermKey(this.pwd);

  /** @param answerWith487 answer every request with 487 Role Conflict (a misbehaving lite peer) */
  constructor(
    host: Transport,
    private readonly scheduler: SchedulerLike,
    address: string,
    private readonly answerWith487 = false,
  ) {
    host.bind(address).subscribe((socket) => {
      this.socket = socket;
      socket.packets$.subscribe((p) => this.receive(p.data, p.address, p.port));
    });
  }

  /** Its only candidate, as signaled. */
  get candidate(): string {
    return `candidate:1 1 udp 2130706431 ${this.socket.address} ${this.socket.port} typ host`;
  }

  /** Signals its credentials, candidate and end-of-candidates to `agent`, and the agent's credentials back. */
  introduceTo(agent: IceAgent): void {
    agent.setRemoteCredentials(this.ufrag, this.pwd);
    agent.addRemoteCandidate(this.candidate);
    agent.endOfCandidates();
  }

  private receive(data: Uint8Array, address: string, port: number): void {
    if ((data[0] as number) >= 4) {
      this.echoed++;
      this.socket.send(data, port, address);
      return;
    }
    const message = decodeStun(data);
    if (message?.cls !== 'request' || !message.username?.startsWith(`${this.ufrag}:`)) return;
    if (!verifyFingerprint(message.raw) || !verifyIntegrity(message.raw, this.key)) return;
    this.requests.push({ at: this.scheduler.now(), useCandidate: message.useCandidate });
    const { transactionId } = message;
    const response = this.answerWith487
      ? buildBindingError({ transactionId, code: 487, reason: 'Role Conflict', key: this.key })
      : buildBindingSuccess({ transactionId, mapped: { address, port }, key: this.key });
    this.socket.send(response, port, address);
  }
}

/**
 * A scheduler over another one that counts the actions armed through it and
 * not yet run or cancelled (`live`), and the most ever armed at once (`peak`).
 */
export class CountingScheduler implements SchedulerLike {
  live = 0;
  peak = 0;

  constructor(private readonly inner: SchedulerLike) {}

  now(): number {
    return this.inner.now();
  }

  schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription {
    let armed = true;
    const disarm = () => {
      if (!armed) return;
      armed = false;
      this.live--;
    };
    this.live++;
    this.peak = Math.max(this.peak, this.live);
    const subscription = this.inner.schedule<T>(
      function (this: SchedulerAction<T>, s?: T) {
        disarm();
        work.call(this, s);
      },
      delay,
      state,
    );
    subscription.add(disarm);
    return subscription;
  }
}

/** Two agents on a virtual network behind {@link TappedTransport}s: `a` controlling on 10.0.0.1, `b` controlled on 10.0.0.2. */
export function tappedPair(
  scheduler: SchedulerLike,
  options: {
    latency?: number;
    a?: Partial<IceAgentOptions>;
    b?: Partial<IceAgentOptions>;
    addressesA?: readonly string[];
    addressesB?: readonly string[];
  } = {},
) {
  const net = new VirtualNetwork({ scheduler, latency: options.latency ?? 10 });
  const tapA = new TappedTransport(
    net.createHost('a', { addresses: options.addressesA ?? ['10.0.0.1'] }),
    scheduler,
  );
  const tapB = new TappedTransport(
    net.createHost('b', { addresses: options.addressesB ?? ['10.0.0.2'] }),
    scheduler,
  );
  const a = new IceAgent({ role: 'controlling', transport: tapA, scheduler, ...options.a });
  const b = new IceAgent({ role: 'controlled', transport: tapB, scheduler, ...options.b });
  return { net, tapA, tapB, a, b };
}

/**
 * {@link tappedPair} with signalling both ways, both gathering; at `at` a
 * restarts and its new credentials never reach b (a→b signalling is cut).
 */
export function pairWithUnansweredRestart(
  scheduler: SchedulerLike,
  at: number,
  options: Parameters<typeof tappedPair>[1] = {},
) {
  const pair = tappedPair(scheduler, options);
  const toB = relaySignaling(pair.a, pair.b);
  relaySignaling(pair.b, pair.a);
  pair.a.gatherCandidates();
  pair.b.gatherCandidates();
  scheduler.schedule(() => {
    toB.unsubscribe();
    pair.a.restart();
  }, at);
  return pair;
}

/** Stops every agent given. */
export function stopAll(...agents: IceAgent[]): void {
  for (const agent of agents) agent.stop();
}

/** A random source that replays `values` in a loop. */
export function cycle(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}
