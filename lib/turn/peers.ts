/**
 * The peer side of a TURN allocation: permissions per peer IP (RFC 8656 §9,
 * 300 s lifetime) and channels per peer transport address (§12, 600 s), with
 * their refresh deadlines and the datagrams waiting for a permission. Plain
 * state; {@link TurnAllocation} sends the requests.
 */
import type { StunAddress } from '../stun/types.js';
import { MAX_CHANNEL_NUMBER, MIN_CHANNEL_NUMBER } from './channel-data.js';

/** Permissions last 300 s: refresh a minute early. */
export const PERMISSION_REFRESH_INTERVAL = 240_000;
/** Channel bindings last 600 s: refresh a minute early. */
export const CHANNEL_REFRESH_INTERVAL = 540_000;
/** After a failed CreatePermission, wait this long before sending another for the same peer. */
export const PERMISSION_RETRY_DELAY = 5_000;
/** Datagrams held per peer while its permission is being created. */
export const PERMISSION_QUEUE_LIMIT = 8;

/** A datagram waiting for a permission. */
export interface QueuedDatagram {
  readonly port: number;
  readonly data: Uint8Array;
}

/** Permission for one peer IP address. */
export interface Permission {
  readonly ip: string;
  /** `pending` until the first CreatePermission succeeds; `granted` stays while refreshing. */
  state: 'pending' | 'granted' | 'failed';
  /** When to refresh (granted) or when a new attempt may start (failed). */
  dueAt: number | undefined;
  readonly queue: QueuedDatagram[];
}

/** Channel binding for one peer transport address. */
export interface Channel {
  readonly number: number;
  readonly peer: StunAddress;
  /**
   * `pending` until ChannelBind succeeds: ChannelData may only be sent once
   * `bound`. `unanswered`: every transmission of ChannelBind went unanswered,
   * so the server may well have bound it (the responses were lost): data to
   * the peer goes on Send indications, but the peer's ChannelData is still
   * received. `failed`: the server refused it.
   */
  state: 'pending' | 'bound' | 'unanswered' | 'failed';
  /** When to refresh a bound channel. */
  dueAt: number | undefined;
}

/** Permissions and channels of one allocation; both tables are bounded by `limit`. */
export class TurnPeers {
  private readonly permissions = new Map<string, Permission>();
  private readonly channelsByPeer = new Map<string, Channel>();
  private readonly channelsByNumber = new Map<number, Channel>();
  private nextChannel = MIN_CHANNEL_NUMBER;
  /** Permissions refused because the table was full. */
  refusals = 0;

  constructor(private readonly limit: number) {}

  /** The permission for a peer IP, whatever its state. */
  permission(ip: string): Permission | undefined {
    return this.permissions.get(ip);
  }

  /** A new pending permission, or undefined when the table is full. */
  addPermission(ip: string): Permission | undefined {
    if (this.permissions.size >= this.limit) return undefined;
    const permission: Permission = { ip, state: 'pending', dueAt: undefined, queue: [] };
    this.permissions.set(ip, permission);
    return permission;
  }

  /**
   * Drops the held datagrams `stale` picks (checks whose checking concluded
   * while they waited for a permission); returns how many.
   */
  dropQueued(stale: (data: Uint8Array) => boolean): number {
    let dropped = 0;
    for (const permission of this.permissions.values()) {
      const kept = permission.queue.filter((queued) => !stale(queued.data));
      dropped += permission.queue.length - kept.length;
      permission.queue.splice(0, permission.queue.length, ...kept);
    }
    return dropped;
  }

  /** The channel to `peer`, whatever its state. */
  channelTo(peer: StunAddress): Channel | undefined {
    return this.channelsByPeer.get(peerKey(peer.address, peer.port));
  }

  /** The bound channel number to `address:port`, if any: the data path's one lookup. */
  boundChannel(address: string, port: number): number | undefined {
    const channel = this.channelsByPeer.get(peerKey(address, port));
    return channel?.state === 'bound' ? channel.number : undefined;
  }

  /**
   * The peer of a channel number we bound or asked to bind. A server binds
   * the channel before it answers ChannelBind (RFC 8656 §12.2), so the
   * peer's ChannelData may overtake a lost or late success response: a
   * pending channel already receives, and so does one whose ChannelBind went
   * unanswered (the server may have bound it). Only a refused channel does not.
   */
  peerOfChannel(number: number): StunAddress | undefined {
    const channel = this.channelsByNumber.get(number);
    return channel !== undefined && channel.state !== 'failed' ? channel.peer : undefined;
  }

  /**
   * A new pending channel with the next unused number, or undefined when the
   * table is full or the numbers ran out. Numbers are never reused: a server
   * keeps a number tied to its peer for 10 minutes after it expires.
   */
  addChannel(peer: StunAddress): Channel | undefined {
    if (this.channelsByPeer.size >= this.limit || this.nextChannel > MAX_CHANNEL_NUMBER) return undefined;
    const channel: Channel = { number: this.nextChannel++, peer, state: 'pending', dueAt: undefined };
    this.channelsByPeer.set(peerKey(peer.address, peer.port), channel);
    this.channelsByNumber.set(channel.number, channel);
    return channel;
  }

  /** The channel with this number, whatever its state. */
  channel(number: number): Channel | undefined {
    return this.channelsByNumber.get(number);
  }

  /** Granted permissions whose refresh time has come (a failed one is retried only on demand). */
  *duePermissions(now: number): Generator<Permission> {
    for (const p of this.permissions.values()) {
      if (p.state === 'granted' && p.dueAt !== undefined && p.dueAt <= now) yield p;
    }
  }

  /** Bound channels whose refresh time has come. */
  *dueChannels(now: number): Generator<Channel> {
    for (const c of this.channelsByNumber.values()) if (c.dueAt !== undefined && c.dueAt <= now) yield c;
  }

  /** Earliest refresh or retry deadline. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const p of this.permissions.values())
      next = earliest(next, p.state === 'granted' ? p.dueAt : undefined);
    for (const c of this.channelsByNumber.values()) next = earliest(next, c.dueAt);
    return next;
  }

  /** Number of permissions (any state). */
  get permissionCount(): number {
    return this.permissions.size;
  }

  /** Number of bound channels. */
  get boundChannelCount(): number {
    let count = 0;
    for (const c of this.channelsByNumber.values()) if (c.state === 'bound') count++;
    return count;
  }

  /** Forgets every permission and channel (the allocation is gone). */
  clear(): void {
    this.permissions.clear();
    this.channelsByPeer.clear();
    this.channelsByNumber.clear();
  }
}

function peerKey(address: string, port: number): string {
  return `${address}|${port}`;
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
