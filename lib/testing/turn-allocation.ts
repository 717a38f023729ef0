/**
 * One allocation of the virtual TURN server (RFC 8656 §6): its relayed
 * socket, permissions (§9) and channels (§12), their expiry on the scheduler,
 * and the data path between client and peers.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import { buildStunMessage } from '../stun/message.js';
import { StunMethod } from '../stun/types.js';
import type { InboundPacket, PacketSocket } from '../transport/types.js';
import { scheduleExpiry } from './expiry-timer.js';
import { canonicalOrSelf } from './network-addresses.js';
import type { TransportAddress } from './network-types.js';
import type { AllocationEndReason, TurnAllocationInfo, TurnServerEvent } from './turn-server-types.js';
import { encodeChannelData } from './turn-wire.js';

/** What an allocation needs from its server. */
export interface AllocationHost {
  readonly scheduler: SchedulerLike;
  readonly permissionLifetimeMs: number;
  readonly channelLifetimeMs: number;
  readonly maxPermissions: number;
  /** Sends a datagram to the client from the server's listening socket. */
  toClient(data: Uint8Array, client: TransportAddress): void;
  /** Reports an event (the server adds it to `events$` and its counters). */
  report(event: TurnServerEvent): void;
  /** Counts data-path datagrams. */
  count(counter: 'relayedToPeers' | 'dataIndicationsSent' | 'channelDataSent' | 'droppedNoPermission'): void;
  /** The allocation ended (expired or deleted): forget it. */
  ended(allocation: TurnAllocation, reason: AllocationEndReason): void;
}

interface Expiring {
  expiresAt: number;
  timer?: Subscription;
}

interface Channel extends Expiring {
  readonly peer: TransportAddress;
}

export type PermissionOutcome = 'created' | 'refreshed' | 'full';
export type ChannelOutcome = 'bound' | 'refreshed' | 'conflict' | 'full';

export class TurnAllocation {
  expiresAt: number;
  readonly relayed: TransportAddress;
  readonly #permissions = new Map<string, Expiring>();
  readonly #channels = new Map<number, Channel>();
  readonly #channelOfPeer = new Map<string, number>();
  readonly #timer: Subscription;
  readonly #relaying: Subscription;
  #ended = false;

  constructor(
    readonly server: AllocationHost,
    readonly client: TransportAddress,
    readonly username: string,
    readonly relay: PacketSocket,
    /** Transaction ID (hex) of the Allocate that made it, and the response sent, for retransmissions. */
    readonly allocateTransaction: string,
    readonly allocateResponse: Uint8Array,
    lifetimeSeconds: number,
  ) {
    this.relayed = { address: relay.address, port: relay.port };
    this.expiresAt = server.scheduler.now() + lifetimeSeconds * 1000;
    this.#timer = scheduleExpiry(
      server.scheduler,
      () => this.expiresAt,
      () => this.end('expired'),
    );
    this.#relaying = relay.packets$.subscribe((packet) => this.#fromPeer(packet));
  }

  get permissionCount(): number {
    return this.#permissions.size;
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  refresh(lifetimeSeconds: number): void {
    this.expiresAt = this.server.scheduler.now() + lifetimeSeconds * 1000;
  }

  /** Installs or refreshes the permission for a peer IP address. */
  permit(peerAddress: string): PermissionOutcome {
    const address = canonicalOrSelf(peerAddress);
    const now = this.server.scheduler.now();
    const known = this.#permissions.get(address);
    if (known !== undefined && !this.#alive(known)) this.#expirePermission(address);
    else if (known !== undefined) {
      known.expiresAt = now + this.server.permissionLifetimeMs;
      this.#report({ type: 'permission-refreshed', peer: address });
      return 'refreshed';
    }
    if (this.#permissions.size >= this.server.maxPermissions) return 'full';
    const permission: Expiring = { expiresAt: now + this.server.permissionLifetimeMs };
    permission.timer = scheduleExpiry(
      this.server.scheduler,
      () => permission.expiresAt,
      () => this.#expirePermission(address),
    );
    this.#permissions.set(address, permission);
    this.#report({ type: 'permission-created', peer: address });
    return 'created';
  }

  /** Whether a live permission exists for the peer IP address. */
  hasPermission(peerAddress: string): boolean {
    return this.#permitted(canonicalOrSelf(peerAddress));
  }

  /** Binds or refreshes `channel` to `peer` (RFC 8656 §11.2), also installing or refreshing its permission. */
  bindChannel(channel: number, peerGiven: TransportAddress): ChannelOutcome {
    const peer = { address: canonicalOrSelf(peerGiven.address), port: peerGiven.port };
    const peerKey = `${peer.address}|${peer.port}`;
    const stale = this.#channels.get(channel);
    if (stale !== undefined && !this.#alive(stale)) this.#expireChannel(channel);
    const bound = this.#channels.get(channel);
    const channelOfPeer = this.#channelOfPeer.get(peerKey);
    if (bound !== undefined && `${bound.peer.address}|${bound.peer.port}` !== peerKey) return 'conflict';
    if (channelOfPeer !== undefined && channelOfPeer !== channel) return 'conflict';
    if (!this.hasPermission(peer.address) && this.#permissions.size >= this.server.maxPermissions)
      return 'full';
    this.permit(peer.address);
    const now = this.server.scheduler.now();
    if (bound !== undefined) {
      bound.expiresAt = now + this.server.channelLifetimeMs;
      this.#report({ type: 'channel-refreshed', channel, peer });
      return 'refreshed';
    }
    const entry: Channel = { peer, expiresAt: now + this.server.channelLifetimeMs };
    entry.timer = scheduleExpiry(
      this.server.scheduler,
      () => entry.expiresAt,
      () => this.#expireChannel(channel),
    );
    this.#channels.set(channel, entry);
    this.#channelOfPeer.set(peerKey, channel);
    this.#report({ type: 'channel-bound', channel, peer });
    return 'bound';
  }

  /** Send indication: relays `data` to `peer` when a permission allows it. */
  sendToPeer(peer: TransportAddress, data: Uint8Array): void {
    if (!this.#permitted(canonicalOrSelf(peer.address))) {
      this.server.count('droppedNoPermission');
      return;
    }
    this.relay.send(data, peer.port, peer.address);
    this.server.count('relayedToPeers');
  }

  /** ChannelData from the client: relays `data` to the channel's peer when the channel is bound. */
  sendOnChannel(channel: number, data: Uint8Array): void {
    const entry = this.#channels.get(channel);
    if (entry === undefined || !this.#alive(entry) || !this.#permitted(entry.peer.address)) {
      this.server.count('droppedNoPermission');
      return;
    }
    this.relay.send(data, entry.peer.port, entry.peer.address);
    this.server.count('relayedToPeers');
  }

  info(): TurnAllocationInfo {
    return {
      client: this.client,
      relayed: this.relayed,
      username: this.username,
      expiresAt: this.expiresAt,
      permissions: [...this.#permissions].map(([peer, p]) => ({ peer, expiresAt: p.expiresAt })),
      channels: [...this.#channels].map(([channel, c]) => ({
        channel,
        peer: c.peer,
        expiresAt: c.expiresAt,
      })),
    };
  }

  /** Releases the relayed address and every timer. Idempotent. */
  end(reason: AllocationEndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#timer.unsubscribe();
    this.#relaying.unsubscribe();
    this.relay.close();
    for (const p of this.#permissions.values()) p.timer?.unsubscribe();
    for (const c of this.#channels.values()) c.timer?.unsubscribe();
    this.#permissions.clear();
    this.#channels.clear();
    this.#channelOfPeer.clear();
    this.server.ended(this, reason);
  }

  /** A datagram reached the relayed address: to the client over its channel, else in a Data indication. */
  #fromPeer({ data, address, port }: InboundPacket): void {
    if (!this.#permitted(address)) {
      this.server.count('droppedNoPermission');
      return;
    }
    const channel = this.#channelOfPeer.get(`${address}|${port}`);
    const entry = channel === undefined ? undefined : this.#channels.get(channel);
    if (channel !== undefined && entry !== undefined && this.#alive(entry)) {
      this.server.toClient(encodeChannelData(channel, data), this.client);
      this.server.count('channelDataSent');
      return;
    }
    const indication = buildStunMessage({
      method: StunMethod.Data,
      cls: 'indication',
      attributes: [
        { kind: 'xorPeerAddress', value: { address, port } },
        { kind: 'data', value: data },
      ],
    });
    this.server.toClient(indication, this.client);
    this.server.count('dataIndicationsSent');
  }

  #expirePermission(address: string): void {
    const permission = this.#permissions.get(address);
    if (permission === undefined) return;
    permission.timer?.unsubscribe();
    this.#permissions.delete(address);
    this.#report({ type: 'permission-expired', peer: address });
  }

  #expireChannel(channel: number): void {
    const entry = this.#channels.get(channel);
    if (entry === undefined) return;
    entry.timer?.unsubscribe();
    this.#channels.delete(channel);
    this.#channelOfPeer.delete(`${entry.peer.address}|${entry.peer.port}`);
    this.#report({ type: 'channel-expired', channel, peer: entry.peer });
  }

  #permitted(address: string): boolean {
    const permission = this.#permissions.get(address);
    return permission !== undefined && this.#alive(permission);
  }

  /** Alive strictly before its deadline, whatever the order of same-instant timers. */
  #alive(entry: Expiring): boolean {
    return this.server.scheduler.now() < entry.expiresAt;
  }

  #report(
    event:
      | { type: 'permission-created' | 'permission-refreshed' | 'permission-expired'; peer: string }
      | {
          type: 'channel-bound' | 'channel-refreshed' | 'channel-expired';
          channel: number;
          peer: TransportAddress;
        },
  ): void {
    this.server.report({ ...event, time: this.server.scheduler.now(), client: this.client });
  }
}
