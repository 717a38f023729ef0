/**
 * A TURN client allocation (RFC 8656) as a sans-IO state machine: inputs are
 * the bytes the server sent, datagrams to relay, and the current time;
 * outputs are the bytes to send to the server ({@link TurnAllocation.pollTransmit}),
 * events ({@link TurnAllocation.pollEvent}) and the next time it wants to be
 * woken ({@link TurnAllocation.nextTimeout}). It owns no socket and no clock.
 */
import { isIP } from 'node:net';
import { decodeStun, verifyIntegrity } from '../stun/message.js';
import { type StunAddress, type StunMessageView, StunMethod } from '../stun/types.js';
import { LongTermCredentials } from './auth.js';
import { encodeChannelData } from './channel-data.js';
import { buildSendIndication, buildTurnRequest } from './messages.js';
import { TurnPeers } from './peers.js';
import { receiveChannelData, receiveDataIndication } from './relayed-data.js';
import {
  describeRequest,
  peerRequestFailed,
  peerRequestSucceeded,
  sendQueued,
  startChannelBind,
  startPermission,
  type TurnRequest,
} from './requests.js';
import { ClientTransactions, transactionTimeout } from './transactions.js';
import { createTurnCounters, type TurnCounters } from './turn-counters.js';
import type { AllocationState, TurnAllocationConfig, TurnDropReason, TurnEvent } from './turn-types.js';

const DEFAULT_LIFETIME = 600;
/** Largest datagram a Send indication or ChannelData message can carry (16-bit lengths, headers). */
const MAX_RELAYED_DATAGRAM = 0xffff - 36;
/** Most 438 Stale Nonce retries of one request. */
const MAX_STALE_RETRIES = 3;

/** One TURN allocation: Allocate, Refresh, permissions, channels, relayed data. */
export class TurnAllocation {
  /** Where the allocation is in its life. */
  state: AllocationState = 'new';
  /** The relayed transport address (XOR-RELAYED-ADDRESS), once allocated. */
  relayed: StunAddress | undefined;
  /** The client's address as the server saw it (XOR-MAPPED-ADDRESS), once allocated. */
  mapped: StunAddress | undefined;
  /** Granted lifetime in seconds. */
  lifetime: number | undefined;
  /** What happened so far, for stats. */
  readonly counters: TurnCounters = createTurnCounters();
  /** @internal shared with the request helpers */
  readonly outbox: Uint8Array[] = [];
  /** @internal */
  readonly transactions: ClientTransactions<TurnRequest>;
  /** @internal */
  readonly peers: TurnPeers;
  /** @internal */
  readonly credentials: LongTermCredentials;
  private readonly events: TurnEvent[] = [];
  /** A 437 to our Allocate was answered by deleting the allocation in the way ({@link clearingMismatch}); once only. */
  private mismatchCleared = false;
  private readonly requestedLifetime: number;
  private refreshAt: number | undefined;
  private expiresAt: number | undefined;

  constructor(readonly config: TurnAllocationConfig) {
    this.credentials = new LongTermCredentials(config.username, config.password);
    this.transactions = new ClientTransactions(config.retransmission, config.reliable, this.outbox);
    this.peers = new TurnPeers(config.maxPeers ?? 64);
    this.requestedLifetime = config.lifetime ?? DEFAULT_LIFETIME;
  }

  /** Sends the first (unauthenticated) Allocate request. */
  start(now: number): void {
    if (this.state !== 'new') return;
    this.state = 'allocating';
    this.request({ kind: 'allocate', lifetime: this.requestedLifetime, stale: 0 }, now);
  }

  /**
   * Bytes from the server: a STUN message or a ChannelData message. Anything
   * else is dropped and counted. Always true: everything from the server is
   * this allocation's to consume.
   */
  handleInbound(bytes: Uint8Array, now: number): boolean {
    const first = bytes[0];
    if (first !== undefined && first >= 0x40 && first < 0x50) {
      receiveChannelData(this, bytes);
      return true;
    }
    const message = decodeStun(bytes);
    if (!message) {
      this.drop('malformed', bytes.length);
      return true;
    }
    if (message.cls === 'success' || message.cls === 'error') this.handleResponse(message, now);
    else if (message.cls === 'indication' && message.method === StunMethod.Data)
      receiveDataIndication(this, message);
    else this.drop('unexpected', bytes.length);
    return true;
  }

  /**
   * Relays one datagram to `address:port`: ChannelData over a bound channel,
   * else a Send indication under a granted permission, else the datagram
   * waits (bounded) while a CreatePermission is sent. False when dropped.
   */
  send(address: string, port: number, data: Uint8Array, now: number): boolean {
    // Only IP peers can be relayed to (an unresolved mDNS name cannot): dropped, never thrown.
    if (this.state !== 'allocated' || isIP(address) === 0 || data.byteLength > MAX_RELAYED_DATAGRAM) {
      this.counters.droppedPackets++;
      return false;
    }
    const channel = this.peers.boundChannel(address, port);
    if (channel !== undefined) {
      this.outbox.push(encodeChannelData(channel, data, this.config.reliable));
    } else if (this.peers.permission(address)?.state === 'granted') {
      this.outbox.push(buildSendIndication({ address, port }, data, this.config.newTransactionId?.()));
    } else {
      return sendQueued(this, address, port, data, now);
    }
    this.counters.relayedPacketsSent++;
    this.counters.relayedBytesSent += data.byteLength;
    return true;
  }

  /** Binds a channel to `peer` (no-op when one exists), for the 4-byte-header data path. */
  bindChannel(peer: StunAddress, now: number): void {
    if (this.state === 'allocated' && !this.peers.channelTo(peer)) startChannelBind(this, peer, now);
  }

  /** Creates a permission for `ip` ahead of any traffic (no-op when one exists). */
  permit(ip: string, now: number): void {
    if (this.state === 'allocated' && !this.peers.permission(ip)) startPermission(this, ip, now);
  }

  /** Retransmits, times out, and refreshes the allocation, permissions and channels that are due. */
  handleTimeout(now: number): void {
    for (const { context, attempts } of this.transactions.handleTimeout(now)) {
      this.failed(context, undefined, `no answer from the server after ${attempts} transmission(s)`, now);
    }
    if (this.state !== 'allocated') return;
    if (this.refreshAt !== undefined && this.refreshAt <= now) {
      this.refreshAt = undefined;
      this.request({ kind: 'refresh', lifetime: this.requestedLifetime, stale: 0 }, now);
    }
    for (const permission of this.peers.duePermissions(now)) {
      permission.dueAt = undefined;
      this.request({ kind: 'permission', ip: permission.ip, stale: 0 }, now);
    }
    for (const channel of this.peers.dueChannels(now)) {
      channel.dueAt = undefined;
      this.request({ kind: 'channel', number: channel.number, peer: channel.peer, stale: 0 }, now);
    }
  }

  /** The connection to the server broke (TCP/TLS): the allocation is gone with it. */
  connectionLost(): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = 'failed';
    this.transactions.clear();
    this.peers.clear();
  }

  /** Deallocates: one Refresh with LIFETIME 0, not waited for (RFC 8656 §7.2). Idempotent. */
  close(now: number): void {
    if (this.state === 'allocated') {
      this.transactions.clear();
      this.request({ kind: 'refresh', lifetime: 0, stale: 0 }, now);
      this.counters.deallocations++;
    }
    this.state = 'closed';
    this.transactions.clear();
    this.peers.clear();
  }

  /** Next bytes to send to the server, or undefined. */
  pollTransmit(): Uint8Array | undefined {
    return this.outbox.shift();
  }

  /** Next event, or undefined. */
  pollEvent(): TurnEvent | undefined {
    return this.events.shift();
  }

  /** Absolute time `handleTimeout` is next needed, if ever. */
  nextTimeout(): number | undefined {
    if (this.state === 'closed' || this.state === 'failed') return undefined;
    let next = this.transactions.nextTimeout();
    const refreshAt = this.refreshAt;
    if (refreshAt !== undefined && (next === undefined || refreshAt < next)) next = refreshAt;
    const peersAt = this.peers.nextDeadline();
    if (peersAt !== undefined && (next === undefined || peersAt < next)) next = peersAt;
    return next;
  }

  /**
   * Changes whenever the next deadline may have: every request starting,
   * ending or timing out (refresh, permission and channel deadlines move only
   * then, or in `handleTimeout`). Data in either direction leaves it alone.
   */
  deadlineVersion(): number {
    return this.transactions.version;
  }

  /** @internal Sends (or re-sends, with fresh credentials) the request described by `context`. */
  request(context: TurnRequest, now: number): void {
    const { method, attributes } = describeRequest(context);
    let built: ReturnType<typeof buildTurnRequest>;
    try {
      built = buildTurnRequest(method, attributes, this.credentials, this.config.newTransactionId?.());
    } catch (error) {
      // A peer address or port the codec refuses: that request fails, nothing throws.
      this.failed(context, undefined, error instanceof Error ? error.message : String(error), now);
      return;
    }
    const tracked = { ...context, authenticated: built.authenticated };
    if (context.kind === 'refresh' && context.lifetime === 0 && this.state !== 'allocating') {
      this.outbox.push(built.bytes); // deallocation: fire and forget (clearing a 437 is a transaction)
      return;
    }
    if (!this.transactions.start(built.transactionId, built.bytes, tracked, now)) {
      this.failed(context, undefined, 'too many requests in flight', now);
    }
  }

  /** @internal */
  emit(event: TurnEvent): void {
    this.events.push(event);
  }

  /**
   * Drops a datagram from the server: counted (`unauthenticatedResponses`
   * or `droppedPackets`) and reported as a `dropped` event for `trace$`.
   * @internal
   */
  drop(reason: TurnDropReason, length: number): void {
    if (reason === 'unauthenticated') this.counters.unauthenticatedResponses++;
    else this.counters.droppedPackets++;
    this.events.push({ type: 'dropped', reason, length });
  }

  private handleResponse(response: StunMessageView, now: number): void {
    const context = this.transactions.peek(response.transactionId);
    if (!context) {
      this.drop('unmatched', response.raw.length);
      return;
    }
    // Responses to signed requests must be signed (401/438 challenges never are).
    const key = this.credentials.key;
    const signed = response.hasIntegrity && key !== undefined && verifyIntegrity(response.raw, key);
    if (
      (response.hasIntegrity && key !== undefined && !signed) ||
      (response.cls === 'success' && context.authenticated && !signed)
    ) {
      this.drop('unauthenticated', response.raw.length);
      return;
    }
    this.transactions.finish(response.transactionId, now);
    if (response.cls === 'success') {
      this.succeeded(context, response, now);
      return;
    }
    const code = response.errorCode?.code;
    if (code === 438 && context.stale < MAX_STALE_RETRIES && this.credentials.accept(response)) {
      this.request({ ...context, stale: context.stale + 1 }, now); // Stale Nonce: same request, the new nonce
    } else if (this.clearingMismatch(context, now)) {
      // the Allocate went out again
    } else if (
      code === 437 &&
      context.kind === 'allocate' &&
      context.authenticated &&
      !this.mismatchCleared
    ) {
      // RFC 8656 §7.4: the server has an allocation on this 5-tuple. Ours, most likely: a restart renews
      // allocations from the same host socket, and the old one's Refresh LIFETIME 0 was lost or overtaken.
      // Delete it (same credentials, same 5-tuple), then ask again, once.
      this.mismatchCleared = true;
      this.request({ kind: 'refresh', lifetime: 0, stale: 0 }, now);
    } else if (code === 401 && !context.authenticated && this.credentials.accept(response)) {
      this.request(context, now); // the challenge: now with credentials
    } else {
      const reason = response.errorCode?.reason || 'error response';
      this.failed(context, code, code === 401 ? `${reason} (wrong username or credential?)` : reason, now);
    }
  }

  /**
   * The Refresh LIFETIME 0 sent after a 437 to an Allocate: whatever its
   * answer (success, or 437 because the old allocation already went), or
   * its timeout, the Allocate is sent again. True when `context` was it.
   */
  private clearingMismatch(context: TurnRequest, now: number): boolean {
    if (context.kind !== 'refresh' || context.lifetime !== 0 || this.state !== 'allocating') return false;
    this.request({ kind: 'allocate', lifetime: this.requestedLifetime, stale: 0 }, now);
    return true;
  }

  private succeeded(context: TurnRequest, response: StunMessageView, now: number): void {
    if (this.clearingMismatch(context, now)) return;
    switch (context.kind) {
      case 'allocate': {
        if (this.state !== 'allocating') return;
        const relayed = response.xorRelayedAddress;
        if (!relayed) {
          this.failed(context, undefined, 'Allocate success without XOR-RELAYED-ADDRESS', now);
          return;
        }
        this.state = 'allocated';
        this.relayed = relayed;
        this.mapped = response.xorMappedAddress;
        this.counters.allocations++;
        this.scheduleRefresh(response.lifetime ?? this.requestedLifetime, now);
        this.emit({ type: 'allocated', relayed, mapped: this.mapped, lifetime: this.lifetime as number });
        return;
      }
      case 'refresh':
        this.counters.refreshes++;
        this.scheduleRefresh(response.lifetime ?? context.lifetime, now);
        return;
      case 'permission':
      case 'channel':
        peerRequestSucceeded(this, context, now);
        return;
    }
  }

  /** A request failed: fatal for Allocate and Refresh, a non-fatal event for permissions and channels. */
  private failed(context: TurnRequest, code: number | undefined, reason: string, now: number): void {
    if (code === undefined && this.clearingMismatch(context, now)) return;
    switch (context.kind) {
      case 'allocate':
      case 'refresh': {
        if (this.state !== 'allocating' && this.state !== 'allocated') return;
        // A refresh that timed out is retried while the allocation is still alive.
        const timeout = transactionTimeout(this.config.retransmission);
        if (
          context.kind === 'refresh' &&
          code === undefined &&
          this.expiresAt !== undefined &&
          now + timeout < this.expiresAt
        ) {
          this.emit({ type: 'error', kind: 'turn-refresh', reason: `${reason}; retrying`, fatal: false });
          this.request({ ...context, stale: 0 }, now);
          return;
        }
        this.state = 'failed';
        this.transactions.clear();
        this.peers.clear();
        const kind = context.kind === 'allocate' ? 'turn-allocate' : 'turn-refresh';
        this.emit({ type: 'error', kind, code, reason, fatal: true });
        return;
      }
      case 'permission':
      case 'channel':
        peerRequestFailed(this, context, code, reason, now);
        return;
    }
  }

  private scheduleRefresh(lifetime: number, now: number): void {
    this.lifetime = lifetime;
    this.expiresAt = now + lifetime * 1000;
    // A minute early, or at half-time for short lifetimes (never in a busy loop).
    this.refreshAt = now + Math.max(500, (lifetime > 120 ? lifetime - 60 : lifetime / 2) * 1000);
  }
}
