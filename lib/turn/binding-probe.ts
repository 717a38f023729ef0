/**
 * Server-reflexive discovery (RFC 8445 §5.1.1.2): one unauthenticated
 * Binding request to a STUN server, retransmitted per RFC 8489, answered with
 * the XOR-MAPPED-ADDRESS the server saw. Sans-IO, driven by a ProtocolDriver.
 */
import { buildPlainBindingRequest, decodeStun } from '../stun/message.js';
import { type StunAddress, StunMethod } from '../stun/types.js';
import type { ServerProtocol } from './driver.js';
import { ClientTransactions, type ServerRetransmission } from './transactions.js';

/** Outcome of a probe. */
export type BindingProbeEvent =
  | { readonly type: 'mapped'; readonly mapped: StunAddress; readonly rtt: number | undefined }
  | {
      readonly type: 'error';
      readonly kind: 'stun-timeout' | 'stun-error';
      readonly code?: number;
      readonly reason: string;
    };

/** One Binding transaction with a STUN server. */
export class BindingProbe implements ServerProtocol<BindingProbeEvent> {
  /** `done` once the server reported the mapped address, `failed` on an error answer or a timeout. */
  state: 'new' | 'waiting' | 'done' | 'failed' = 'new';
  private readonly outbox: Uint8Array[] = [];
  private readonly events: BindingProbeEvent[] = [];
  private readonly transactions: ClientTransactions<true>;
  private transactionId: Uint8Array | undefined;

  /** @param newTransactionId fresh transaction ids; default: the process-wide CSPRNG pool */
  constructor(
    retransmission: ServerRetransmission,
    private readonly newTransactionId?: () => Uint8Array,
  ) {
    this.transactions = new ClientTransactions<true>(retransmission, false, this.outbox, 1);
  }

  /** Requests sent so far (first transmissions) and their retransmissions. */
  get requestsSent(): number {
    return this.transactions.started;
  }

  /** Retransmissions of the request so far. */
  get retransmissions(): number {
    return this.transactions.retransmissions;
  }

  /** Sends the Binding request. */
  start(now: number): void {
    if (this.state !== 'new') return;
    this.state = 'waiting';
    const { transactionId, bytes } = buildPlainBindingRequest(this.newTransactionId?.(), {
      fingerprint: true,
    });
    this.transactionId = transactionId;
    this.transactions.start(transactionId, bytes, true, now);
  }

  /** Takes the answer to its request; anything else is left for others (false). */
  handleInbound(bytes: Uint8Array, now: number): boolean {
    if (this.state !== 'waiting' || this.transactionId === undefined) return false;
    const message = decodeStun(bytes);
    if (
      !message ||
      message.method !== StunMethod.Binding ||
      (message.cls !== 'success' && message.cls !== 'error')
    ) {
      return false;
    }
    const done = this.transactions.finish(message.transactionId, now);
    if (!done) return false;
    if (message.cls === 'success' && message.xorMappedAddress) {
      this.state = 'done';
      this.events.push({ type: 'mapped', mapped: message.xorMappedAddress, rtt: done.rtt });
    } else {
      this.state = 'failed';
      const code = message.errorCode?.code;
      const reason = message.errorCode?.reason || 'Binding success without XOR-MAPPED-ADDRESS';
      this.events.push({ type: 'error', kind: 'stun-error', code, reason });
    }
    return true;
  }

  handleTimeout(now: number): void {
    for (const { attempts } of this.transactions.handleTimeout(now)) {
      this.state = 'failed';
      this.events.push({
        type: 'error',
        kind: 'stun-timeout',
        reason: `no answer to the Binding request after ${attempts} transmission(s)`,
      });
    }
  }

  nextTimeout(): number | undefined {
    return this.transactions.nextTimeout();
  }

  pollTransmit(): Uint8Array | undefined {
    return this.outbox.shift();
  }

  pollEvent(): BindingProbeEvent | undefined {
    return this.events.shift();
  }

  /** Gives up without an event (gathering stopped). */
  cancel(): void {
    this.transactions.clear();
    if (this.state === 'waiting' || this.state === 'new') this.state = 'failed';
  }
}
