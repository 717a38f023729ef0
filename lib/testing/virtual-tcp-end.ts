/**
 * The ends of the virtual network's TCP (`VirtualTcpNetwork`): a
 * listener and one end of a connection, with the hooks tests break things with.
 * @module
 */
import { type Observable, Subject } from 'rxjs';
import type { AddressFamily, TcpCloseReason, TcpConnection, TcpListener } from '../transport/types.js';
import { familyOf } from './network-addresses.js';

/** What a {@link VirtualTcpEnd} needs of its network (a `VirtualTcpNetwork`): delivery after the latency, and counting. */
export interface VirtualTcpWire {
  /** Runs `work` after the one-way latency. */
  later(work: () => void): void;
  /** Counts bytes handed to a reader. */
  delivered(bytes: number): void;
}

/** A virtual listening socket. @internal */
export class VirtualListener implements TcpListener {
  readonly family: AddressFamily;
  readonly connections$: Observable<TcpConnection>;
  readonly #connections = new Subject<TcpConnection>();
  #closed = false;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly release: () => void,
  ) {
    this.family = familyOf(address);
    this.connections$ = this.#connections.asObservable();
  }

  accept(end: VirtualTcpEnd): void {
    if (this.#closed) end.reset();
    else this.#connections.next(end);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.release();
    this.#connections.complete();
  }
}

/**
 * One end of a virtual TCP connection. Besides {@link TcpConnection}, tests
 * can stop its reader ({@link pauseReading}) and make the connection
 * half-open ({@link goSilent}).
 */
export class VirtualTcpEnd implements TcpConnection {
  /** The other end (set right after construction). @internal */
  peer: VirtualTcpEnd | undefined;
  readonly data$: Observable<Uint8Array>;
  readonly #data = new Subject<Uint8Array>();
  /** Bytes that arrived while reading was paused, in order. */
  readonly #unread: Uint8Array[] = [];
  #paused = false;
  #silent = false;
  /** Bytes written here and not yet read by the peer's reader. */
  #inFlight = 0;
  #closeReason: TcpCloseReason | undefined;

  constructor(
    private readonly network: VirtualTcpWire,
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly release: () => void,
  ) {
    this.data$ = this.#data.asObservable();
  }

  get bufferedAmount(): number {
    return this.#inFlight;
  }

  get closeReason(): TcpCloseReason | undefined {
    return this.#closeReason;
  }

  write(data: Uint8Array): void {
    if (this.#closeReason !== undefined) return;
    const copy = new Uint8Array(data);
    this.#inFlight += copy.byteLength;
    if (this.#silent) return; // never acknowledged: stays buffered
    this.network.later(() => this.peer?.arrive(copy, this));
  }

  close(): void {
    if (this.#closeReason !== undefined) return;
    this.#end('closed');
    if (!this.#silent) this.network.later(() => this.peer?.ended('end'));
  }

  reset(): void {
    if (this.#closeReason !== undefined) return;
    this.#end('closed');
    if (!this.#silent) this.network.later(() => this.peer?.ended('reset'));
  }

  /** Test hook: the application stops reading; what arrives waits and the writer's buffer grows. */
  pauseReading(paused: boolean): void {
    this.#paused = paused;
    if (paused) return;
    for (const chunk of this.#unread.splice(0)) this.#deliver(chunk);
  }

  /**
   * Test hook: the path goes dead without a FIN or RST (a half-open
   * connection): nothing sent either way arrives, and neither end is told.
   */
  goSilent(): void {
    this.#silent = true;
    if (this.peer) this.peer.#silent = true;
  }

  /** Bytes from the peer. @internal */
  arrive(chunk: Uint8Array, from: VirtualTcpEnd): void {
    if (this.#closeReason !== undefined || this.#silent) return;
    if (this.#paused) {
      this.#unread.push(chunk);
      return;
    }
    this.#deliver(chunk, from);
  }

  #deliver(chunk: Uint8Array, from = this.peer): void {
    if (from) from.#inFlight -= chunk.byteLength;
    this.network.delivered(chunk.byteLength);
    this.#data.next(chunk);
  }

  /** The peer's FIN or RST arrived. @internal */
  ended(reason: TcpCloseReason): void {
    if (!this.#silent) this.#end(reason);
  }

  #end(reason: TcpCloseReason): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    this.#unread.length = 0;
    this.release();
    this.#data.complete();
  }
}
