/**
 * The requests a {@link TurnAllocation} sends, and the permission and channel
 * steps that start them. Split from allocation.ts to keep the state machine
 * readable; these helpers use its internal (`@internal`) members.
 */
import type { StunAttributeSpec } from '../stun/build.js';
import { type StunAddress, StunMethod } from '../stun/types.js';
import type { TurnAllocation } from './allocation.js';
import { allocateAttributes } from './messages.js';
import {
  CHANNEL_REFRESH_INTERVAL,
  PERMISSION_QUEUE_LIMIT,
  PERMISSION_REFRESH_INTERVAL,
  PERMISSION_RETRY_DELAY,
} from './peers.js';

/** A request in flight, with what is needed to send it again (438, 401). */
export type TurnRequest = (
  | { readonly kind: 'allocate'; readonly lifetime: number }
  | { readonly kind: 'refresh'; readonly lifetime: number }
  | { readonly kind: 'permission'; readonly ip: string }
  | { readonly kind: 'channel'; readonly number: number; readonly peer: StunAddress }
) & {
  /** 438 Stale Nonce retries so far. */
  readonly stale: number;
  /** Sent with MESSAGE-INTEGRITY: its success response must be signed too. */
  readonly authenticated?: boolean;
};

/** Method and attributes (before credentials) of a request. */
export function describeRequest(request: TurnRequest): { method: number; attributes: StunAttributeSpec[] } {
  switch (request.kind) {
    case 'allocate':
      return { method: StunMethod.Allocate, attributes: allocateAttributes(request.lifetime) };
    case 'refresh':
      return { method: StunMethod.Refresh, attributes: [{ kind: 'lifetime', value: request.lifetime }] };
    case 'permission':
      // CreatePermission looks at the IP only; the port is ignored (RFC 8656 §9.1).
      return {
        method: StunMethod.CreatePermission,
        attributes: [{ kind: 'xorPeerAddress', value: { address: request.ip, port: 0 } }],
      };
    case 'channel':
      return {
        method: StunMethod.ChannelBind,
        attributes: [
          { kind: 'channelNumber', value: request.number },
          { kind: 'xorPeerAddress', value: request.peer },
        ],
      };
  }
}

/** Sends CreatePermission for `ip`; false (counted, reported) when the permission table is full. */
export function startPermission(allocation: TurnAllocation, ip: string, now: number): boolean {
  const permission = allocation.peers.addPermission(ip);
  if (!permission) {
    // Reported once per allocation: every later refusal is only counted.
    if (allocation.peers.refusals++ > 0) return false;
    allocation.emit({
      type: 'error',
      kind: 'turn-permission',
      reason: 'permission table full',
      peer: ip,
      fatal: false,
    });
    return false;
  }
  allocation.request({ kind: 'permission', ip, stale: 0 }, now);
  return true;
}

/** Sends ChannelBind for `peer` with the next free channel number. */
export function startChannelBind(allocation: TurnAllocation, peer: StunAddress, now: number): void {
  const channel = allocation.peers.addChannel(peer);
  if (!channel) {
    allocation.emit({
      type: 'error',
      kind: 'turn-channel',
      reason: 'no channel number left',
      peer: `${peer.address}:${peer.port}`,
      fatal: false,
    });
    return;
  }
  allocation.request({ kind: 'channel', number: channel.number, peer, stale: 0 }, now);
}

/**
 * A datagram for a peer without a granted permission: held (at most
 * {@link PERMISSION_QUEUE_LIMIT}) while CreatePermission runs, a new attempt
 * started when there is none or the last one failed long enough ago. False
 * when dropped (and counted).
 */
export function sendQueued(
  allocation: TurnAllocation,
  address: string,
  port: number,
  data: Uint8Array,
  now: number,
): boolean {
  let permission = allocation.peers.permission(address);
  if (!permission) {
    if (!startPermission(allocation, address, now)) {
      allocation.counters.droppedPackets++;
      return false;
    }
    permission = allocation.peers.permission(address);
  } else if (permission.state === 'failed' && (permission.dueAt ?? 0) <= now) {
    permission.state = 'pending';
    permission.dueAt = undefined;
    allocation.request({ kind: 'permission', ip: address, stale: 0 }, now);
  }
  if (permission?.state !== 'pending' || permission.queue.length >= PERMISSION_QUEUE_LIMIT) {
    allocation.counters.droppedPackets++;
    return false;
  }
  permission.queue.push({ port, data });
  return true;
}

/** CreatePermission or ChannelBind succeeded: grant (and flush what waited) or bind. */
export function peerRequestSucceeded(allocation: TurnAllocation, request: TurnRequest, now: number): void {
  if (request.kind === 'permission') {
    const permission = allocation.peers.permission(request.ip);
    if (!permission) return;
    allocation.counters.permissions++;
    permission.state = 'granted';
    permission.dueAt = now + PERMISSION_REFRESH_INTERVAL;
    for (const queued of permission.queue.splice(0))
      allocation.send(request.ip, queued.port, queued.data, now);
  } else if (request.kind === 'channel') {
    const channel = allocation.peers.channel(request.number);
    if (!channel) return;
    allocation.counters.channelBinds++;
    channel.state = 'bound';
    channel.dueAt = now + CHANNEL_REFRESH_INTERVAL;
  }
}

/**
 * CreatePermission or ChannelBind failed (error answer or timeout): never
 * fatal. A failed permission drops what waited and may be retried after
 * {@link PERMISSION_RETRY_DELAY} on the next send; a failed channel leaves
 * the peer on Send indications (one that timed out still receives).
 */
export function peerRequestFailed(
  allocation: TurnAllocation,
  request: TurnRequest,
  code: number | undefined,
  reason: string,
  now: number,
): void {
  if (request.kind === 'permission') {
    const permission = allocation.peers.permission(request.ip);
    if (permission) {
      permission.state = 'failed';
      permission.dueAt = now + PERMISSION_RETRY_DELAY;
      allocation.counters.droppedPackets += permission.queue.splice(0).length;
    }
    allocation.emit({ type: 'error', kind: 'turn-permission', code, reason, peer: request.ip, fatal: false });
  } else if (request.kind === 'channel') {
    const channel = allocation.peers.channel(request.number);
    // No answer at all: the server may have bound it and relay the peer's data as ChannelData.
    if (channel) channel.state = code === undefined ? 'unanswered' : 'failed';
    const peer = `${request.peer.address}:${request.peer.port}`;
    allocation.emit({ type: 'error', kind: 'turn-channel', code, reason, peer, fatal: false });
  }
}
