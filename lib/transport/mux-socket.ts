/**
 * One session's view of a `UdpMux`: a {@link PacketSocket} whose datagrams
 * are the ones the mux routed to it, and whose sends teach the mux where
 * answers come from.
 * @internal
 * @module
 */
import { type Observable, Subject } from 'rxjs';
import { asBuffer, isStunPacket } from '../stun/raw.js';
import { addressKey, type MuxRoutes, type MuxRouteTarget } from './mux-routes.js';
import type { AddressFamily, InboundPacket, PacketSocket } from './types.js';

/** What a {@link MuxSocket} needs of its mux. */
export interface MuxHost {
  readonly routes: MuxRoutes<MuxSocket>;
  /**
   * Sends on the shared socket; `done` is called once with the outcome and
   * must call {@link settled}. False (and no `done`) when it failed at once.
   */
  send(data: Uint8Array, port: number, address: string, done: (err: Error | null) => void): boolean;
  /** A send handed over by {@link send} finished. */
  settled(err: Error | null): void;
  /** The socket closed: the mux forgets it. */
  detach(socket: MuxSocket): void;
}

/** STUN class bits of the message type: request 0x0000, error response 0x0110. */
const CLASS_BITS = 0x0110;
const ERROR_RESPONSE = 0x0110;

/**
 * A virtual socket on a `UdpMux`. What it sends is what teaches the mux to
 * route (nothing arriving from the network does):
 * - a STUN request: its transaction id, so the answer comes back here;
 * - anything but a STUN error response: its destination, so non-STUN
 *   datagrams from there come here (the last session to send to an address
 *   owns it). An agent sends only to addresses it has reason to trust
 *   (signaled candidates, peers that authenticated a check, its servers);
 *   error responses go to anyone who sends a bad check, so they teach nothing.
 */
export class MuxSocket implements PacketSocket, MuxRouteTarget {
  readonly address: string;
  readonly port: number;
  readonly family: AddressFamily;
  readonly packets$: Observable<InboundPacket>;
  readonly addresses = new Set<string>();
  readonly #packets = new Subject<InboundPacket>();
  readonly #host: MuxHost;
  #ufrags: readonly string[] = [];
  #sendErrors = 0;
  #closed = false;
  /** The destination learned last, so a stream of sends to one peer costs one Set lookup each. */
  #lastAddress = '';
  #lastPort = -1;
  #lastKey = '';

  constructor(host: MuxHost, address: string, port: number, family: AddressFamily) {
    this.#host = host;
    this.address = address;
    this.port = port;
    this.family = family;
    this.packets$ = this.#packets.asObservable();
  }

  /** True once closed (by the agent or the mux). */
  get closed(): boolean {
    return this.#closed;
  }

  get sendErrors(): number {
    return this.#sendErrors;
  }

  /** The ufrags requests are routed here for. */
  get ufrags(): readonly string[] {
    return this.#ufrags;
  }

  setLocalUfrags(ufrags: readonly string[]): void {
    if (this.#closed) return;
    this.#ufrags = this.#host.routes.routeUfrags(this, this.#ufrags, ufrags);
  }

  /** A datagram the mux routed here. */
  deliver(packet: InboundPacket): void {
    this.#packets.next(packet);
  }

  send(data: Uint8Array, port: number, address: string): void {
    if (this.#closed) {
      this.#sendErrors++;
      return;
    }
    if (isStunPacket(data)) {
      const cls = (((data[0] as number) << 8) | (data[1] as number)) & CLASS_BITS;
      if (cls === 0) this.#host.routes.noteTransaction(asBuffer(data).toString('latin1', 8, 20), this);
      if (cls !== ERROR_RESPONSE) this.#learn(address, port);
    } else {
      this.#learn(address, port);
    }
    if (!this.#host.send(data, port, address, this.#onSent)) this.#sendErrors++;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.routes.forget(this, this.#ufrags);
    this.#ufrags = [];
    this.#host.detach(this);
    this.#packets.complete();
  }

  #learn(address: string, port: number): void {
    if (port === this.#lastPort && address === this.#lastAddress && this.addresses.has(this.#lastKey)) return;
    const key = addressKey(address, port);
    this.#host.routes.learnAddress(key, this);
    this.#lastAddress = address;
    this.#lastPort = port;
    this.#lastKey = key;
  }

  readonly #onSent = (err: Error | null): void => {
    if (err) this.#sendErrors++;
    this.#host.settled(err);
  };
}
