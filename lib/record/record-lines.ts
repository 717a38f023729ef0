/**
 * The lines of a session recording (JSON lines, one object each). Every line
 * has the agent's scheduler time `t` and a kind `k`. Three sorts:
 * - inputs the replay drives at their time: API calls, timer firings,
 *   datagrams received, sockets bound or failing, sockets ending;
 * - answers to what the agent asked its environment, consumed in order:
 *   random draws, the host addresses, ufrag claims, sockets bound at once;
 * - outputs, logged so a replay can be compared: datagrams sent, states,
 *   candidates, selected pairs, roles, server errors, data delivered, errors thrown.
 * @module
 */
import type { HostAddress } from '../transport/types.js';
import type { MdnsInputLine } from './record-mdns-lines.js';
import type { TcpBufferedLine, TcpInputLine, TcpOutputLine } from './record-tcp-lines.js';

/** What every line has: its kind and its time. */
export interface Timed<K extends string> {
  /** The kind of line. */
  readonly k: K;
  /** The agent's scheduler time of the input the line belongs to (ms; wall-clock time with the default scheduler). */
  readonly t: number;
}

/** Version of the recording format, in the `start` line. */
export const RECORDING_VERSION = 1;

/** The first line: format version and the agent's options (JSON-safe ones only). */
export interface StartLine extends Timed<'start'> {
  /** Format version ({@link RECORDING_VERSION}). */
  readonly v: number;
  /** Options as given, minus functions, scheduler and transport; a bigint as `{ "bigint": "…" }`. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Which optional functions the recorded transport had (absent: none). */
  readonly transport?: {
    /** `listenTcp` and `connectTcp`. */
    readonly tcp: boolean;
    /** `reserveTcpPort`. */
    readonly reserveTcpPort: boolean;
    /** `connectServerStream` (TURN over TCP/TLS); absent in recordings made before it existed. */
    readonly serverStreams?: boolean;
    /** `resolveMdns`; absent in recordings made before mDNS was recorded. */
    readonly resolveMdns?: boolean;
    /** `publishMdns`; absent likewise. */
    readonly publishMdns?: boolean;
  };
}

/** The application called a method of the agent (arguments as JSON; bytes as `{ "hex": "…" }`). */
export interface CallLine extends Timed<'call'> {
  /** The method called. */
  readonly method: RecordedMethod;
  /** Its arguments. */
  readonly args: readonly unknown[];
}

/** A timer the agent set fired: the `id`-th `schedule()` call on its scheduler (from 0). */
export interface TimerLine extends Timed<'timer'> {
  /** The timer's number. */
  readonly id: number;
}

/** The `bind`-th bind (from 0) gave a socket, known by that number afterwards. */
export interface BoundLine extends Timed<'bound'> {
  /** The bind's number, from 0 (its socket is known by it). */
  readonly bind: number;
  /** The local address the socket is bound to. */
  readonly address: string;
  /** The local port the socket is bound to. */
  readonly port: number;
  /** The socket's address family. */
  readonly family: 'IPv4' | 'IPv6';
  /** Emitted while the agent subscribed (an answer, not a later input). */
  readonly sync?: true;
}

/** The `bind`-th bind failed. */
export interface BindErrorLine extends Timed<'bind-error'> {
  /** The bind's number, from 0. */
  readonly bind: number;
  /** The error's message (the replay throws a `BindError` with it). */
  readonly message: string;
  /** Failed while the agent subscribed. */
  readonly sync?: true;
}

/** A datagram arrived on socket `socket` from `from`:`port`. */
export interface PacketLine extends Timed<'packet'> {
  /** The socket's number (its bind's). */
  readonly socket: number;
  /** Source address. */
  readonly from: string;
  /** Source port (`packet`) or destination port (`sent`). */
  readonly port: number;
  /** The datagram, in hex. */
  readonly hex: string;
}

/** Socket `socket` ended by itself (not closed by the agent). */
export interface SocketEndLine extends Timed<'socket-end'> {
  /** The socket's number. */
  readonly socket: number;
}

/** The transport shut down (`closed$`). */
export type TransportClosedLine = Timed<'transport-closed'>;

/** Random bytes the agent drew from its `entropy`. */
export interface DrawLine extends Timed<'draw'> {
  /** The bytes drawn, in hex. */
  readonly hex: string;
}

/** A number the agent drew from its `random` option (when one was given). */
export interface RandomLine extends Timed<'random'> {
  /** The number `random()` returned. */
  readonly value: number;
}

/** What the transport's `hostAddresses()` answered (already through the `ipFilter`). */
export interface HostsLine extends Timed<'hosts'> {
  /** The addresses: `address`, `family`, `iface` and `internal` as in {@link HostAddress}. */
  readonly addresses: readonly HostAddress[];
}

/** What a shared transport's `claimUfrag()` answered. */
export interface ClaimLine extends Timed<'claim'> {
  /** The ufrag claimed. */
  readonly ufrag: string;
  /** Whether the transport granted it. */
  readonly granted: boolean;
}

/** Output: a datagram the agent sent on socket `socket`. */
export interface SentLine extends Timed<'sent'> {
  /** The socket's number. */
  readonly socket: number;
  /** Destination address. */
  readonly to: string;
  /** Destination port. */
  readonly port: number;
  /** The datagram, in hex. */
  readonly hex: string;
}

/** Output: the agent closed socket `socket`. */
export interface ClosedLine extends Timed<'closed'> {
  /** The socket's number. */
  readonly socket: number;
}

/** Output: a value of one of the agent's streams, as JSON. */
export interface EmitLine extends Timed<'emit'> {
  /** `connectionState$`, `gatheringState$`, `candidates$`, `selectedPair$`, `role$`, `errors$`, `data$` (bytes count). */
  readonly stream: string;
  /** The value as JSON. */
  readonly value: unknown;
}

/** Output: a recorded call threw (`name: message`). */
export interface ThrewLine extends Timed<'threw'> {
  /** The method called. */
  readonly method: RecordedMethod;
  /** `name: message` of the error. */
  readonly error: string;
}

/** The agent methods a recording captures (the calls that change it). */
export type RecordedMethod =
  | 'gatherCandidates'
  | 'setRemoteCredentials'
  | 'addRemoteCandidate'
  | 'endOfCandidates'
  | 'send'
  | 'restart'
  | 'stop';

/** Every method name a `call` line may carry. */
export const RECORDED_METHODS: readonly RecordedMethod[] = [
  'gatherCandidates',
  'setRemoteCredentials',
  'addRemoteCandidate',
  'endOfCandidates',
  'send',
  'restart',
  'stop',
];

/** Lines the replay drives at their time. */
export type InputLine =
  | CallLine
  | TimerLine
  | BoundLine
  | BindErrorLine
  | PacketLine
  | SocketEndLine
  | TransportClosedLine
  | TcpInputLine
  | MdnsInputLine;

/** Lines answering the agent's own questions, consumed in order. */
export type AnswerLine = DrawLine | RandomLine | HostsLine | ClaimLine | TcpBufferedLine;

/** Lines describing what the agent did. */
export type OutputLine = SentLine | ClosedLine | EmitLine | ThrewLine | TcpOutputLine;

/** Any line of a recording. */
export type RecordLine = StartLine | InputLine | AnswerLine | OutputLine;

/** The kinds of output lines. */
export const OUTPUT_KINDS: ReadonlySet<string> = new Set([
  'sent',
  'closed',
  'emit',
  'threw',
  'tcp-write',
  'tcp-close',
  'tcp-release',
]);

/** Whether `line` is an output (what a replay must reproduce). */
export function isOutput(line: RecordLine): line is OutputLine {
  return OUTPUT_KINDS.has(line.k);
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The bytes of lower-case or upper-case `hex`. */
export function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
