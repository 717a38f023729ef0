import type { Observable } from 'rxjs';

/** IP address family as Node's `os.networkInterfaces()` names it. */
export type AddressFamily = 'IPv4' | 'IPv6';

/** One address of one local interface that host candidates may be gathered on. */
export interface HostAddress {
  /** The IP address (IPv6 without brackets; link-local ones may carry a `%zone`). */
  readonly address: string;
  /** IPv4 or IPv6. */
  readonly family: AddressFamily;
  /** Interface name (`eth0`, `lo`, or a virtual host's name). */
  readonly iface: string;
  /** True for loopback addresses. */
  readonly internal: boolean;
}

/** Inclusive UDP port range for host sockets. */
export interface PortRange {
  /** Lowest port, 1 to 65535. */
  readonly min: number;
  /** Highest port, `min` to 65535. */
  readonly max: number;
}

/**
 * One datagram read from a socket. Emitted as-is by {@link PacketSocket.packets$}:
 * `data` is the buffer the socket produced (no copy).
 */
export interface InboundPacket {
  /** The datagram payload. */
  readonly data: Uint8Array;
  /** Source address of the datagram. */
  readonly address: string;
  /** Source port of the datagram. */
  readonly port: number;
}

/** A bound datagram socket. */
export interface PacketSocket {
  /** Local address the socket is bound to. */
  readonly address: string;
  /** Local port the socket is bound to. */
  readonly port: number;
  /** Address family of the socket. */
  readonly family: AddressFamily;
  /**
   * Datagrams received. Hot: subscribe once; completes when the socket closes.
   * Never errors: socket errors are counted, not thrown.
   */
  readonly packets$: Observable<InboundPacket>;
  /** Sends one datagram. Never throws for network errors (they are counted). */
  send(data: Uint8Array, port: number, address: string): void;
  /** Number of send errors reported by the socket so far. */
  readonly sendErrors: number;
  /** Closes the socket; `packets$` completes. Idempotent. */
  close(): void;
}

/**
 * Where the agent gets sockets from: real UDP (`UdpTransport`) or the
 * scheduler-driven virtual network of `rx-ice/testing`.
 */
export interface Transport {
  /** Local interface addresses that host candidates may be gathered on. */
  hostAddresses(): readonly HostAddress[];
  /**
   * Binds a datagram socket on `address`, on a port within `ports` (any port
   * when omitted). Emits the socket once and completes, or errors with a
   * `BindError`. The virtual network emits synchronously, so sessions run in
   * virtual time.
   */
  bind(address: string, ports?: PortRange): Observable<PacketSocket>;
  /**
   * Resolves an mDNS `.local` name with a one-shot query (emits the address,
   * or completes empty). Optional: transports without mDNS leave it out.
   */
  resolveMdns?(hostname: string): Observable<string>;
  /** Answers mDNS queries for `name → address` records until unsubscribed. Optional. */
  publishMdns?(records: ReadonlyMap<string, string>): Observable<never>;
}
