/**
 * The virtual TURN server (RFC 8656 over UDP): demultiplexes what reaches its
 * listening socket, authenticates requests (turn-auth.ts), dispatches them
 * (turn-requests.ts), and hands Send indications and ChannelData to the
 * client's allocation (turn-allocation.ts). Keeps the counters and events.
 */

import type { KeyObject } from 'node:crypto';
import { type Observable, type SchedulerLike, Subject } from 'rxjs';
import { buildStunMessage, decodeStun, type StunAttributeSpec } from '../stun/message.js';
import { type StunMessageView, StunMethod } from '../stun/types.js';
import type { InboundPacket, PacketSocket } from '../transport/types.js';
import type { TransportAddress, VirtualHost } from './network-types.js';
import { answerBinding, bindNow } from './stun-server.js';
import { type AllocationHost, TurnAllocation } from './turn-allocation.js';
import { TurnAuthenticator } from './turn-auth.js';
import {
  handleAllocate,
  handleChannelBind,
  handleCreatePermission,
  handleRefresh,
  type TurnRequestContext,
  type TurnRequestHandler,
} from './turn-requests.js';
import type { ResolvedTurnServerOptions } from './turn-server-options.js';
import type {
  AllocationEndReason,
  TurnAllocationInfo,
  TurnServerEvent,
  TurnServerStats,
  VirtualTurnServer,
} from './turn-server-types.js';
import { answers, requestKey, TransactionResponses } from './turn-transaction-cache.js';
import { decodeChannelData, TURN_UNDERSTOOD_ATTRIBUTES } from './turn-wire.js';

const HANDLERS: ReadonlyMap<number, TurnRequestHandler> = new Map([
  [StunMethod.Allocate, handleAllocate],
  [StunMethod.Refresh, handleRefresh],
  [StunMethod.CreatePermission, handleCreatePermission],
  [StunMethod.ChannelBind, handleChannelBind],
]);

type Counters = { -readonly [K in keyof TurnServerStats]: TurnServerStats[K] } & {
  errorResponses: Record<number, number>;
};

/** Internal: starts the server on `host`, whose first address it listens on (see {@link VirtualNetwork.createTurnServer}). */
export function startTurnServer(
  host: VirtualHost,
  scheduler: SchedulerLike,
  options: ResolvedTurnServerOptions,
): VirtualTurnServer {
  return new TurnServer(host, scheduler, options);
}

class TurnServer implements VirtualTurnServer, AllocationHost, TurnRequestContext {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly relayAddress: string;
  readonly realm: string;
  readonly events$: Observable<TurnServerEvent>;
  readonly permissionLifetimeMs: number;
  readonly channelLifetimeMs: number;
  readonly maxPermissions: number;
  readonly #socket: PacketSocket;
  readonly #auth: TurnAuthenticator;
  readonly #allocations = new Map<string, TurnAllocation>();
  readonly #responses: TransactionResponses;
  /** The request being answered: its key and transaction ID (its response is remembered). */
  #answering: { readonly key: string; readonly transactionId: Uint8Array } | undefined;
  readonly #events = new Subject<TurnServerEvent>();
  readonly #counters: Counters = {
    activeAllocations: 0,
    allocationsCreated: 0,
    allocationsDeleted: 0,
    allocationsExpired: 0,
    activePermissions: 0,
    activeChannels: 0,
    bindingRequests: 0,
    requests: 0,
    errorResponses: {},
    sendIndications: 0,
    channelDataReceived: 0,
    dataIndicationsSent: 0,
    channelDataSent: 0,
    relayedToPeers: 0,
    droppedNoPermission: 0,
    droppedInvalid: 0,
  };
  #closed = false;

  constructor(
    readonly host: VirtualHost,
    readonly scheduler: SchedulerLike,
    readonly options: ResolvedTurnServerOptions,
  ) {
    this.name = host.name;
    this.realm = options.realm;
    this.relayAddress = options.relayAddress;
    this.permissionLifetimeMs = options.permissionLifetimeMs;
    this.channelLifetimeMs = options.channelLifetimeMs;
    this.maxPermissions = options.maxPermissions;
    const { username, realm, password, nonceLifetimeMs, seed } = options;
    this.#responses = new TransactionResponses(scheduler);
    this.#auth = new TurnAuthenticator(username, realm, password, nonceLifetimeMs, scheduler, seed);
    this.#socket = bindNow(host, host.addresses[0] as string, options.port);
    this.address = this.#socket.address;
    this.port = this.#socket.port;
    this.events$ = this.#events.asObservable();
    this.#socket.packets$.subscribe((packet) => this.#onDatagram(packet));
  }

  get stats(): TurnServerStats {
    let activePermissions = 0;
    let activeChannels = 0;
    for (const a of this.#allocations.values()) {
      activePermissions += a.permissionCount;
      activeChannels += a.channelCount;
    }
    return {
      ...this.#counters,
      errorResponses: { ...this.#counters.errorResponses },
      activeAllocations: this.#allocations.size,
      activePermissions,
      activeChannels,
    };
  }

  allocations(): TurnAllocationInfo[] {
    return [...this.#allocations.values()].map((a) => a.info());
  }

  expireNonces(): void {
    this.#auth.expireNonces();
  }

  close(): void {
    if (this.#closed) return;
    for (const allocation of [...this.#allocations.values()]) allocation.end('closed');
    this.#closed = true;
    this.#socket.close();
    this.#events.complete();
  }

  // ---- AllocationHost ----

  toClient(data: Uint8Array, client: TransportAddress): void {
    const answering = this.#answering;
    if (answering !== undefined && answers(data, answering.transactionId)) {
      this.#responses.set(answering.key, data);
      this.#answering = undefined;
    }
    this.#socket.send(data, client.port, client.address);
  }

  report(event: TurnServerEvent): void {
    if (this.#events.observed && !this.#closed) this.#events.next(event);
  }

  count(counter: 'relayedToPeers' | 'dataIndicationsSent' | 'channelDataSent' | 'droppedNoPermission'): void {
    this.#counters[counter]++;
  }

  ended(allocation: TurnAllocation, reason: AllocationEndReason): void {
    this.#allocations.delete(keyOf(allocation.client));
    if (reason === 'refresh') this.#counters.allocationsDeleted++;
    if (reason === 'expired') this.#counters.allocationsExpired++;
    const { client, relayed } = allocation;
    this.report({ type: 'allocation-deleted', time: this.scheduler.now(), client, relayed, reason });
  }

  // ---- TurnRequestContext ----

  allocationOf(client: TransportAddress): TurnAllocation | undefined {
    return this.#allocations.get(keyOf(client));
  }

  get allocationCount(): number {
    return this.#allocations.size;
  }

  bindRelay(): PacketSocket | undefined {
    let relay: PacketSocket | undefined;
    this.host.bind(this.relayAddress, this.options.relayPorts).subscribe({
      next: (socket) => {
        relay = socket;
      },
      error: () => undefined, // no free port: the caller answers 508
    });
    return relay;
  }

  addAllocation(
    client: TransportAddress,
    relay: PacketSocket,
    transaction: string,
    response: Uint8Array,
    lifetime: number,
  ): TurnAllocation {
    const { username } = this.options;
    const allocation = new TurnAllocation(this, client, username, relay, transaction, response, lifetime);
    this.#allocations.set(keyOf(client), allocation);
    this.#counters.allocationsCreated++;
    const time = this.scheduler.now();
    this.report({ type: 'allocation-created', time, client, relayed: allocation.relayed, lifetime });
    return allocation;
  }

  refreshed(allocation: TurnAllocation, lifetime: number): void {
    const { client, relayed } = allocation;
    this.report({ type: 'allocation-refreshed', time: this.scheduler.now(), client, relayed, lifetime });
  }

  build(
    request: StunMessageView,
    cls: 'success' | 'error',
    key: KeyObject | undefined,
    attributes: readonly StunAttributeSpec[],
  ): Uint8Array {
    return buildStunMessage({
      method: request.method,
      cls,
      transactionId: request.transactionId,
      attributes,
      integrity: key === undefined ? undefined : { key },
      fingerprint: request.hasFingerprint,
    });
  }

  fail(
    request: StunMessageView,
    client: TransportAddress,
    code: number,
    reason: string,
    key?: KeyObject,
    extra: readonly StunAttributeSpec[] = [],
  ): void {
    this.#counters.errorResponses[code] = (this.#counters.errorResponses[code] ?? 0) + 1;
    this.report({ type: 'error-response', time: this.scheduler.now(), client, method: request.method, code });
    const attributes: StunAttributeSpec[] = [{ kind: 'errorCode', value: { code, reason } }, ...extra];
    this.toClient(this.build(request, 'error', key, attributes), client);
  }

  // ---- the listening socket ----

  #onDatagram({ data, address, port }: InboundPacket): void {
    const client = { address, port };
    const first = data[0];
    const message = first !== undefined && first < 4 ? decodeStun(data) : undefined;
    if (first !== undefined && first >= 0x40 && first <= 0x4f) this.#onChannelData(data, client);
    else if (message?.cls === 'request' && message.method === StunMethod.Binding) {
      this.#counters.bindingRequests++;
      this.toClient(answerBinding(message, client).bytes, client);
    } else if (message?.cls === 'request') this.#onRequest(message, client);
    else if (message?.cls === 'indication' && message.method === StunMethod.Send)
      this.#onSend(message, client);
    else this.#counters.droppedInvalid++;
  }

  #onRequest(request: StunMessageView, client: TransportAddress): void {
    this.#counters.requests++;
    // RFC 8489 §6.3.1: a copy of a request answered in the last 40 s gets the same answer, and nothing else.
    const key = requestKey(client.address, client.port, request.transactionId);
    const remembered = this.#responses.get(key);
    if (remembered !== undefined) {
      this.#socket.send(remembered, client.port, client.address);
      return;
    }
    this.#answering = { key, transactionId: request.transactionId };
    try {
      this.#answer(request, client);
    } finally {
      this.#answering = undefined;
    }
  }

  #answer(request: StunMessageView, client: TransportAddress): void {
    const handler = HANDLERS.get(request.method);
    if (handler === undefined) {
      this.fail(request, client, 400, 'Bad Request');
      return;
    }
    const outcome = this.#auth.check(request);
    if ('code' in outcome) {
      const challenge: StunAttributeSpec[] = outcome.challenge
        ? [
            { kind: 'realm', value: this.realm },
            { kind: 'nonce', value: this.#auth.currentNonce() },
          ]
        : [];
      this.fail(request, client, outcome.code, outcome.reason, undefined, challenge);
      return;
    }
    const unknown = request.unknownComprehensionRequired.filter((t) => !TURN_UNDERSTOOD_ATTRIBUTES.has(t));
    if (unknown.length > 0) {
      const attribute: StunAttributeSpec = { kind: 'unknownAttributes', value: unknown };
      this.fail(request, client, 420, 'Unknown Attribute', outcome.key, [attribute]);
      return;
    }
    handler(this, request, client, outcome.key);
  }

  #onSend(indication: StunMessageView, client: TransportAddress): void {
    this.#counters.sendIndications++;
    const allocation = this.allocationOf(client);
    const { xorPeerAddress: peer, data } = indication;
    if (allocation === undefined || peer === undefined || data === undefined) this.#counters.droppedInvalid++;
    else if (this.options.denyPeer(peer.address)) this.#counters.droppedNoPermission++;
    else allocation.sendToPeer(peer, data);
  }

  #onChannelData(message: Uint8Array, client: TransportAddress): void {
    this.#counters.channelDataReceived++;
    const decoded = decodeChannelData(message);
    const allocation = this.allocationOf(client);
    if (decoded === undefined || allocation === undefined) this.#counters.droppedInvalid++;
    else allocation.sendOnChannel(decoded.channel, decoded.data);
  }
}

function keyOf(client: TransportAddress): string {
  return `${client.address}|${client.port}`;
}
