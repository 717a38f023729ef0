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
  /**
   * The local ufrags the agent owning this socket answers to now (the current
   * generation's and, during a restart, the previous one's), each claimed
   * first with {@link Transport.claimUfrag}. The agent calls it when the
   * socket is bound and whenever the set changes. A socket shared between
   * agents (a `UdpMux`'s) routes STUN requests by it; others leave it out.
   */
  setLocalUfrags?(ufrags: readonly string[]): void;
}

/** TLS settings for `turns:` servers (passed to `tls.connect`). */
export interface TurnTlsOptions {
  /** Trusted CA certificates (PEM), replacing Node's default list; for private or test servers. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Verify the server certificate (default true). Turn it off only in tests. */
  readonly rejectUnauthorized?: boolean;
}

/** A STUN/TURN server to reach over TCP, or TLS when `tls` is set ({@link Transport.connectServerStream}). */
export interface ServerStreamTarget {
  /** The server's IP address. */
  readonly address: string;
  /** The server's port. */
  readonly port: number;
  /** Local address to connect from (the host candidate's address). */
  readonly localAddress: string;
  /** TLS when set. */
  readonly tls?: ServerStreamTls;
}

/** The TLS of a {@link ServerStreamTarget}: the agent's `turnTls`, and the name to check. */
export interface ServerStreamTls extends TurnTlsOptions {
  /** The URL's host name when it is one (not an IP literal), for SNI and the certificate check. */
  readonly servername?: string;
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
   * or completes empty), calling `onMalformed` for each datagram it drops
   * because it did not decode as DNS. Optional: transports without mDNS leave it out.
   */
  resolveMdns?(hostname: string, onMalformed?: () => void): Observable<string>;
  /**
   * Resolves a STUN/TURN server's host name to its addresses (emits them
   * once and completes, or errors). Optional: without it the agent asks
   * `dns.lookup`. IP literals and `localhost` are never looked up.
   */
  lookupHost?(host: string): Observable<readonly string[]>;
  /** Answers mDNS queries for `name → address` records until unsubscribed; `onMalformed` as for `resolveMdns`. Optional. */
  publishMdns?(records: ReadonlyMap<string, string>, onMalformed?: () => void): Observable<never>;
  /**
   * Listens for TCP connections on `address`, on a port within `ports` (any
   * port when omitted), for passive ICE-TCP candidates (RFC 6544). Emits the
   * listener once and completes, or errors with a `BindError`. Optional:
   * transports without TCP leave it out (then the `tcp` option gathers nothing).
   */
  listenTcp?(address: string, ports?: PortRange): Observable<TcpListener>;
  /**
   * Opens a TCP connection from `localAddress` (any port, or `localPort`) to
   * `remoteAddress:remotePort`, for active ICE-TCP candidates (and, from a
   * port of {@link reserveTcpPort}, for simultaneous-open ones). Emits the
   * connection once it is established and completes, or errors when it cannot
   * be (refused, unreachable). Unsubscribing before it is established aborts it.
   * Optional, like {@link listenTcp}.
   */
  connectTcp?(
    localAddress: string,
    remoteAddress: string,
    remotePort: number,
    localPort?: number,
  ): Observable<TcpConnection>;
  /**
   * Reserves a TCP port on `address`, within `ports` (any port when omitted),
   * for a simultaneous-open ICE-TCP candidate (RFC 6544 §4.5): nothing listens
   * on it; the candidate's connections are opened from it with
   * `connectTcp(…, localPort)`, and a peer's SYN that crosses ours makes the
   * connection (TCP simultaneous open). Emits the reservation once and
   * completes, or errors with a `BindError`. Optional: without it the `tcp`
   * option gathers no `so` candidate.
   */
  reserveTcpPort?(address: string, ports?: PortRange): Observable<TcpPortReservation>;
  /**
   * Opens a connection to a TURN server for `turn:…?transport=tcp` (TCP) or
   * `turns:` (TLS, done by the transport: the connection carries the plain
   * bytes) URLs, RFC 8656 §3.1. Emits it once established (for TLS, once the
   * handshake and the certificate check succeeded) and completes, or errors
   * with an `Error` whose message is the reason (`ECONNREFUSED`, a certificate
   * error code). Unsubscribing before it is established aborts it. Optional:
   * without it, TURN over TCP and TLS fails with a `turn-connection` error
   * (`UdpTransport` and `UdpMux` have it; the virtual network has not).
   */
  connectServerStream?(target: ServerStreamTarget): Observable<TcpConnection>;
  /**
   * Reserves a local ufrag for one agent on a transport that many agents
   * share (a `UdpMux`): false when another agent holds it (the agent then
   * draws another). The agent claims every ufrag it generates and releases it
   * with {@link releaseUfrag} when it no longer answers to it, so two agents
   * on one transport never share a ufrag. May throw a `LimitExceededError`
   * when the transport's table is full. Optional: unshared transports leave it out.
   */
  claimUfrag?(ufrag: string): boolean;
  /** Gives back a ufrag taken with {@link claimUfrag}. Idempotent. Optional, with it. */
  releaseUfrag?(ufrag: string): void;
  /**
   * Emits once, then completes, when the transport shuts down for good (a
   * `UdpMux` closed): every agent on it stops (state `closed`). Replays to
   * late subscribers. Optional: transports that never end leave it out.
   */
  readonly closed$?: Observable<void>;
}

/** Why a TCP connection ended: the peer closed it (FIN), reset it (RST), or it failed otherwise. */
export type TcpCloseReason = 'end' | 'reset' | 'error' | 'closed';

/**
 * One established TCP connection: a byte stream, no framing (the agent adds
 * RFC 4571 framing on top).
 */
export interface TcpConnection {
  /** Local address of the connection. */
  readonly localAddress: string;
  /** Local port of the connection. */
  readonly localPort: number;
  /** Address of the peer. */
  readonly remoteAddress: string;
  /** Port of the peer. */
  readonly remotePort: number;
  /**
   * Bytes received, in order, as the stream delivers them (chunk boundaries
   * mean nothing). Hot: subscribe once, right away; completes when the
   * connection ends for any reason ({@link closeReason} tells which). Never errors.
   */
  readonly data$: Observable<Uint8Array>;
  /**
   * Queues bytes for sending. Never throws for network errors. The bytes stay
   * counted in {@link bufferedAmount} until the peer's window takes them.
   */
  write(data: Uint8Array): void;
  /** Bytes written but not yet handed to the network (a slow reader makes it grow). */
  readonly bufferedAmount: number;
  /** Set once the connection ended; undefined while it is open. */
  readonly closeReason: TcpCloseReason | undefined;
  /** Ends the connection gracefully (FIN after what was written); `data$` completes. Idempotent. */
  close(): void;
  /** Aborts the connection (RST); `data$` completes. Idempotent. */
  reset(): void;
}

/** A TCP port held for a simultaneous-open candidate ({@link Transport.reserveTcpPort}). */
export interface TcpPortReservation {
  /** Local address. */
  readonly address: string;
  /** The reserved port. */
  readonly port: number;
  /** Address family. */
  readonly family: AddressFamily;
  /** Gives the port back. Idempotent. */
  release(): void;
}

/** A listening TCP socket. */
export interface TcpListener {
  /** Local address it listens on. */
  readonly address: string;
  /** Local port it listens on. */
  readonly port: number;
  /** Address family. */
  readonly family: AddressFamily;
  /** Accepted connections. Hot: subscribe once; completes when the listener closes. */
  readonly connections$: Observable<TcpConnection>;
  /** Stops listening; accepted connections stay open. Idempotent. */
  close(): void;
}
