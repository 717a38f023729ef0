/**
 * Type declarations for the `stun` dependency, installed as
 * `npm:@msimerson/stun@3` (the maintained fork of nodertc/stun, same API),
 * which ships none. Written against
 * node_modules/@msimerson/stun/src; covers the message codec rx-ice uses
 * (createMessage, createTransaction, encode, decode, constants, StunRequest,
 * StunResponse, the attribute classes, the error classes, the validators).
 * The network half (`request`, `createServer`, `StunServer`) is not declared
 * because rx-ice does its own transport.
 *
 * Quirks of the runtime are noted where they matter; lib/stun/message.ts works
 * around them.
 */
declare module 'stun' {
  import type { KeyObject } from 'node:crypto';

  namespace stun {
    /** Value of an address attribute (MAPPED-ADDRESS, XOR-*-ADDRESS, ...). */
    interface StunAddressValue {
      port: number;
      family: 'IPv4' | 'IPv6';
      address: string;
    }

    /** Value of ERROR-CODE. */
    interface StunErrorValue {
      code: number;
      reason: string;
    }

    /**
     * Members every attribute has. The attribute classes are not exported by
     * the package (only reachable as values of a message), hence interfaces.
     */
    interface StunAttributeBase {
      /** Attribute type (see `constants.STUN_ATTR_*`). */
      readonly type: number;
      /** Encodes the attribute value (without type, length and padding). */
      toBuffer(): Buffer;
    }

    /** MAPPED-ADDRESS, ALTERNATE-SERVER, RESPONSE-ORIGIN, OTHER-ADDRESS. */
    interface StunAddressAttribute extends StunAttributeBase {
      readonly valueType: 1;
      /** A fresh object on every read. */
      readonly value: StunAddressValue;
      setPort(port: number): boolean;
      setAddress(address: string): boolean;
    }

    /**
     * XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS: `value` is
     * the un-XORed address. Decoded IPv6 addresses are wrong: the attribute
     * is parsed before the message has its transaction ID, so the address is
     * un-XORed with zeros in its place (lib/stun/message.ts reads the raw
     * value instead).
     */
    interface StunXorAddressAttribute extends StunAttributeBase {
      readonly valueType: 2;
      readonly value: StunAddressValue;
      setPort(port: number): boolean;
      setAddress(address: string): boolean;
    }

    /**
     * FINGERPRINT, PRIORITY, LIFETIME, CHANNEL-NUMBER, REQUESTED-TRANSPORT,
     * CHANGE-REQUEST, ...: the whole 32-bit value (CHANNEL-NUMBER keeps its
     * RFFU half, REQUESTED-TRANSPORT its protocol in the top byte).
     * `setValue` silently keeps the old value for anything outside 0..2^32-1.
     */
    interface StunUInt32Attribute extends StunAttributeBase {
      readonly valueType: 3;
      readonly value: number;
      setValue(value: number): boolean;
    }

    /**
     * USERNAME, REALM, NONCE, SOFTWARE, DATA, MESSAGE-INTEGRITY,
     * USE-CANDIDATE, ICE-CONTROLLED, ICE-CONTROLLING (the tie-breakers stay
     * raw 8-byte buffers), EVEN-PORT, DONT-FRAGMENT, ... `value` is `null` when
     * constructed without one (USE-CANDIDATE). `setValue` accepts only a
     * `Buffer` or a string: a plain `Uint8Array` is silently ignored.
     */
    interface StunByteStringAttribute extends StunAttributeBase {
      readonly valueType: 4;
      readonly value: Buffer | null;
      setValue(value: string | Buffer, encoding?: BufferEncoding): boolean;
    }

    /**
     * ERROR-CODE: `code` is `class * 100 + number` (stun 2.1.0 decoded 401
     * as 404; the fork fixed that).
     */
    interface StunErrorCodeAttribute extends StunAttributeBase {
      readonly valueType: 5;
      readonly value: StunErrorValue;
      readonly code: number;
      readonly reason: string;
      readonly errorClass: number;
    }

    /** UNKNOWN-ATTRIBUTES. */
    interface StunUInt16ListAttribute extends StunAttributeBase {
      readonly valueType: 6;
      readonly value: number[];
      readonly length: number;
    }

    /** RESPONSE-PORT. */
    interface StunUInt16Attribute extends StunAttributeBase {
      readonly valueType: 7;
      readonly value: number;
      setValue(value: number): boolean;
    }

    /** Any attribute type the package does not know; never re-encoded. */
    interface StunUnknownAttribute extends StunAttributeBase {
      readonly valueType: 0;
      readonly value: Buffer | null;
    }

    /** Every attribute a message can hold; narrow on `valueType`. */
    type StunAttribute =
      | StunAddressAttribute
      | StunXorAddressAttribute
      | StunUInt32Attribute
      | StunByteStringAttribute
      | StunErrorCodeAttribute
      | StunUInt16ListAttribute
      | StunUInt16Attribute
      | StunUnknownAttribute;

    /** Base of requests and responses (not exported at runtime). */
    interface StunMessage {
      /** The 16-bit message type (class and method bits interleaved). */
      readonly type: number;
      /** 12 bytes (16 for RFC 3489 messages). */
      readonly transactionId: Buffer;
      /** Number of attributes. */
      readonly count: number;
      /** True when the magic cookie is not 0x2112A442. */
      isLegacy(): boolean;
      /** The first attribute of that type. */
      getAttribute(type: number): StunAttribute | undefined;
      hasAttribute(type: number): boolean;
      /** Attributes in wire order. */
      [Symbol.iterator](): Iterator<StunAttribute>;
    }

    /** An outgoing message, built attribute by attribute. */
    class StunRequest {
      setType(type: number): void;
      /** False (and no change) unless a `Buffer` of 12 or 16 bytes. */
      setTransactionId(transactionId: Buffer): boolean;
      /** Deprecated alias of `setTransactionId`. */
      setTransactionID(transactionId: Buffer): boolean;
      /**
       * Adds an attribute; the arguments depend on the attribute's value type.
       * Returns undefined (adding nothing) when the type is already present;
       * throws for types the package does not know.
       */
      addAttribute(type: number, address: string, port: number): StunAttribute | undefined;
      addAttribute(type: number, code: number, reason?: string): StunAttribute | undefined;
      addAttribute(type: number, value?: string | Buffer | number | number[]): StunAttribute | undefined;
      removeAttribute(type: number): StunAttribute | undefined;
      addAddress(address: string, port: number): StunAttribute | undefined;
      addAlternateServer(address: string, port: number): StunAttribute | undefined;
      addXorAddress(address: string, port: number): StunAttribute | undefined;
      /** Throws when longer than 513 characters (characters, not bytes). */
      addUsername(username: string | Buffer): StunAttribute | undefined;
      /** Throws unless a Binding, Allocate or Refresh error response. */
      addError(code: number, reason?: string): StunAttribute | undefined;
      addRealm(realm: string): StunAttribute | undefined;
      addNonce(nonce: string): StunAttribute | undefined;
      addSoftware(software: string): StunAttribute | undefined;
      addUnknownAttributes(types: number[]): StunAttribute | undefined;
      /**
       * Appends MESSAGE-INTEGRITY: HMAC-SHA1 (`crypto.createHmac('sha1', key)`)
       * over the message encoded so far. Must come before FINGERPRINT.
       */
      addMessageIntegrity(key: string | Buffer | KeyObject): boolean;
      /** Appends FINGERPRINT over the message encoded so far. */
      addFingerprint(): boolean;
      /** Throws unless a signed 32-bit integer. */
      addPriority(priority: number): StunAttribute | undefined;
      addUseCandidate(): StunAttribute | undefined;
      /** Throws unless a Binding request and an 8-byte Buffer. */
      addIceControlled(tiebreaker: Buffer): StunAttribute | undefined;
      /** Throws unless a Binding request and an 8-byte Buffer. */
      addIceControlling(tiebreaker: Buffer): StunAttribute | undefined;
      /** Encodes the message. */
      toBuffer(): Buffer;
    }
    interface StunRequest extends StunMessage {}

    /** A decoded message. */
    class StunResponse {
      getAddress(): StunAddressValue | undefined;
      getXorAddress(): StunAddressValue | undefined;
      getAlternateServer(): StunAddressValue | undefined;
      getUsername(): string | undefined;
      /** Wrong `code` (see {@link StunErrorCodeAttribute}). */
      getError(): StunErrorValue | undefined;
      getRealm(): string | undefined;
      getNonce(): string | undefined;
      getSoftware(): string | undefined;
      getUnknownAttributes(): number[] | undefined;
      getMessageIntegrity(): Buffer | undefined;
      /** Broken: 0 whenever the attribute is present. */
      getFingerprint(): number | undefined;
      /** Broken: 0 whenever the attribute is present. */
      getPriority(): number | undefined;
      getIceControlled(): Buffer | undefined;
      getIceControlling(): Buffer | undefined;
    }
    interface StunResponse extends StunMessage {}

    /** Base of the package's errors. */
    class StunError extends Error {
      constructor(message: string, packet?: Buffer | StunMessage, sender?: unknown);
      readonly packet: Buffer | StunMessage | undefined;
      readonly sender: unknown;
    }
    class StunMessageError extends StunError {
      constructor(packet: Buffer | StunMessage, sender?: unknown);
    }
    class StunResponseError extends StunError {
      constructor(packet: StunMessage, sender?: unknown);
      code?: number;
    }

    /** Message types, error codes and reasons, attribute types, event names. */
    interface StunConstants {
      readonly STUN_BINDING_REQUEST: 0x0001;
      readonly STUN_BINDING_INDICATION: 0x0011;
      readonly STUN_BINDING_RESPONSE: 0x0101;
      readonly STUN_BINDING_ERROR_RESPONSE: 0x0111;
      readonly STUN_ALLOCATE_REQUEST: 0x0003;
      readonly STUN_ALLOCATE_RESPONSE: 0x0103;
      readonly STUN_ALLOCATE_ERROR_RESPONSE: 0x0113;
      readonly STUN_REFRESH_REQUEST: 0x0004;
      readonly STUN_REFRESH_RESPONSE: 0x0104;
      readonly STUN_REFRESH_ERROR_RESPONSE: 0x0114;
      readonly STUN_SEND_INDICATION: 0x0016;
      readonly STUN_DATA_INDICATION: 0x0017;
      readonly STUN_CREATE_PERMISSION_REQUEST: 0x0008;
      readonly STUN_CREATE_PERMISSION_RESPONSE: 0x0108;
      readonly STUN_CREATE_PERMISSION_ERROR_RESPONSE: 0x0118;
      readonly STUN_CHANNEL_BIND_REQUEST: 0x0009;
      readonly STUN_CHANNEL_BIND_RESPONSE: 0x0109;
      readonly STUN_CHANNEL_BIND_ERROR_RESPONSE: 0x0119;

      readonly STUN_CODE_TRY_ALTERNATE: 300;
      readonly STUN_CODE_BAD_REQUEST: 400;
      readonly STUN_CODE_UNAUTHORIZED: 401;
      readonly STUN_CODE_FORBIDDEN: 403;
      readonly STUN_CODE_UNKNOWN_ATTRIBUTE: 420;
      readonly STUN_CODE_STALE_CREDENTIALS: 430;
      readonly STUN_CODE_ALLOCATION_MISMATCH: 437;
      readonly STUN_CODE_STALE_NONCE: 438;
      readonly STUN_CODE_WRONG_CREDENTIALS: 441;
      readonly STUN_CODE_UNSUPPORTED_PROTOCOL: 442;
      readonly STUN_CODE_ALLOCATION_QUOTA: 486;
      readonly STUN_CODE_ROLE_CONFLICT: 487;
      readonly STUN_CODE_SERVER_ERROR: 500;
      readonly STUN_CODE_INSUFFICIENT_CAPACITY: 508;
      readonly STUN_CODE_GLOBAL_FAILURE: 600;

      readonly STUN_REASON_TRY_ALTERNATE: 'Try Alternate Server';
      readonly STUN_REASON_BAD_REQUEST: 'Bad Request';
      readonly STUN_REASON_UNAUTHORIZED: 'Unauthorized';
      readonly STUN_REASON_UNKNOWN_ATTRIBUTE: 'Unknown Attribute';
      readonly STUN_REASON_STALE_CREDENTIALS: 'Stale Credentials';
      readonly STUN_REASON_STALE_NONCE: 'Stale Nonce';
      readonly STUN_REASON_SERVER_ERROR: 'Server Error';
      readonly STUN_REASON_ROLE_CONFLICT: 'Role Conflict';
      readonly STUN_REASON_FORBIDDEN: 'Forbidden';
      readonly STUN_REASON_ALLOCATION_MISMATCH: 'Allocation Mismatch';
      readonly STUN_REASON_WRONG_CREDENTIALS: 'Wrong Credentials';
      readonly STUN_REASON_UNSUPPORTED_PROTOCOL: 'Unsupported Transport Protocol';
      readonly STUN_REASON_ALLOCATION_QUOTA: 'Allocation Quota Reached';
      readonly STUN_REASON_INSUFFICIENT_CAPACITY: 'Insufficient Capacity';

      readonly STUN_ATTR_MAPPED_ADDRESS: 0x0001;
      readonly STUN_ATTR_CHANGE_REQUEST: 0x0003;
      readonly STUN_ATTR_USERNAME: 0x0006;
      readonly STUN_ATTR_MESSAGE_INTEGRITY: 0x0008;
      readonly STUN_ATTR_ERROR_CODE: 0x0009;
      readonly STUN_ATTR_UNKNOWN_ATTRIBUTES: 0x000a;
      readonly STUN_ATTR_CHANNEL_NUMBER: 0x000c;
      readonly STUN_ATTR_LIFETIME: 0x000d;
      readonly STUN_ATTR_XOR_PEER_ADDRESS: 0x0012;
      readonly STUN_ATTR_DATA: 0x0013;
      readonly STUN_ATTR_REALM: 0x0014;
      readonly STUN_ATTR_NONCE: 0x0015;
      readonly STUN_ATTR_XOR_RELAYED_ADDRESS: 0x0016;
      readonly STUN_ATTR_EVEN_PORT: 0x0018;
      readonly STUN_ATTR_REQUESTED_TRANSPORT: 0x0019;
      readonly STUN_ATTR_DONT_FRAGMENT: 0x001a;
      readonly STUN_ATTR_XOR_MAPPED_ADDRESS: 0x0020;
      readonly STUN_ATTR_RESERVATION_TOKEN: 0x0022;
      readonly STUN_ATTR_PRIORITY: 0x0024;
      readonly STUN_ATTR_USE_CANDIDATE: 0x0025;
      readonly STUN_ATTR_PADDING: 0x0026;
      readonly STUN_ATTR_RESPONSE_PORT: 0x0027;
      readonly STUN_ATTR_SOFTWARE: 0x8022;
      readonly STUN_ATTR_ALTERNATE_SERVER: 0x8023;
      readonly STUN_ATTR_FINGERPRINT: 0x8028;
      readonly STUN_ATTR_ICE_CONTROLLED: 0x8029;
      readonly STUN_ATTR_ICE_CONTROLLING: 0x802a;
      readonly STUN_ATTR_RESPONSE_ORIGIN: 0x802b;
      readonly STUN_ATTR_OTHER_ADDRESS: 0x802c;
      readonly STUN_ATTR_ORIGIN: 0x802f;
      readonly STUN_ATTR_NOMINATION: 0xc001;
      readonly STUN_ATTR_NETWORK_INFO: 0xc057;
      readonly STUN_ATTR_RETRANSMIT_COUNT: 0xff00;

      readonly STUN_EVENT_BINDING_REQUEST: 'bindingRequest';
      readonly STUN_EVENT_BINDING_INDICATION: 'bindingIndication';
      readonly STUN_EVENT_BINDING_RESPONSE: 'bindingResponse';
      readonly STUN_EVENT_BINDING_ERROR_RESPONSE: 'bindingError';
    }

    /**
     * A new message of `type` (see `constants`) with `transaction` as its ID
     * (random when omitted). A truthy `transaction` that is not a 12- or
     * 16-byte `Buffer` (a plain `Uint8Array` included) is silently rejected,
     * leaving the ID all zeros: always pass a `Buffer`.
     */
    function createMessage(type: number, transaction?: Buffer): StunRequest;
    /** 12 random bytes. */
    function createTransaction(): Buffer;
    /** Encodes any message (re-encodes a decoded one, with zero padding). */
    function encode(message: StunMessage): Buffer;
    /**
     * Decodes a datagram. Throws on truncated input; does not check the magic
     * cookie, the first two bits or the header length against the buffer.
     */
    function decode(message: Buffer): StunResponse;
    /**
     * Re-encodes the message and checks FINGERPRINT over that, so it fails
     * whenever the sender's padding bytes were not zero (RFC 5769 §2.1).
     */
    function validateFingerprint(message: StunMessage): boolean;
    /** Same re-encoding flaw as `validateFingerprint`; compares in variable time. */
    function validateMessageIntegrity(message: StunMessage, key: string | Buffer | KeyObject): boolean;

    const constants: StunConstants;
  }

  export = stun;
}
