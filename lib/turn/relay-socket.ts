/**
 * The RxJS side of a TURN allocation: {@link TurnClient} runs a
 * {@link TurnAllocation} on the scheduler over some path to the server, and
 * once allocated exposes the relayed transport address as a
 * {@link TurnRelaySocket} — an ordinary `PacketSocket`, so the agent pairs and
 * routes relayed candidates exactly like host ones.
 */
import { type Observable, type SchedulerLike, Subject } from 'rxjs';
import { ipVersion } from '../core/address.js';
import { isBindingRequest } from '../stun/raw.js';
import type { StunAddress } from '../stun/types.js';
import type { AddressFamily, InboundPacket, PacketSocket } from '../transport/types.js';
import { TurnAllocation } from './allocation.js';
import { ProtocolDriver } from './driver.js';
import type { TurnAllocationConfig, TurnEvent } from './turn-types.js';

/** How a TURN client reaches its server: a host UDP socket, or a TCP/TLS stream. */
export interface ServerPath {
  send(bytes: Uint8Array): void;
  /** Releases the path (closes a stream; nothing for a shared host socket). */
  close(): void;
}

/** What a TURN client reports to whoever runs it. */
export interface TurnClientHandlers {
  allocated(socket: TurnRelaySocket, mapped: StunAddress | undefined): void;
  /** A failure event of the allocation; `fatal` ones end it (a relay socket, if any, completes). */
  error(event: Extract<TurnEvent, { type: 'error' }>): void;
  /** A datagram from the server was dropped (already counted). */
  dropped?(event: Extract<TurnEvent, { type: 'dropped' }>): void;
}

/** One TURN allocation driven on a scheduler, talking to its server over `path`. */
export class TurnClient {
  /** The sans-IO allocation it drives (state, counters). */
  readonly allocation: TurnAllocation;
  /** The relayed socket, once allocated. */
  relay: TurnRelaySocket | undefined;
  private readonly driver: ProtocolDriver<TurnEvent>;

  constructor(
    config: TurnAllocationConfig,
    scheduler: SchedulerLike,
    private readonly path: ServerPath,
    private readonly handlers: TurnClientHandlers,
  ) {
    this.allocation = new TurnAllocation(config);
    this.driver = new ProtocolDriver(this.allocation, scheduler, (bytes) => path.send(bytes), this.onEvent);
  }

  /** Sends the first Allocate. */
  start(): void {
    this.allocation.start(this.driver.now());
    this.driver.drive();
  }

  /** Bytes from the server (a UDP datagram or one framed stream message). */
  inbound(bytes: Uint8Array): boolean {
    return this.driver.inbound(bytes);
  }

  /** @internal Relays one datagram to a peer; false when dropped. */
  send(address: string, port: number, data: Uint8Array): boolean {
    const sent = this.allocation.send(address, port, data, this.driver.now());
    this.driver.drive();
    return sent;
  }

  /**
   * Drops the connectivity checks (STUN Binding requests) held while their
   * peer's permission is being created: checking concluded (RFC 8445 §8.1.2),
   * so they must not go out late. Counted as dropped packets.
   */
  dropHeldChecks(): void {
    this.allocation.counters.droppedPackets += this.allocation.peers.dropQueued(isBindingRequest);
  }

  /** Binds a channel to a peer (for the data path of a selected pair). */
  bindChannel(address: string, port: number): void {
    this.allocation.bindChannel({ address, port }, this.driver.now());
    this.driver.drive();
  }

  /** Creates a permission for a peer IP ahead of traffic. */
  permit(ip: string): void {
    this.allocation.permit(ip, this.driver.now());
    this.driver.drive();
  }

  /** The stream to the server broke: the allocation went with it. */
  connectionLost(): void {
    this.allocation.connectionLost();
    this.driver.stop();
    this.relay?.end();
  }

  /** Deallocates (Refresh LIFETIME 0, not waited for), then releases the path. Idempotent. */
  close(): void {
    if (this.allocation.state === 'closed') return;
    this.allocation.close(this.driver.now());
    this.driver.stop();
    this.driver.drive(); // flush the deallocation
    this.path.close();
    this.relay?.end();
  }

  private readonly onEvent = (event: TurnEvent): void => {
    switch (event.type) {
      case 'data':
        this.relay?.deliver(event);
        return;
      case 'allocated':
        this.relay = new TurnRelaySocket(this, event.relayed);
        this.handlers.allocated(this.relay, event.mapped);
        return;
      case 'error':
        if (event.fatal) this.driver.stop();
        this.handlers.error(event);
        // Reported first; then the relay socket completes and its user retires it.
        if (event.fatal) this.relay?.end();
        return;
      case 'dropped':
        this.handlers.dropped?.(event);
        return;
    }
  };
}

/**
 * A relayed transport address as a `PacketSocket`: `address`/`port` are the
 * relayed address, `packets$` carries datagrams from peers with a permission
 * (Data indications and ChannelData), `send()` relays through the server
 * (ChannelData when a channel is bound, else a Send indication, creating the
 * permission on demand). `close()` deallocates.
 */
export class TurnRelaySocket implements PacketSocket {
  /** The relayed address. */
  readonly address: string;
  /** The relayed port. */
  readonly port: number;
  /** Family of the relayed address. */
  readonly family: AddressFamily;
  /**
   * Datagrams from peers with a permission; completes when the allocation ends
   * for any reason (deallocated, refresh failed, connection to the server lost).
   */
  readonly packets$: Observable<InboundPacket>;
  private readonly packets = new Subject<InboundPacket>();
  private dropped = 0;

  constructor(
    private readonly client: TurnClient,
    relayed: StunAddress,
  ) {
    this.address = relayed.address;
    this.port = relayed.port;
    this.family = ipVersion(relayed.address) === 6 ? 'IPv6' : 'IPv4';
    this.packets$ = this.packets.asObservable();
  }

  /** Datagrams the relay could not take (no permission yet and the queue full, allocation gone...). */
  get sendErrors(): number {
    return this.dropped;
  }

  /** Relays one datagram to `address:port`; a drop is counted in `sendErrors`, never thrown. */
  send(data: Uint8Array, port: number, address: string): void {
    if (!this.client.send(address, port, data)) this.dropped++;
  }

  /** Checking concluded: checks still waiting for a permission are dropped ({@link TurnClient.dropHeldChecks}). */
  dropHeldChecks(): void {
    this.client.dropHeldChecks();
  }

  /** Binds a TURN channel to `address:port` so data to and from it uses 4-byte ChannelData headers. */
  bindChannel(address: string, port: number): void {
    this.client.bindChannel(address, port);
  }

  /**
   * Creates the permission for a remote candidate's IP as soon as it is
   * known, so the peer's first checks are not dropped by the server while
   * ours are still on their way (a peer of another family, or a name, is
   * skipped: the server could not relay to it).
   */
  permit(address: string): void {
    if (ipVersion(address) === (this.family === 'IPv6' ? 6 : 4)) this.client.permit(address);
  }

  /** Deallocates and completes `packets$`. Idempotent. */
  close(): void {
    this.client.close();
  }

  /** @internal */
  deliver(packet: InboundPacket): void {
    this.packets.next(packet);
  }

  /** @internal The allocation is over. */
  end(): void {
    this.packets.complete();
  }
}
