/** Types shared by the TURN allocation state machine and its glue. */
import type { StunAddress } from '../stun/types.js';
import type { ServerRetransmission } from './transactions.js';

/** Settings of one allocation. */
export interface TurnAllocationConfig {
  readonly username: string;
  readonly password: string;
  /** TCP or TLS to the server: no retransmissions, ChannelData padded to 4 bytes. */
  readonly reliable: boolean;
  readonly retransmission: ServerRetransmission;
  /** Fresh 12-byte transaction ids (the agent's `entropy`); default: the process-wide CSPRNG pool. */
  readonly newTransactionId?: () => Uint8Array;
  /** Requested allocation lifetime in seconds (the server may grant another); default 600. */
  readonly lifetime?: number;
  /** Most permissions and channels; default 64. */
  readonly maxPeers?: number;
}

/** What went wrong, per RFC 8656 procedure. */
export type TurnErrorKind = 'turn-allocate' | 'turn-refresh' | 'turn-permission' | 'turn-channel';

/** Something the glue must act on. */
export type TurnEvent =
  | {
      readonly type: 'allocated';
      readonly relayed: StunAddress;
      /** The client's address as the server saw it (XOR-MAPPED-ADDRESS). */
      readonly mapped: StunAddress | undefined;
      /** Granted lifetime, seconds. */
      readonly lifetime: number;
    }
  /** A datagram from a peer with a permission; also usable as an `InboundPacket`. */
  | { readonly type: 'data'; readonly address: string; readonly port: number; readonly data: Uint8Array }
  | {
      readonly type: 'error';
      readonly kind: TurnErrorKind;
      /** STUN error code of the server's answer; absent for a timeout. */
      readonly code?: number;
      readonly reason: string;
      /** The peer IP (permission) or `address:port` (channel) concerned. */
      readonly peer?: string;
      /** The allocation is gone: no relayed traffic any more. */
      readonly fatal: boolean;
    }
  /** A datagram from the server was dropped (and counted): for `trace$`. */
  | { readonly type: 'dropped'; readonly reason: TurnDropReason; readonly length: number };

/**
 * Why a datagram from the TURN server was dropped:
 * - `malformed`: neither a STUN message nor ChannelData, or a broken one;
 * - `unexpected`: a STUN message of a class or method a client never gets;
 * - `unmatched`: a response to no transaction of ours;
 * - `unauthenticated`: a response with missing or wrong MESSAGE-INTEGRITY;
 * - `no-permission`: a Data indication from a peer we gave no permission;
 * - `unknown-channel`: ChannelData on a channel we did not bind.
 */
export type TurnDropReason =
  | 'malformed'
  | 'unexpected'
  | 'unmatched'
  | 'unauthenticated'
  | 'no-permission'
  | 'unknown-channel';

/** Lifecycle of an allocation. */
export type AllocationState = 'new' | 'allocating' | 'allocated' | 'failed' | 'closed';
