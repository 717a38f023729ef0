/**
 * Drives a sans-IO server protocol (a Binding probe, a TURN allocation) on
 * the injected scheduler: feeds it input, flushes what it wants sent and the
 * events it produced, and keeps exactly one scheduler action armed for its
 * next deadline — the same pattern as the agent's session timer.
 */
import type { SchedulerLike, Subscription } from 'rxjs';

/** A sans-IO protocol talking to one server. */
export interface ServerProtocol<E> {
  /** Bytes from the server; false when they are not this protocol's (another one may take them). */
  handleInbound(bytes: Uint8Array, now: number): boolean;
  handleTimeout(now: number): void;
  /** Absolute scheduler time `handleTimeout` is next needed, if any. */
  nextTimeout(): number | undefined;
  /**
   * Optional: a number that changes whenever `nextTimeout()` may have changed
   * other than through `handleTimeout`. Lets the driver skip recomputing the
   * deadline on every relayed datagram.
   */
  deadlineVersion?(): number;
  pollTransmit(): Uint8Array | undefined;
  pollEvent(): E | undefined;
}

/** Runs one {@link ServerProtocol}: its timer on `scheduler`, its output to `transmit` and `onEvent`. */
export class ProtocolDriver<E> {
  private timer: Subscription | undefined;
  private timerAt: number | undefined;
  private armedVersion: number | undefined;
  private stopped = false;

  constructor(
    readonly protocol: ServerProtocol<E>,
    private readonly scheduler: SchedulerLike,
    private readonly transmit: (bytes: Uint8Array) => void,
    private readonly onEvent: (event: E) => void,
  ) {}

  /** The scheduler's clock. */
  now(): number {
    return this.scheduler.now();
  }

  /** Feeds bytes from the server; returns whether the protocol took them. */
  inbound(bytes: Uint8Array): boolean {
    if (this.stopped) return false;
    const taken = this.protocol.handleInbound(bytes, this.now());
    this.drive();
    return taken;
  }

  /** Flushes output and re-arms the timer; call after any other input to the protocol. */
  drive(): void {
    for (let b = this.protocol.pollTransmit(); b !== undefined; b = this.protocol.pollTransmit()) {
      this.transmit(b);
    }
    for (let e = this.protocol.pollEvent(); e !== undefined; e = this.protocol.pollEvent()) this.onEvent(e);
    if (!this.stopped) this.rearm();
  }

  /** Cancels the timer; output already produced is still flushed by a final `drive()`. */
  stop(): void {
    this.stopped = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.timerAt = undefined;
  }

  private rearm(): void {
    const version = this.protocol.deadlineVersion?.();
    if (this.timer && version !== undefined && version === this.armedVersion) return;
    this.armedVersion = version;
    const at = this.protocol.nextTimeout();
    if (at === this.timerAt && this.timer) return;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.timer = this.scheduler.schedule(() => this.onTimer(), Math.max(0, at - this.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = undefined;
    if (this.stopped) return;
    this.protocol.handleTimeout(this.now());
    this.drive();
  }
}
