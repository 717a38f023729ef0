/**
 * What each authenticated TURN request does on the virtual server (RFC 8656
 * §7 Allocate, §7.3 Refresh, §9 CreatePermission, §11 ChannelBind): its
 * checks in RFC order, the error each failure gets, and the change to the
 * allocation table.
 */
import type { KeyObject } from 'node:crypto';
import type { StunAttributeSpec } from '../stun/message.js';
import type { StunMessageView } from '../stun/types.js';
import type { PacketSocket } from '../transport/types.js';
import { familyOf } from './network-addresses.js';
import type { TransportAddress } from './network-types.js';
import type { TurnAllocation } from './turn-allocation.js';
import type { ResolvedTurnServerOptions } from './turn-server-options.js';
import {
  MAX_CHANNEL,
  MIN_CHANNEL,
  readPeerAddresses,
  readRequestedFamily,
  readRequestedTransport,
} from './turn-wire.js';

const UDP = 17;

/** What the handlers need from the server. */
export interface TurnRequestContext {
  readonly options: ResolvedTurnServerOptions;
  readonly relayAddress: string;
  allocationOf(client: TransportAddress): TurnAllocation | undefined;
  readonly allocationCount: number;
  /** Binds a socket for a relayed transport address; undefined when no port is free. */
  bindRelay(): PacketSocket | undefined;
  /** Registers an allocation whose Allocate success is `response` (not sent yet). */
  addAllocation(
    client: TransportAddress,
    relay: PacketSocket,
    transaction: string,
    response: Uint8Array,
    lifetime: number,
  ): TurnAllocation;
  /** Reports an allocation-refreshed event. */
  refreshed(allocation: TurnAllocation, lifetime: number): void;
  build(
    request: StunMessageView,
    cls: 'success' | 'error',
    key: KeyObject | undefined,
    attributes: readonly StunAttributeSpec[],
  ): Uint8Array;
  toClient(data: Uint8Array, client: TransportAddress): void;
  /** Sends and counts an error response. */
  fail(
    request: StunMessageView,
    client: TransportAddress,
    code: number,
    reason: string,
    key?: KeyObject,
  ): void;
}

export type TurnRequestHandler = (
  context: TurnRequestContext,
  request: StunMessageView,
  client: TransportAddress,
  key: KeyObject,
) => void;

export const handleAllocate: TurnRequestHandler = (ctx, request, client, key) => {
  const transaction = Buffer.from(request.transactionId).toString('hex');
  const existing = ctx.allocationOf(client);
  // A retransmitted Allocate gets the same answer (RFC 8656 §7.2); another one, 437.
  if (existing?.allocateTransaction === transaction) return ctx.toClient(existing.allocateResponse, client);
  if (existing !== undefined) return ctx.fail(request, client, 437, 'Allocation Mismatch', key);
  const transport = readRequestedTransport(request.raw);
  if (transport === undefined) return ctx.fail(request, client, 400, 'Bad Request', key);
  if (transport !== UDP) return ctx.fail(request, client, 442, 'Unsupported Transport Protocol', key);
  const family = readRequestedFamily(request.raw);
  if (family === 'invalid') return ctx.fail(request, client, 400, 'Bad Request', key);
  if (family !== undefined && family !== familyOf(ctx.relayAddress))
    return ctx.fail(request, client, 440, 'Address Family not Supported', key);
  const { allocationQuota, maxAllocations } = ctx.options;
  if (allocationQuota !== undefined && ctx.allocationCount >= allocationQuota)
    return ctx.fail(request, client, 486, 'Allocation Quota Reached', key);
  if (ctx.allocationCount >= maxAllocations)
    return ctx.fail(request, client, 508, 'Insufficient Capacity', key);
  const relay = ctx.bindRelay();
  if (relay === undefined) return ctx.fail(request, client, 508, 'Insufficient Capacity', key);
  const lifetime = grantLifetime(ctx.options, request.lifetime);
  const response = ctx.build(request, 'success', key, [
    { kind: 'xorRelayedAddress', value: { address: relay.address, port: relay.port } },
    { kind: 'lifetime', value: lifetime },
    { kind: 'xorMappedAddress', value: client },
  ]);
  ctx.addAllocation(client, relay, transaction, response, lifetime);
  ctx.toClient(response, client);
};

export const handleRefresh: TurnRequestHandler = (ctx, request, client, key) => {
  const allocation = ctx.allocationOf(client);
  if (allocation === undefined) return ctx.fail(request, client, 437, 'Allocation Mismatch', key);
  if (request.lifetime === 0) {
    allocation.end('refresh');
    return ctx.toClient(ctx.build(request, 'success', key, [{ kind: 'lifetime', value: 0 }]), client);
  }
  const lifetime = grantLifetime(ctx.options, request.lifetime);
  allocation.refresh(lifetime);
  ctx.refreshed(allocation, lifetime);
  ctx.toClient(ctx.build(request, 'success', key, [{ kind: 'lifetime', value: lifetime }]), client);
};

export const handleCreatePermission: TurnRequestHandler = (ctx, request, client, key) => {
  const allocation = ctx.allocationOf(client);
  if (allocation === undefined) return ctx.fail(request, client, 437, 'Allocation Mismatch', key);
  const peers = readPeerAddresses(request.raw);
  if (peers === undefined || peers.length === 0) return ctx.fail(request, client, 400, 'Bad Request', key);
  if (peers.some((p) => familyOf(p.address) !== familyOf(ctx.relayAddress)))
    return ctx.fail(request, client, 443, 'Peer Address Family Mismatch', key);
  if (peers.some((p) => ctx.options.denyPeer(p.address)))
    return ctx.fail(request, client, 403, 'Forbidden', key);
  // All or nothing: count the new peers before installing any.
  const added = new Set(peers.map((p) => p.address).filter((a) => !allocation.hasPermission(a)));
  if (allocation.permissionCount + added.size > ctx.options.maxPermissions)
    return ctx.fail(request, client, 508, 'Insufficient Capacity', key);
  for (const peer of peers) allocation.permit(peer.address);
  ctx.toClient(ctx.build(request, 'success', key, []), client);
};

export const handleChannelBind: TurnRequestHandler = (ctx, request, client, key) => {
  const allocation = ctx.allocationOf(client);
  if (allocation === undefined) return ctx.fail(request, client, 437, 'Allocation Mismatch', key);
  const channel = request.channelNumber;
  const peer = request.xorPeerAddress;
  if (channel === undefined || channel < MIN_CHANNEL || channel > MAX_CHANNEL || peer === undefined)
    return ctx.fail(request, client, 400, 'Bad Request', key);
  if (familyOf(peer.address) !== familyOf(ctx.relayAddress))
    return ctx.fail(request, client, 443, 'Peer Address Family Mismatch', key);
  if (ctx.options.denyPeer(peer.address)) return ctx.fail(request, client, 403, 'Forbidden', key);
  const outcome = allocation.bindChannel(channel, peer);
  if (outcome === 'conflict') return ctx.fail(request, client, 400, 'Bad Request', key);
  if (outcome === 'full') return ctx.fail(request, client, 508, 'Insufficient Capacity', key);
  ctx.toClient(ctx.build(request, 'success', key, []), client);
};

/** RFC 8656 §7.2: min(requested, max), but never below the default; the default when not requested. */
function grantLifetime(options: ResolvedTurnServerOptions, requested: number | undefined): number {
  const { lifetime, maxLifetime } = options;
  return requested === undefined ? lifetime : Math.max(lifetime, Math.min(requested, maxLifetime));
}
