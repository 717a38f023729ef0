/**
 * The transport a replayed agent runs on: it answers from the recording
 * (host addresses, sockets bound at once, ufrag claims), delivers the
 * recorded datagrams and late binds when the replay reaches them (TCP and
 * lookups: `replay-tcp.ts`), and keeps what the agent sends as output lines.
 * @module
 */
import { Observable, Subject, type Subscriber } from 'rxjs';
import { BindError } from '../errors.js';
import { fromHex, type RecordLine, type StartLine, toHex } from '../record/record-lines.js';
import type { MdnsInputLine } from '../record/record-mdns-lines.js';
import type { TcpInputLine } from '../record/record-tcp-lines.js';
import type {
  HostAddress,
  InboundPacket,
  PacketSocket,
  TcpConnection,
  TcpListener,
  TcpPortReservation,
  Transport,
} from '../transport/types.js';
import type { ReplayClock } from './replay-clock.js';
import { ReplayMdns } from './replay-mdns.js';
import type { ReplayTcp } from './replay-tcp.js';

type Bound = Extract<RecordLine, { k: 'bound' | 'bind-error' }>;

/** A scripted transport fed by a recording. */
export class ReplayTransport implements Transport {
  /** Emits when the recording says the transport shut down. */
  readonly closed$ = new Subject<void>();
  /** Present when the recorded transport was shared (it answered ufrag claims). */
  readonly claimUfrag?: Transport['claimUfrag'];
  /** Present when the recorded transport had TCP. */
  readonly listenTcp?: Transport['listenTcp'];
  /** Present with {@link listenTcp}. */
  readonly connectTcp?: Transport['connectTcp'];
  /** Present when the recorded transport had it. */
  readonly reserveTcpPort?: Transport['reserveTcpPort'];
  /** Present when the recorded transport had it: the recorded TURN-over-TCP/TLS connections. */
  readonly connectServerStream?: Transport['connectServerStream'];
  /** Present when the recorded transport had it: the recorded look-ups. */
  readonly resolveMdns?: Transport['resolveMdns'];
  /** Present when the recorded transport had it: the recorded dropped datagrams. */
  readonly publishMdns?: Transport['publishMdns'];
  private readonly mdns: ReplayMdns;
  private readonly pending = new Map<number, Subscriber<PacketSocket>>();
  private readonly sockets = new Map<number, ReplaySocket>();
  private binds = 0;

  /**
   * @param clock the replay's clock and answers
   * @param syncBinds the binds that answered while the agent subscribed, by number
   * @param tcp the replay's TCP operations and lookups
   * @param capabilities which TCP functions the recorded transport had
   */
  constructor(
    private readonly clock: ReplayClock,
    private readonly syncBinds: ReadonlyMap<number, Bound>,
    private readonly tcp: ReplayTcp,
    capabilities: StartLine['transport'],
  ) {
    if (capabilities?.tcp) {
      this.listenTcp = () => tcp.operation<TcpListener>();
      this.connectTcp = () => tcp.operation<TcpConnection>();
    }
    if (capabilities?.reserveTcpPort) this.reserveTcpPort = () => tcp.operation<TcpPortReservation>();
    if (capabilities?.serverStreams) this.connectServerStream = () => tcp.operation<TcpConnection>();
    const mdns = new ReplayMdns(clock);
    this.mdns = mdns;
    if (capabilities?.resolveMdns) this.resolveMdns = (_hostname, onMalformed) => mdns.resolve(onMalformed);
    if (capabilities?.publishMdns) this.publishMdns = (_records, onMalformed) => mdns.publish(onMalformed);
    if (clock.has('claim')) {
      this.claimUfrag = (ufrag) => {
        const answer = clock.take('claim', `the ufrag ${ufrag}`);
        if (answer !== undefined && answer.ufrag !== ufrag) {
          clock.diverge(`the agent claimed the ufrag ${ufrag}, the recorded agent ${answer.ufrag}`);
        }
        return answer?.granted ?? true;
      };
    }
  }

  /** The recorded answer. */
  hostAddresses(): readonly HostAddress[] {
    return this.clock.take('hosts', 'its host addresses')?.addresses ?? [];
  }

  /** The recorded result of the lookup. */
  lookupHost(host: string): Observable<readonly string[]> {
    return this.tcp.lookup(host);
  }

  /** A socket when the recording says it was bound (at once, or at a later line). */
  bind(_address: string): Observable<PacketSocket> {
    return new Observable<PacketSocket>((subscriber) => {
      const bind = this.binds++;
      const answer = this.syncBinds.get(bind);
      if (answer !== undefined) {
        this.settle(answer, subscriber);
        return;
      }
      this.pending.set(bind, subscriber);
      return () => this.pending.delete(bind);
    });
  }

  /** Also for recorded shared transports. */
  releaseUfrag(_ufrag: string): void {}

  /** A recorded input of the transport: a late bind, a datagram, a socket ending, the shutdown. */
  deliver(record: RecordLine): void {
    if (record.k === 'bound' || record.k === 'bind-error') {
      const subscriber = this.pending.get(record.bind);
      if (subscriber === undefined) {
        this.clock.diverge(`bind ${record.bind} is not waiting`);
        return;
      }
      this.pending.delete(record.bind);
      this.settle(record, subscriber);
    } else if (record.k === 'packet') {
      const socket = this.sockets.get(record.socket);
      if (socket === undefined || socket.packets.closed || socket.packets.isStopped) {
        this.clock.diverge(`socket ${record.socket} is not open to receive a datagram`);
        return;
      }
      socket.packets.next({ data: fromHex(record.hex), address: record.from, port: record.port });
    } else if (record.k === 'socket-end') {
      this.sockets.get(record.socket)?.packets.complete();
    } else if (record.k === 'transport-closed') {
      this.closed$.next();
    } else if (record.k.startsWith('tcp-') || record.k === 'lookup') {
      this.tcp.deliver(record as TcpInputLine);
    } else if (record.k.startsWith('mdns-')) {
      this.mdns.deliver(record as MdnsInputLine);
    }
  }

  private settle(answer: Bound, subscriber: Subscriber<PacketSocket>): void {
    if (answer.k === 'bind-error') {
      subscriber.error(new BindError(answer.message));
      return;
    }
    const socket = new ReplaySocket(answer, this.clock);
    this.sockets.set(answer.bind, socket);
    subscriber.next(socket);
    subscriber.complete();
  }
}

/** A socket of the replay: datagrams in from the recording, out into the outputs. */
class ReplaySocket implements PacketSocket {
  readonly address: string;
  readonly port: number;
  readonly family: PacketSocket['family'];
  readonly packets = new Subject<InboundPacket>();
  readonly packets$ = this.packets.asObservable();
  readonly sendErrors = 0;
  private readonly id: number;

  constructor(
    bound: Extract<RecordLine, { k: 'bound' }>,
    private readonly clock: ReplayClock,
  ) {
    this.id = bound.bind;
    this.address = bound.address;
    this.port = bound.port;
    this.family = bound.family;
  }

  send(data: Uint8Array, port: number, address: string): void {
    this.clock.output({ k: 'sent', socket: this.id, to: address, port, hex: toHex(data) });
  }

  close(): void {
    this.clock.output({ k: 'closed', socket: this.id });
    this.packets.complete();
  }

  setLocalUfrags(_ufrags: readonly string[]): void {}
}
