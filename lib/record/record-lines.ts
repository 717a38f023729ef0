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

/** Version of the recording format, in the `start` line. */
export const RECORDING_VERSION = 1;

/** The first line: format version and the agent's options (JSON-safe ones only). */
export interface StartLine {
  readonly k: 'start';
  readonly t: number;
  readonly v: number;
  /** Options as given, minus functions, scheduler and transport; a bigint as `{ "bigint": "…" }`. */
  readonly options: Readonly<Record<string, unknown>>;
}

/** The application called a method of the agent (arguments as JSON; bytes as `{ "hex": "…" }`). */
export interface CallLine {
  readonly k: 'call';
  readonly t: number;
  readonly method: RecordedMethod;
  readonly args: readonly unknown[];
}

/** A timer the agent set fired: the `id`-th `schedule()` call on its scheduler (from 0). */
export interface TimerLine {
  readonly k: 'timer';
  readonly t: number;
  readonly id: number;
}

/** The `bind`-th bind (from 0) gave a socket, known by that number afterwards. */
export interface BoundLine {
  readonly k: 'bound';
  readonly t: number;
  readonly bind: number;
  readonly address: string;
  readonly port: number;
  readonly family: 'IPv4' | 'IPv6';
  /** Emitted while the agent subscribed (an answer, not a later input). */
  readonly sync?: true;
}

/** The `bind`-th bind failed. */
export interface BindErrorLine {
  readonly k: 'bind-error';
  readonly t: number;
  readonly bind: number;
  readonly message: string;
  /** Failed while the agent subscribed. */
  readonly sync?: true;
}

/** A datagram arrived on socket `socket` from `from`:`port`. */
export interface PacketLine {
  readonly k: 'packet';
  readonly t: number;
  readonly socket: number;
  readonly from: string;
  readonly port: number;
  readonly hex: string;
}

/** Socket `socket` ended by itself (not closed by the agent). */
export interface SocketEndLine {
  readonly k: 'socket-end';
  readonly t: number;
  readonly socket: number;
}

/** The transport shut down (`closed$`). */
export interface TransportClosedLine {
  readonly k: 'transport-closed';
  readonly t: number;
}

/** Random bytes the agent drew from its `entropy`. */
export interface DrawLine {
  readonly k: 'draw';
  readonly t: number;
  readonly hex: string;
}

/** A number the agent drew from its `random` option (when one was given). */
export interface RandomLine {
  readonly k: 'random';
  readonly t: number;
  readonly value: number;
}

/** What the transport's `hostAddresses()` answered (already through the `ipFilter`). */
export interface HostsLine {
  readonly k: 'hosts';
  readonly t: number;
  readonly addresses: readonly {
    address: string;
    family: 'IPv4' | 'IPv6';
    iface: string;
    internal: boolean;
  }[];
}

/** What a shared transport's `claimUfrag()` answered. */
export interface ClaimLine {
  readonly k: 'claim';
  readonly t: number;
  readonly ufrag: string;
  readonly granted: boolean;
}

/** Output: a datagram the agent sent on socket `socket`. */
export interface SentLine {
  readonly k: 'sent';
  readonly t: number;
  readonly socket: number;
  readonly to: string;
  readonly port: number;
  readonly hex: string;
}

/** Output: the agent closed socket `socket`. */
export interface ClosedLine {
  readonly k: 'closed';
  readonly t: number;
  readonly socket: number;
}

/** Output: a value of one of the agent's streams, as JSON. */
export interface EmitLine {
  readonly k: 'emit';
  readonly t: number;
  /** `connectionState$`, `gatheringState$`, `candidates$`, `selectedPair$`, `role$`, `errors$`, `data$` (bytes count). */
  readonly stream: string;
  readonly value: unknown;
}

/** Output: a recorded call threw (`name: message`). */
export interface ThrewLine {
  readonly k: 'threw';
  readonly t: number;
  readonly method: RecordedMethod;
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
  | TransportClosedLine;

/** Lines answering the agent's own questions, consumed in order. */
export type AnswerLine = DrawLine | RandomLine | HostsLine | ClaimLine;

/** Lines describing what the agent did. */
export type OutputLine = SentLine | ClosedLine | EmitLine | ThrewLine;

/** Any line of a recording. */
export type RecordLine = StartLine | InputLine | AnswerLine | OutputLine;

/** The kinds of output lines. */
export const OUTPUT_KINDS: ReadonlySet<string> = new Set(['sent', 'closed', 'emit', 'threw']);

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
