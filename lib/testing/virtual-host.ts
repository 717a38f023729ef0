/**
 * A host of the virtual network and its sockets: addresses, port allocation,
 * delivery to the socket bound on a datagram's destination.
 */
import { Observable, Subject, throwError } from 'rxjs';
import { BindError, InvalidArgumentError } from '../errors.js';
import type {
  AddressFamily,
  HostAddress,
  InboundPacket,
  PacketSocket,
  PortRange,
} from '../transport/types.js';
import { bindAddress, familyOf, isLoopback, normalizeAddress } from './network-addresses.js';
import type { VirtualHost, VirtualHostStats, VirtualPacket } from './network-types.js';

const EPHEMERAL_MIN = 49152;
const EPHEMERAL_MAX = 65535;

/** Internal: the network hands each host a function that counts and routes what its sockets send. */
export class Host implements VirtualHost {
  readonly counters = { sent: 0, received: 0, dropped: 0 };
  readonly #ports = new Map<string, Map<number, VirtualSocket>>();
  readonly #nextEphemeral = new Map<string, number>();

  constructor(
    readonly transmit: (packet: VirtualPacket) => void,
    readonly name: string,
    readonly addresses: readonly string[],
  ) {
    for (const a of addresses) this.#ports.set(a, new Map());
  }

  get stats(): VirtualHostStats {
    return { ...this.counters };
  }

  owns(address: string): boolean {
    return this.#ports.has(address);
  }

  hostAddresses(): readonly HostAddress[] {
    return this.addresses.map((address) => ({
      address,
      family: familyOf(address),
      iface: this.name,
      internal: isLoopback(address),
    }));
  }

  bind(address: string, ports?: PortRange): Observable<PacketSocket> {
    const normal = bindAddress(address, ports);
    if (normal instanceof InvalidArgumentError) return throwError(() => normal);
    const bound = this.#ports.get(normal);
    if (bound === undefined)
      return throwError(() => new BindError(`address ${address} is not on host ${this.name}`));
    return new Observable<PacketSocket>((subscriber) => {
      const port = ports ? firstFree(bound, ports.min, ports.max) : this.#ephemeral(normal, bound);
      if (port === undefined) {
        const range = ports ? `ports ${ports.min}-${ports.max}` : 'ephemeral ports';
        subscriber.error(new BindError(`no free port on ${this.name} ${address} (${range})`));
        return;
      }
      const socket = new VirtualSocket(this, normal, port);
      bound.set(port, socket);
      subscriber.next(socket);
      subscriber.complete();
    });
  }

  /** Hands a datagram to the socket bound on its destination; false when none. */
  receive(packet: VirtualPacket): boolean {
    const socket = this.#ports
      .get(this.owns(packet.dstAddress) ? packet.dstAddress : (normalizeAddress(packet.dstAddress) ?? ''))
      ?.get(packet.dstPort);
    if (socket === undefined) return false;
    this.counters.received++;
    socket.receive(packet);
    return true;
  }

  unbind(socket: VirtualSocket): void {
    const bound = this.#ports.get(socket.address);
    if (bound?.get(socket.port) === socket) bound.delete(socket.port);
  }

  #ephemeral(address: string, bound: Map<number, VirtualSocket>): number | undefined {
    let p = this.#nextEphemeral.get(address) ?? EPHEMERAL_MIN;
    for (let i = 0; i <= EPHEMERAL_MAX - EPHEMERAL_MIN; i++) {
      const candidate = p;
      p = p === EPHEMERAL_MAX ? EPHEMERAL_MIN : p + 1;
      if (!bound.has(candidate)) {
        this.#nextEphemeral.set(address, p);
        return candidate;
      }
    }
    return undefined;
  }
}

function firstFree(bound: Map<number, VirtualSocket>, min: number, max: number): number | undefined {
  for (let p = min; p <= max; p++) if (!bound.has(p)) return p;
  return undefined;
}

class VirtualSocket implements PacketSocket {
  readonly family: AddressFamily;
  readonly packets$: Observable<InboundPacket>;
  readonly #packets = new Subject<InboundPacket>();
  #sendErrors = 0;
  #closed = false;

  constructor(
    readonly host: Host,
    readonly address: string,
    readonly port: number,
  ) {
    this.family = familyOf(address);
    this.packets$ = this.#packets.asObservable();
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  send(data: Uint8Array, port: number, address: string): void {
    // Closed socket, bad port, or wrong family (a real udp4 socket says EINVAL): counted.
    if (
      this.#closed ||
      !(Number.isInteger(port) && port > 0 && port <= 65535) ||
      typeof address !== 'string' ||
      address.includes(':') !== (this.family === 'IPv6')
    ) {
      this.#sendErrors++;
      return;
    }
    const copy = new Uint8Array(data); // in flight, the sender may reuse its buffer
    this.host.transmit({
      data: copy,
      fromHost: this.host.name,
      srcAddress: this.address,
      srcPort: this.port,
      dstAddress: address,
      dstPort: port,
    });
  }

  receive(packet: VirtualPacket): void {
    this.#packets.next({ data: packet.data, address: packet.srcAddress, port: packet.srcPort });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.host.unbind(this);
    this.#packets.complete();
  }
}
