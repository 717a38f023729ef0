/** STUN message classes (RFC 8489 §5). */
export type StunClass = 'request' | 'indication' | 'success' | 'error';

/** STUN/TURN methods rx-ice speaks (RFC 8489, RFC 8656). */
export const StunMethod = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;

/** A transport address carried in a STUN attribute. */
export interface StunAddress {
  readonly address: string;
  readonly port: number;
}

/**
 * A decoded STUN message: a flat, typed view of the attributes ICE and TURN
 * need, plus the raw bytes (integrity is verified over those, not over a
 * re-encoding). Produced by `decodeStun`, which never throws.
 */
export interface StunMessageView {
  readonly cls: StunClass;
  readonly method: number;
  /** 12-byte transaction ID. */
  readonly transactionId: Uint8Array;
  /** The datagram the message was decoded from. */
  readonly raw: Uint8Array;
  readonly username?: string;
  readonly priority?: number;
  readonly useCandidate: boolean;
  /** NOMINATION (0xC001, draft-thatcher-ice-renomination): the controlling side's nomination counter. */
  readonly nomination?: number;
  /** ICE-CONTROLLING tie-breaker. */
  readonly iceControlling?: bigint;
  /** ICE-CONTROLLED tie-breaker. */
  readonly iceControlled?: bigint;
  readonly xorMappedAddress?: StunAddress;
  readonly errorCode?: { readonly code: number; readonly reason: string };
  readonly hasIntegrity: boolean;
  readonly hasFingerprint: boolean;
  readonly unknownComprehensionRequired: readonly number[];
  // TURN (RFC 8656)
  readonly realm?: string;
  readonly nonce?: string;
  readonly lifetime?: number;
  readonly xorRelayedAddress?: StunAddress;
  readonly xorPeerAddress?: StunAddress;
  readonly data?: Uint8Array;
  readonly channelNumber?: number;
}
