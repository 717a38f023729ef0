/**
 * Public types of the virtual TURN server: options, counters, events and
 * allocation snapshots.
 */
import type { Observable } from 'rxjs';
import type { PortRange } from '../transport/types.js';
import type { TransportAddress, VirtualHost } from './network-types.js';

/**
 * Options of {@link VirtualNetwork.createTurnServer}. Durations are in
 * seconds, like TURN's LIFETIME attribute.
 */
export interface TurnServerOptions {
  /** Listening address (also the relay address unless `relayAddress` is set). */
  readonly address: string;
  /** Listening UDP port; default 3478. */
  readonly port?: number;
  /** Address relayed transport addresses are allocated on; default `address`. */
  readonly relayAddress?: string;
  /** Ports relayed transport addresses are allocated from, lowest free first; default 49152–65535. */
  readonly relayPorts?: PortRange;
  /** The one user of the long-term credential mechanism (RFC 8489 §9.2). */
  readonly username: string;
  /** The user's password. */
  readonly password: string;
  /** The realm (REALM attribute); with username and password it makes the key (RFC 8489 §9.2.2). */
  readonly realm: string;
  /** Default allocation lifetime in s, also the least granted; default 600. */
  readonly lifetime?: number;
  /** Most allocation lifetime granted, s; default 3600. */
  readonly maxLifetime?: number;
  /** Permission lifetime, s; default 300 (RFC 8656 §9). */
  readonly permissionLifetime?: number;
  /** Channel binding lifetime, s; default 600 (RFC 8656 §12). */
  readonly channelLifetime?: number;
  /** Nonces go stale (438) this many s after they were issued; default: never (see also `expireNonces()`). */
  readonly nonceLifetime?: number;
  /** Most allocations at once; beyond it Allocate gets 508 Insufficient Capacity. Default 100. */
  readonly maxAllocations?: number;
  /** Most allocations of the user at once; beyond it Allocate gets 486 Allocation Quota Reached. Default: no quota. */
  readonly allocationQuota?: number;
  /** Most permissions per allocation; beyond it CreatePermission/ChannelBind get 508. Default 64. */
  readonly maxPermissions?: number;
  /** Peers refused with 403 Forbidden (CreatePermission, ChannelBind) and never relayed to. Default: none. */
  readonly denyPeer?: (address: string) => boolean;
  /** Seed of the nonce generator; default 1. */
  readonly seed?: number;
  /** Name of a NAT the server sits behind; default: on the public network. */
  readonly behind?: string;
}

/** Counters of a {@link VirtualTurnServer}. */
export interface TurnServerStats {
  /** Allocations now. */
  readonly activeAllocations: number;
  /** Allocations created so far. */
  readonly allocationsCreated: number;
  /** Allocations deleted by a Refresh with LIFETIME 0. */
  readonly allocationsDeleted: number;
  /** Allocations that reached the end of their lifetime. */
  readonly allocationsExpired: number;
  /** Permissions now, over all allocations. */
  readonly activePermissions: number;
  /** Channel bindings now, over all allocations. */
  readonly activeChannels: number;
  /** Binding requests answered (the server is a STUN server too). */
  readonly bindingRequests: number;
  /** Allocate, Refresh, CreatePermission and ChannelBind requests received. */
  readonly requests: number;
  /** Error responses sent, by code (e.g. `{ 401: 1, 438: 1 }`). */
  readonly errorResponses: Readonly<Record<number, number>>;
  /** Send indications received from clients. */
  readonly sendIndications: number;
  /** ChannelData messages received from clients. */
  readonly channelDataReceived: number;
  /** Data indications sent to clients. */
  readonly dataIndicationsSent: number;
  /** ChannelData messages sent to clients. */
  readonly channelDataSent: number;
  /** Datagrams sent from relayed addresses to peers. */
  readonly relayedToPeers: number;
  /** Datagrams dropped for want of a permission (or of a channel, for ChannelData). */
  readonly droppedNoPermission: number;
  /** Datagrams dropped otherwise: malformed, no allocation, unknown method, responses and stray indications. */
  readonly droppedInvalid: number;
}

/** Why an allocation ended. */
export type AllocationEndReason = 'refresh' | 'expired' | 'closed';

/** What every {@link TurnServerEvent} has. */
export interface TurnEventBase {
  /** Scheduler time of the event. */
  readonly time: number;
  /** The client's transport address as the server sees it (after NAT). */
  readonly client: TransportAddress;
}

/** An allocation was created, or refreshed by a Refresh request. */
export interface TurnAllocationEvent extends TurnEventBase {
  /** What happened. */
  readonly type: 'allocation-created' | 'allocation-refreshed';
  /** The relayed transport address. */
  readonly relayed: TransportAddress;
  /** Granted lifetime, s. */
  readonly lifetime: number;
}

/** An allocation ended. */
export interface TurnAllocationEndEvent extends TurnEventBase {
  /** What happened. */
  readonly type: 'allocation-deleted';
  /** The relayed transport address released. */
  readonly relayed: TransportAddress;
  /** Refresh with LIFETIME 0, expiry, or `close()`. */
  readonly reason: AllocationEndReason;
}

/** A permission was installed, refreshed (CreatePermission or ChannelBind) or expired. */
export interface TurnPermissionEvent extends TurnEventBase {
  /** What happened. */
  readonly type: 'permission-created' | 'permission-refreshed' | 'permission-expired';
  /** The peer IP address the permission is for. */
  readonly peer: string;
}

/** A channel was bound, refreshed or expired. */
export interface TurnChannelEvent extends TurnEventBase {
  /** What happened. */
  readonly type: 'channel-bound' | 'channel-refreshed' | 'channel-expired';
  /** The channel number, 0x4000 to 0x4FFF. */
  readonly channel: number;
  /** The peer transport address it is bound to. */
  readonly peer: TransportAddress;
}

/** The server answered a request with an error. */
export interface TurnErrorEvent extends TurnEventBase {
  /** What happened. */
  readonly type: 'error-response';
  /** STUN method of the request, e.g. `StunMethod.Allocate` (3). */
  readonly method: number;
  /** The error code (401, 438, 437, ...). */
  readonly code: number;
}

/** Something that happened on a {@link VirtualTurnServer}. */
export type TurnServerEvent =
  | TurnAllocationEvent
  | TurnAllocationEndEvent
  | TurnPermissionEvent
  | TurnChannelEvent
  | TurnErrorEvent;

/** One live allocation, as {@link VirtualTurnServer.allocations} lists it. */
export interface TurnAllocationInfo {
  /** The client's transport address as the server sees it (after NAT). */
  readonly client: TransportAddress;
  /** The relayed transport address. */
  readonly relayed: TransportAddress;
  /** The user that allocated it. */
  readonly username: string;
  /** Scheduler time at which it expires unless refreshed. */
  readonly expiresAt: number;
  /** Its permissions, oldest first. */
  readonly permissions: readonly TurnPermissionInfo[];
  /** Its channel bindings, oldest first. */
  readonly channels: readonly TurnChannelInfo[];
}

/** One permission of a {@link TurnAllocationInfo}. */
export interface TurnPermissionInfo {
  /** The peer IP address. */
  readonly peer: string;
  /** Scheduler time at which it expires unless refreshed. */
  readonly expiresAt: number;
}

/** One channel binding of a {@link TurnAllocationInfo}. */
export interface TurnChannelInfo {
  /** The channel number, 0x4000 to 0x4FFF. */
  readonly channel: number;
  /** The peer transport address. */
  readonly peer: TransportAddress;
  /** Scheduler time at which it expires unless refreshed. */
  readonly expiresAt: number;
}

/**
 * A TURN server (RFC 8656 over UDP) on the virtual network: Allocate with
 * long-term credentials (401 with REALM and NONCE first, 438 for a stale
 * nonce), Refresh (LIFETIME 0 deletes), CreatePermission, ChannelBind, Send
 * and Data indications, ChannelData, and expiry of allocations, permissions
 * and channels on the network's scheduler. Binding requests are answered
 * too, so one server serves `stun:` and `turn:` URLs.
 *
 * @example
 * ```ts
 * const turn = net.createTurnServer('turn', {
 *   address: '198.51.100.2', username: 'user', password: 'secret', realm: 'example.org', lifetime: 60,
 * });
 * const agent = new IceAgent({
 *   role: 'controlling', scheduler: ts, transport: alice,
 *   iceServers: [{ urls: `turn:${turn.address}:${turn.port}?transport=udp`, username: 'user', credential: 'secret' }],
 * });
 * // later
 * expect(turn.allocations()).toHaveLength(1);
 * expect(turn.stats.errorResponses[401]).toBe(1);
 * ```
 */
export interface VirtualTurnServer {
  /** Name of the server's host. */
  readonly name: string;
  /** The address it listens on. */
  readonly address: string;
  /** The UDP port it listens on. */
  readonly port: number;
  /** The address relayed transport addresses are on. */
  readonly relayAddress: string;
  /** Its realm. */
  readonly realm: string;
  /** The host the server runs on. */
  readonly host: VirtualHost;
  /** Its counters (a snapshot). */
  readonly stats: TurnServerStats;
  /** Allocation, permission and channel lifecycle and error responses. Hot; completes on `close()`. */
  readonly events$: Observable<TurnServerEvent>;
  /** The live allocations (a snapshot). */
  allocations(): TurnAllocationInfo[];
  /** Makes every nonce issued so far stale: the next authenticated request gets 438. */
  expireNonces(): void;
  /** Deletes every allocation and stops answering. Idempotent. */
  close(): void;
}
