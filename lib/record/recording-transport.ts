/**
 * The transport a recorded agent runs on: the real one underneath; what it
 * tells the agent is logged (host addresses, sockets bound, datagrams
 * received, ufrag claims, shutdown) and what the agent sends is logged as
 * output; its TCP and name lookups too (`recording-tcp.ts`), and its mDNS
 * look-ups and publications (`recording-mdns.ts`).
 * @module
 */
import { defer, Observable, share } from 'rxjs';
import type { HostAddress, InboundPacket, PacketSocket, PortRange, Transport } from '../transport/types.js';
import { dnsLookup } from '../turn/resolve.js';
import { toHex } from './record-lines.js';
import type { Recorder } from './recorder.js';
import { RecordingMdns } from './recording-mdns.js';
import { RecordingTcp } from './recording-tcp.js';
import { settleOnce } from './settle-once.js';

/** Wraps a transport so that everything it gives the agent is logged. */
export class RecordingTransport implements Transport {
  /** Set when the inner transport has it: its shutdown, logged. */
  readonly closed$?: Observable<void>;
  /** Set when the inner transport is shared (a `UdpMux`): its answers, logged. */
  readonly claimUfrag?: Transport['claimUfrag'];
  /** Set with {@link claimUfrag}: passed on. */
  readonly releaseUfrag?: Transport['releaseUfrag'];
  /** Set when the inner transport has TCP: its listeners and connections, logged. */
  readonly listenTcp?: Transport['listenTcp'];
  /** Set with {@link listenTcp}. */
  readonly connectTcp?: Transport['connectTcp'];
  /** Set when the inner transport has it: its reservations, logged. */
  readonly reserveTcpPort?: Transport['reserveTcpPort'];
  /** Set when the inner transport has it: TURN over TCP/TLS, logged as TCP connections (plain bytes). */
  readonly connectServerStream?: Transport['connectServerStream'];
  /** Set when the inner transport has it: its answers and dropped datagrams, logged. */
  readonly resolveMdns?: Transport['resolveMdns'];
  /** Set when the inner transport has it: its dropped datagrams, logged. */
  readonly publishMdns?: Transport['publishMdns'];
  private binds = 0;
  private readonly tcp: RecordingTcp;

  /**
   * @param inner the real transport
   * @param recorder where lines go
   * @param select the application's `ipFilter` (host addresses are logged after it)
   */
  constructor(
    private readonly inner: Transport,
    private readonly recorder: Recorder,
    private readonly select: (address: HostAddress) => boolean,
  ) {
    const tcp = new RecordingTcp(recorder);
    this.tcp = tcp;
    const { claimUfrag, releaseUfrag, listenTcp, connectTcp, reserveTcpPort } = inner;
    const { connectServerStream, resolveMdns, publishMdns } = inner;
    const mdns = new RecordingMdns(recorder);
    if (resolveMdns !== undefined) {
      this.resolveMdns = (hostname, onMalformed) =>
        mdns.resolve((dropped) => resolveMdns.call(inner, hostname, dropped), onMalformed);
    }
    if (publishMdns !== undefined) {
      this.publishMdns = (records, onMalformed) =>
        mdns.publish((dropped) => publishMdns.call(inner, records, dropped), onMalformed);
    }
    if (listenTcp !== undefined && connectTcp !== undefined) {
      this.listenTcp = (address, ports) => tcp.listen(listenTcp.call(inner, address, ports));
      this.connectTcp = (local, address, port, localPort) =>
        tcp.connect(connectTcp.call(inner, local, address, port, localPort));
    }
    if (reserveTcpPort !== undefined) {
      this.reserveTcpPort = (address, ports) => tcp.reserve(reserveTcpPort.call(inner, address, ports));
    }
    if (connectServerStream !== undefined) {
      this.connectServerStream = (target) => tcp.connect(connectServerStream.call(inner, target));
    }
    if (claimUfrag !== undefined) {
      this.claimUfrag = (ufrag) => {
        const granted = claimUfrag.call(inner, ufrag);
        recorder.answer({ k: 'claim', ufrag, granted });
        return granted;
      };
      this.releaseUfrag = (ufrag) => releaseUfrag?.call(inner, ufrag);
    }
    const closed = inner.closed$;
    if (closed !== undefined) {
      this.closed$ = new Observable<void>((subscriber) =>
        closed.subscribe({
          next: () => recorder.input({ k: 'transport-closed' }, () => subscriber.next()),
          complete: () => subscriber.complete(),
        }),
      );
    }
  }

  /** The inner transport's addresses the `ipFilter` keeps, logged. */
  hostAddresses(): readonly HostAddress[] {
    const addresses = this.inner.hostAddresses().filter(this.select);
    this.recorder.answer({
      k: 'hosts',
      addresses: addresses.map(({ address, family, iface, internal }) => ({
        address,
        family,
        iface,
        internal,
      })),
    });
    return addresses;
  }

  /** Looks `host` up on the inner transport (or with `dns.lookup`); the result is logged. */
  lookupHost(host: string): Observable<readonly string[]> {
    const inner = this.inner.lookupHost?.(host) ?? dnsLookup(host);
    return this.tcp.lookup(host, inner);
  }

  /** Binds on the inner transport; the socket (or the failure) is logged with the bind's number. */
  bind(address: string, ports?: PortRange): Observable<PacketSocket> {
    return defer(() => {
      const bind = this.binds++;
      const recorder = this.recorder;
      return settleOnce(
        recorder,
        this.inner.bind(address, ports),
        (socket) => {
          const { port, family } = socket;
          const line = { k: 'bound', bind, address: socket.address, port, family } as const;
          return [line, new RecordingSocket(socket, bind, recorder)];
        },
        (message) => ({ k: 'bind-error', bind, message }),
      );
    });
  }
}

/** A socket whose datagrams in are inputs and datagrams out are outputs. */
class RecordingSocket implements PacketSocket {
  readonly address: string;
  readonly port: number;
  readonly family: PacketSocket['family'];
  readonly packets$: Observable<InboundPacket>;

  constructor(
    private readonly inner: PacketSocket,
    private readonly id: number,
    private readonly recorder: Recorder,
  ) {
    this.address = inner.address;
    this.port = inner.port;
    this.family = inner.family;
    this.packets$ = new Observable<InboundPacket>((subscriber) =>
      inner.packets$.subscribe({
        next: (packet) => {
          const { address: from, port, data } = packet;
          recorder.input({ k: 'packet', socket: id, from, port, hex: toHex(data) }, () =>
            subscriber.next(packet),
          );
        },
        complete: () => {
          if (recorder.nested) subscriber.complete();
          else recorder.input({ k: 'socket-end', socket: id }, () => subscriber.complete());
        },
      }),
    ).pipe(share());
  }

  get sendErrors(): number {
    return this.inner.sendErrors;
  }

  send(data: Uint8Array, port: number, address: string): void {
    this.recorder.output({ k: 'sent', socket: this.id, to: address, port, hex: toHex(data) });
    this.inner.send(data, port, address);
  }

  close(): void {
    this.recorder.output({ k: 'closed', socket: this.id });
    this.inner.close();
  }

  setLocalUfrags(ufrags: readonly string[]): void {
    this.inner.setLocalUfrags?.(ufrags);
  }
}
