/**
 * A virtual STUN server (RFC 8489): answers Binding requests with the
 * source transport address it saw, so a host behind a NAT learns its
 * mapping (its server-reflexive address).
 */
import { InvalidArgumentError } from '../errors.js';
import { buildStunMessage, decodeStun } from '../stun/message.js';
import { type StunMessageView, StunMethod } from '../stun/types.js';
import type { PacketSocket } from '../transport/types.js';
import { isValidPort } from './network-addresses.js';
import type { TransportAddress, VirtualHost } from './network-types.js';

/** Options of {@link VirtualNetwork.createStunServer}. */
export interface StunServerOptions {
  /** The server's address (its host owns only this one). */
  readonly address: string;
  /** UDP port; default 3478. */
  readonly port?: number;
  /** Name of a NAT the server sits behind; default: on the public network. */
  readonly behind?: string;
}

/** Counters of a {@link VirtualStunServer}. */
export interface StunServerStats {
  /** Binding requests received. */
  readonly requests: number;
  /** Success responses sent. */
  readonly responses: number;
  /** Error responses sent (420 for unknown comprehension-required attributes, 400 for other methods). */
  readonly errorResponses: number;
  /** Datagrams that were not STUN requests (indications, responses, garbage): ignored. */
  readonly ignored: number;
}

/**
 * A STUN server on the virtual network. It answers every Binding request with
 * XOR-MAPPED-ADDRESS = the datagram's source as it arrived (after any NAT),
 * adding FINGERPRINT when the request had one. No authentication.
 *
 * @example
 * ```ts
 * const net = new VirtualNetwork({ scheduler: ts });
 * const stun = net.createStunServer('stun', { address: '198.51.100.1' });
 * const agent = new IceAgent({
 *   role: 'controlling', scheduler: ts, transport: alice,
 *   iceServers: [{ urls: `stun:${stun.address}:${stun.port}` }],
 * });
 * // later: expect(stun.stats.requests).toBe(1);
 * ```
 */
export interface VirtualStunServer {
  /** Name of the server's host. */
  readonly name: string;
  /** The address it listens on. */
  readonly address: string;
  /** The UDP port it listens on. */
  readonly port: number;
  /** The host the server runs on. */
  readonly host: VirtualHost;
  /** Its counters (a snapshot). */
  readonly stats: StunServerStats;
  /** Stops answering (closes the socket). Idempotent. */
  close(): void;
}

type Counters = { -readonly [K in keyof StunServerStats]: StunServerStats[K] };

/** Internal: validates the options; returns the port. */
export function checkStunServerOptions(name: string, options: StunServerOptions): number {
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError(`STUN server ${name}: options must be { address, port? }`);
  const port = options.port ?? 3478;
  if (!isValidPort(port)) throw new InvalidArgumentError(`STUN server ${name}: invalid port ${String(port)}`);
  return port;
}

/** Internal: binds the server socket on `host` (see {@link VirtualNetwork.createStunServer}). */
export function startStunServer(host: VirtualHost, port: number): VirtualStunServer {
  const socket = bindNow(host, host.addresses[0] as string, port);
  const counters: Counters = { requests: 0, responses: 0, errorResponses: 0, ignored: 0 };
  socket.packets$.subscribe(({ data, address, port: sourcePort }) => {
    const request = decodeStun(data);
    if (request?.cls !== 'request') {
      counters.ignored++;
      return;
    }
    counters.requests++;
    const answer = answerBinding(request, { address, port: sourcePort });
    if (answer.error) counters.errorResponses++;
    else counters.responses++;
    socket.send(answer.bytes, sourcePort, address);
  });
  return {
    name: host.name,
    address: socket.address,
    port: socket.port,
    host,
    get stats() {
      return { ...counters };
    },
    close: () => socket.close(),
  };
}

/**
 * The answer to a STUN request that is not TURN's business: a Binding success
 * with XOR-MAPPED-ADDRESS, 420 with UNKNOWN-ATTRIBUTES when the request has
 * comprehension-required attributes we do not know, 400 for other methods.
 */
export function answerBinding(
  request: StunMessageView,
  source: TransportAddress,
): { readonly bytes: Buffer; readonly error: boolean } {
  const reply = (
    cls: 'success' | 'error',
    attributes: Parameters<typeof buildStunMessage>[0]['attributes'],
  ) =>
    buildStunMessage({
      method: request.method,
      cls,
      transactionId: request.transactionId,
      attributes,
      fingerprint: request.hasFingerprint,
    });
  if (request.method !== StunMethod.Binding)
    return { bytes: reply('error', [errorCode(400, 'Bad Request')]), error: true };
  if (request.unknownComprehensionRequired.length > 0) {
    const attributes = [
      errorCode(420, 'Unknown Attribute'),
      { kind: 'unknownAttributes', value: request.unknownComprehensionRequired } as const,
    ];
    return { bytes: reply('error', attributes), error: true };
  }
  return { bytes: reply('success', [{ kind: 'xorMappedAddress', value: source }]), error: false };
}

function errorCode(code: number, reason: string) {
  return { kind: 'errorCode', value: { code, reason } } as const;
}

/** Binds synchronously (the virtual network's `bind` emits at once) on exactly `port`. */
export function bindNow(host: VirtualHost, address: string, port: number): PacketSocket {
  let socket: PacketSocket | undefined;
  let failure: unknown;
  host.bind(address, { min: port, max: port }).subscribe({
    next: (s) => {
      socket = s;
    },
    error: (e: unknown) => {
      failure = e;
    },
  });
  if (socket === undefined) throw failure ?? new InvalidArgumentError(`${host.name}: could not bind ${port}`);
  return socket;
}
