/**
 * A hand-driven TURN client for tests of the virtual TURN server: each call
 * sends one message built with lib/stun; everything received is recorded
 * with its virtual arrival time. It learns REALM and NONCE from 401/438 and
 * signs later requests with the long-term key.
 */
import type { KeyObject } from 'node:crypto';
import type { SchedulerLike } from 'rxjs';
import {
  buildStunMessage,
  decodeStun,
  longTermKey,
  newTransactionId,
  type StunAttributeSpec,
} from '../../lib/stun/message.js';
import { type StunMessageView, StunMethod } from '../../lib/stun/types.js';
import type { TransportAddress } from '../../lib/testing/index.js';
import { decodeChannelData, encodeChannelData } from '../../lib/testing/turn-wire.js';
import type { PacketSocket } from '../../lib/transport/types.js';

export interface Received {
  readonly time: number;
  readonly from: TransportAddress;
  readonly stun?: StunMessageView;
  readonly channelData?: { readonly channel: number; readonly data: Uint8Array };
}

export interface RequestOptions {
  /** Sign with USERNAME, REALM, NONCE and MESSAGE-INTEGRITY; default: once a nonce is known. */
  readonly authenticate?: boolean;
  readonly transactionId?: Uint8Array;
  readonly fingerprint?: boolean;
}

export const UDP_TRANSPORT: StunAttributeSpec = { kind: 'requestedTransport', value: 17 };

export class RawTurnClient {
  readonly received: Received[] = [];
  realm: string | undefined;
  nonce: string | undefined;

  constructor(
    readonly scheduler: SchedulerLike,
    readonly socket: PacketSocket,
    readonly server: TransportAddress,
    readonly username: string,
    readonly password: string,
  ) {
    socket.packets$.subscribe(({ data, address, port }) => {
      const from = { address, port };
      const time = scheduler.now();
      const stun = decodeStun(data);
      if (stun !== undefined) {
        if (stun.realm !== undefined) this.realm = stun.realm;
        if (stun.nonce !== undefined) this.nonce = stun.nonce;
        this.received.push({ time, from, stun });
        return;
      }
      const channelData = decodeChannelData(data);
      if (channelData !== undefined) this.received.push({ time, from, channelData });
    });
  }

  get key(): KeyObject {
    return longTermKey(this.username, this.realm ?? '', this.password);
  }

  /** Sends a request; returns its transaction ID. */
  request(
    method: number,
    attributes: readonly StunAttributeSpec[] = [],
    options: RequestOptions = {},
  ): Uint8Array {
    const authenticate = options.authenticate ?? this.nonce !== undefined;
    const transactionId = options.transactionId ?? newTransactionId();
    const all: StunAttributeSpec[] = authenticate
      ? [
          { kind: 'username', value: this.username },
          { kind: 'realm', value: this.realm ?? '' },
          { kind: 'nonce', value: this.nonce ?? '' },
          ...attributes,
        ]
      : [...attributes];
    const bytes = buildStunMessage({
      method,
      cls: 'request',
      transactionId,
      attributes: all,
      integrity: authenticate ? { key: this.key } : undefined,
      fingerprint: options.fingerprint ?? false,
    });
    this.socket.send(bytes, this.server.port, this.server.address);
    return transactionId;
  }

  allocate(extra: readonly StunAttributeSpec[] = [], options: RequestOptions = {}): Uint8Array {
    return this.request(StunMethod.Allocate, [UDP_TRANSPORT, ...extra], options);
  }

  refresh(lifetime?: number): Uint8Array {
    return this.request(
      StunMethod.Refresh,
      lifetime === undefined ? [] : [{ kind: 'lifetime', value: lifetime }],
    );
  }

  createPermission(peer: TransportAddress): Uint8Array {
    return this.request(StunMethod.CreatePermission, [{ kind: 'xorPeerAddress', value: peer }]);
  }

  channelBind(channel: number, peer: TransportAddress): Uint8Array {
    return this.request(StunMethod.ChannelBind, [
      { kind: 'channelNumber', value: channel },
      { kind: 'xorPeerAddress', value: peer },
    ]);
  }

  sendIndication(peer: TransportAddress, data: Uint8Array): void {
    const bytes = buildStunMessage({
      method: StunMethod.Send,
      cls: 'indication',
      attributes: [
        { kind: 'xorPeerAddress', value: peer },
        { kind: 'data', value: data },
      ],
    });
    this.socket.send(bytes, this.server.port, this.server.address);
  }

  sendChannelData(channel: number, data: Uint8Array): void {
    this.socket.send(encodeChannelData(channel, data), this.server.port, this.server.address);
  }

  /** STUN messages received, in order. */
  get messages(): StunMessageView[] {
    return this.received.flatMap((r) => (r.stun ? [r.stun] : []));
  }

  /** The last STUN message received. */
  get last(): StunMessageView | undefined {
    return this.messages.at(-1);
  }

  /** `success` or the error code of each STUN response, in order. */
  get outcomes(): Array<'success' | number | undefined> {
    return this.messages
      .filter((m) => m.cls === 'success' || m.cls === 'error')
      .map((m) => (m.cls === 'success' ? 'success' : m.errorCode?.code));
  }
}
