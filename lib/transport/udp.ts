/**
 * Real UDP transport over `node:dgram`.
 *
 * Hot path (one call per datagram): the socket's single `'message'` handler
 * pushes `{ data, address, port }` into one `Subject` created at bind time;
 * `send()` hands the caller's bytes straight to `socket.send` with one shared
 * completion callback per socket. No Observable, Subject, closure or buffer
 * copy is created per datagram.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import { type NetworkInterfaceInfo, networkInterfaces as osNetworkInterfaces } from 'node:os';
import { Observable, Subject, throwError } from 'rxjs';
import { BindError, InvalidArgumentError, InvalidOptionError } from '../errors.js';
import { publishMdns, resolveMdns } from '../mdns/multicast.js';
import { closeQuietly, setBufferSizes } from './dgram-socket.js';
import { connectServerStream } from './server-stream.js';
import type {
  AddressFamily,
  HostAddress,
  InboundPacket,
  PacketSocket,
  PortRange,
  ServerStreamTarget,
  TcpConnection,
  Transport,
} from './types.js';

/** Options of {@link UdpTransport}. */
export interface UdpTransportOptions {
  /** Source of the interface list (default `os.networkInterfaces`); inject in tests. */
  readonly networkInterfaces?: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  /**
   * Uniform random number in [0, 1) choosing where a port-range walk starts
   * (default `Math.random`). Not used for security.
   */
  readonly random?: () => number;
  /**
   * SO_RCVBUF / SO_SNDBUF requested for every socket, in bytes (default 1 MiB;
   * 0 keeps the OS default). The OS may cap it; failures are ignored.
   */
  readonly socketBufferSize?: number;
}

const DEFAULT_BUFFER_SIZE = 1 << 20;

/** OS errors after which a port-range walk tries the next port. */
const RETRYABLE_BIND_ERRORS = new Set(['EADDRINUSE', 'EACCES']);

/**
 * {@link Transport} over real UDP sockets (`node:dgram`).
 *
 * - `hostAddresses()` lists every IPv4 and IPv6 address of `os.networkInterfaces()`,
 *   loopback included (`internal: true`) and IPv6 link-local included, as Node
 *   reports them (no zone id); the agent decides which to use.
 * - `bind(address, ports?)` is cold: each subscription binds a new socket.
 *   Without `ports` it binds port 0 (OS-chosen). With `ports` it starts at a
 *   random port of the range and walks it (wrapping) until a bind succeeds,
 *   trying every port at most once; `EADDRINUSE`/`EACCES` move on, any other
 *   OS error fails at once. An IPv6 link-local address without a zone id gets
 *   the zone of the interface that holds it (`fe80::1` → `fe80::1%eth0`).
 */
export class UdpTransport implements Transport {
  readonly #networkInterfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
  readonly #random: () => number;
  readonly #bufferSize: number;

  constructor(options: UdpTransportOptions = {}) {
    const { networkInterfaces, random, socketBufferSize } = options;
    if (networkInterfaces !== undefined && typeof networkInterfaces !== 'function') {
      throw new InvalidOptionError('networkInterfaces must be a function');
    }
    if (random !== undefined && typeof random !== 'function') {
      throw new InvalidOptionError('random must be a function');
    }
    if (socketBufferSize !== undefined && (!Number.isSafeInteger(socketBufferSize) || socketBufferSize < 0)) {
      throw new InvalidOptionError('socketBufferSize must be a non-negative integer');
    }
    this.#networkInterfaces = networkInterfaces ?? osNetworkInterfaces;
    this.#random = random ?? Math.random;
    this.#bufferSize = socketBufferSize ?? DEFAULT_BUFFER_SIZE;
  }

  hostAddresses(): readonly HostAddress[] {
    const result: HostAddress[] = [];
    for (const [iface, infos] of Object.entries(this.#networkInterfaces())) {
      for (const info of infos ?? []) {
        const family = familyOf(info);
        if (family === undefined) continue;
        result.push({ address: info.address, family, iface, internal: info.internal });
      }
    }
    return result;
  }

  /** One-shot mDNS query over real multicast (every interface). */
  resolveMdns(hostname: string, onMalformed?: () => void): Observable<string> {
    return resolveMdns(hostname, { onMalformed });
  }

  /** Answers mDNS queries for the records over real multicast until unsubscribed. */
  publishMdns(records: ReadonlyMap<string, string>, onMalformed?: () => void): Observable<never> {
    return publishMdns(records, { onMalformed });
  }

  /** A TCP or TLS connection to a TURN server, over `node:net`/`node:tls`. */
  connectServerStream(target: ServerStreamTarget): Observable<TcpConnection> {
    return connectServerStream(target);
  }

  /**
   * Binds a UDP socket. Errors with {@link InvalidArgumentError} for a malformed
   * address or range, with {@link BindError} (cause: the OS error) when no
   * port could be bound. Unsubscribing before the bind completes closes the socket.
   */
  bind(address: string, ports?: PortRange): Observable<PacketSocket> {
    const zoneAt = address.indexOf('%');
    const ip = zoneAt < 0 ? address : address.slice(0, zoneAt);
    const version = isIP(ip);
    if (version === 0 || (zoneAt >= 0 && (version !== 6 || zoneAt === address.length - 1))) {
      return throwError(() => new InvalidArgumentError(`not an IP address: ${address}`));
    }
    if (ports !== undefined) {
      const problem = checkRange(ports);
      if (problem) return throwError(() => new InvalidArgumentError(problem));
    }
    const family: AddressFamily = version === 6 ? 'IPv6' : 'IPv4';
    const bindAddress = zoneAt < 0 && isLinkLocal6(ip) ? this.#withZone(ip) : address;
    const range = ports ? `ports ${ports.min}-${ports.max}` : 'any port';
    const bufferSize = this.#bufferSize;
    const random = this.#random;

    return new Observable<PacketSocket>((subscriber) => {
      const total = ports ? ports.max - ports.min + 1 : 1;
      const r = ports ? random() : 0;
      const start = r >= 0 && r < 1 ? Math.floor(r * total) : 0;
      let tried = 0;
      let pending: Socket | undefined;

      const attempt = (): void => {
        const port = ports ? ports.min + ((start + tried) % total) : 0;
        tried++;
        const socket = createSocket({ type: version === 6 ? 'udp6' : 'udp4' });
        pending = socket;
        const onError = (err: NodeJS.ErrnoException): void => {
          pending = undefined;
          closeQuietly(socket);
          if (subscriber.closed) return;
          if (ports && tried < total && RETRYABLE_BIND_ERRORS.has(err.code ?? '')) {
            attempt();
            return;
          }
          const why = err.code ?? err.message;
          const detail = ports && tried > 1 ? ` after trying ${tried} ports` : '';
          subscriber.error(
            new BindError(`cannot bind UDP ${bindAddress} (${range})${detail}: ${why}`, {
              cause: err,
            }),
          );
        };
        socket.once('error', onError);
        socket.bind({ port, address: bindAddress, exclusive: true }, () => {
          socket.off('error', onError);
          pending = undefined;
          if (subscriber.closed) {
            closeQuietly(socket);
            return;
          }
          if (bufferSize > 0) setBufferSizes(socket, bufferSize);
          subscriber.next(new UdpPacketSocket(socket, address, family));
          subscriber.complete();
        });
      };

      attempt();
      return () => {
        if (pending) closeQuietly(pending);
        pending = undefined;
      };
    });
  }

  /** Appends `%iface` of the interface holding a link-local IPv6 address, if found. */
  #withZone(ip: string): string {
    const wanted = ip.toLowerCase();
    for (const [iface, infos] of Object.entries(this.#networkInterfaces())) {
      for (const info of infos ?? []) {
        if (familyOf(info) === 'IPv6' && info.address.toLowerCase() === wanted) {
          return `${ip}%${iface}`;
        }
      }
    }
    return ip;
  }
}

/** A bound `node:dgram` socket as a {@link PacketSocket}. */
class UdpPacketSocket implements PacketSocket {
  readonly address: string;
  readonly port: number;
  readonly family: AddressFamily;
  readonly packets$: Observable<InboundPacket>;
  readonly #socket: Socket;
  readonly #packets = new Subject<InboundPacket>();
  #sendErrors = 0;
  #closed = false;
  /** Sends handed to the socket whose completion has not been reported yet. */
  #inFlight = 0;

  constructor(socket: Socket, address: string, family: AddressFamily) {
    this.#socket = socket;
    this.address = address;
    this.family = family;
    this.port = socket.address().port;
    this.packets$ = this.#packets.asObservable();
    socket.on('message', this.#onMessage);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  send(data: Uint8Array, port: number, address: string): void {
    if (this.#closed) {
      this.#sendErrors++;
      return;
    }
    this.#inFlight++;
    try {
      // One shared callback: without a callback Node silently discards
      // synchronous send errors (EMSGSIZE, EINVAL, ENETUNREACH...).
      this.#socket.send(data, port, address, this.#onSent);
    } catch {
      // Bad port or argument: counted like any other send error.
      this.#inFlight--;
      this.#sendErrors++;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Node resolves the destination before sending: closing now would silently drop datagrams
    // sent just before (a TURN deallocation on stop(), say). Close once they are out.
    if (this.#inFlight === 0) closeQuietly(this.#socket);
    this.#packets.complete();
  }

  readonly #onMessage = (msg: Buffer, rinfo: RemoteInfo): void => {
    this.#packets.next({ data: msg, address: rinfo.address, port: rinfo.port });
  };

  readonly #onSent = (err: Error | null): void => {
    if (err) this.#sendErrors++;
    if (--this.#inFlight === 0 && this.#closed) closeQuietly(this.#socket);
  };

  readonly #onError = (): void => {
    this.#sendErrors++;
  };

  readonly #onClose = (): void => {
    // Closed by us (no-op) or underneath us: either way packets$ completes.
    this.#closed = true;
    this.#packets.complete();
  };
}

function familyOf(info: NetworkInterfaceInfo): AddressFamily | undefined {
  // Node 18.0-18.3 reported numeric families; accept both.
  const family: unknown = info.family;
  if (family === 'IPv4' || family === 4) return 'IPv4';
  if (family === 'IPv6' || family === 6) return 'IPv6';
  return undefined;
}

function isLinkLocal6(ip: string): boolean {
  return /^fe[89ab][0-9a-f]:/i.test(ip);
}

function checkRange(ports: PortRange): string | undefined {
  const { min, max } = ports;
  const ok = (p: number): boolean => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!ok(min) || !ok(max) || min > max) {
    return `invalid port range ${String(min)}-${String(max)}: need integers 1 <= min <= max <= 65535`;
  }
  return undefined;
}
