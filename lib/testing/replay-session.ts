/**
 * `replaySession`: a recorded session (`recordSession`) run again, in
 * virtual time, by a fresh agent fed only from the recording.
 * @module
 */
import { IceAgent } from '../agent.js';
import type { IceAgentOptions } from '../options.js';
import { observeOutputs } from '../record/agent-outputs.js';
import {
  fromHex,
  isOutput,
  type OutputLine,
  type RecordedMethod,
  type RecordLine,
} from '../record/record-lines.js';
import { optionsFromJson, RECORDED_RANDOM } from '../record/record-options.js';
import { type NumberedLine, parseRecording } from '../record/record-parse.js';
import { type LookupLine, SETTLING_KINDS, type TcpSettledLine } from '../record/record-tcp-lines.js';
import { ReplayClock } from './replay-clock.js';
import { ReplayTcp } from './replay-tcp.js';
import { ReplayTransport } from './replay-transport.js';

/** Where the replay first did something else than the recorded agent. */
export interface ReplayMismatch {
  /** Index in {@link ReplayResult.outputs} and {@link ReplayResult.recorded}. */
  readonly index: number;
  /** The recording line of the expected output (undefined: the replay did more). */
  readonly line: number | undefined;
  /** What the recorded agent did there (undefined: it did nothing more). */
  readonly expected: OutputLine | undefined;
  /** What the replayed agent did there (undefined: it did nothing more). */
  readonly actual: OutputLine | undefined;
}

/** What a replay gives. */
export interface ReplayResult {
  /** The replayed agent, in the state the recording left it (not stopped unless the recording stopped it). */
  readonly agent: IceAgent;
  /** What the replayed agent did: datagrams sent, sockets closed, stream values, errors thrown, with their virtual times. */
  readonly outputs: readonly OutputLine[];
  /** What the recorded agent did, from the recording, in the same form. */
  readonly recorded: readonly OutputLine[];
  /** The first difference between the two, if any. */
  readonly mismatch: ReplayMismatch | undefined;
  /** The virtual time of the last line. */
  readonly endTime: number;
}

/** Options of {@link replaySession}. */
export interface ReplayOptions {
  /**
   * Called with the replayed agent once it is built, before the first
   * recorded input: subscribe to `trace$` here to see the replay's trace
   * (`rx-ice-timeline` draws a recording this way).
   */
  readonly onAgent?: (agent: IceAgent) => void;
}

const ANSWERS = new Set(['draw', 'random', 'hosts', 'claim', 'tcp-buffered']);

type Settling = TcpSettledLine | LookupLine;

/**
 * Runs a fresh agent from a recording: its options, its random draws and its
 * host addresses from the log, on a virtual clock that stands at each line's
 * time, on a scripted transport that delivers the recorded datagrams and
 * binds; the recorded timers fire when the recording says they fired, and
 * the recorded API calls are made again. Synchronous: returns when the
 * recording is used up. The replayed agent's outputs (datagrams sent byte
 * for byte, states, candidates, selected pairs, errors, at their virtual
 * times) are returned with the recorded ones, for comparison.
 *
 * @param log the recording: the text of a `.jsonl` file, or its lines
 * @param options `onAgent`: sees the agent before the first input
 * @throws InvalidRecordingError naming the first bad line;
 *   ReplayDivergenceError when the agent asks for what the recording does
 *   not hold (more random bytes, a timer never set, a socket not open): the
 *   code no longer behaves as the recorded one did.
 *
 * @example
 * ```ts
 * const { outputs, recorded, agent } = replaySession(readFileSync('session.jsonl', 'utf8'));
 * expect(outputs).toEqual(recorded);
 * agent.stop();
 * ```
 */
export function replaySession(log: string | Iterable<string>, options: ReplayOptions = {}): ReplayResult {
  const { start, lines } = parseRecording(log);
  const answers: NumberedLine[] = [];
  const syncBinds = new Map<number, Extract<RecordLine, { k: 'bound' | 'bind-error' }>>();
  const syncTcp = new Map<string, Settling>();
  const inputs: NumberedLine[] = [];
  for (const numbered of lines) {
    const { record } = numbered;
    if (ANSWERS.has(record.k)) answers.push(numbered);
    else if (SETTLING_KINDS.has(record.k) && (record as Settling).sync) {
      const settling = record as Settling;
      syncTcp.set(settling.k === 'lookup' ? `lookup:${settling.id}` : `tcp:${settling.op}`, settling);
    } else if ((record.k === 'bound' || record.k === 'bind-error') && record.sync)
      syncBinds.set(record.bind, record);
    else if (!isOutput(record)) inputs.push(numbered);
  }
  const clock = new ReplayClock(start.t, answers);
  const transport = new ReplayTransport(clock, syncBinds, new ReplayTcp(clock, syncTcp), start.transport);
  const agentOptions: IceAgentOptions = {
    ...(optionsFromJson(start.options) as unknown as IceAgentOptions),
    scheduler: clock,
    transport,
    ipFilter: () => true,
    entropy: (target) => {
      const draw = clock.take('draw', `${target.length} random bytes`);
      if (draw === undefined) return;
      if (draw.hex.length !== target.length * 2) {
        clock.diverge(
          `the agent drew ${target.length} random bytes, the recorded agent ${draw.hex.length / 2}`,
        );
      }
      target.set(fromHex(draw.hex).subarray(0, target.length));
    },
    random:
      start.options.random === RECORDED_RANDOM
        ? () => clock.take('random', 'a random number')?.value ?? 0
        : undefined,
  };
  const agent = new IceAgent(agentOptions);
  observeOutputs(agent, (stream, value) => clock.output({ k: 'emit', stream, value }));
  options.onAgent?.(agent);
  for (const { line, record } of inputs) {
    if (clock.divergence) break;
    clock.time = record.t;
    clock.line = line;
    if (record.k === 'timer') {
      if (!clock.fire(record.id)) clock.diverge(`timer ${record.id} is not pending`);
    } else if (record.k === 'call') {
      call(agent, record.method, record.args, clock);
    } else {
      transport.deliver(record);
    }
  }
  if (clock.divergence) throw clock.divergence;
  const recorded = lines.filter((l) => isOutput(l.record));
  return {
    agent,
    outputs: clock.outputs,
    recorded: recorded.map((l) => l.record as OutputLine),
    mismatch: firstMismatch(clock.outputs, recorded),
    endTime: clock.time,
  };
}

function call(agent: IceAgent, method: RecordedMethod, args: readonly unknown[], clock: ReplayClock): void {
  const revived = method === 'send' ? args.map(reviveBytes) : args;
  try {
    (agent[method] as (...a: unknown[]) => void)(...revived);
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    clock.output({ k: 'threw', method, error: text });
  }
}

function reviveBytes(arg: unknown): unknown {
  const hex = (arg as { hex?: unknown } | null)?.hex;
  return typeof hex === 'string' ? fromHex(hex) : arg;
}

function firstMismatch(
  outputs: readonly OutputLine[],
  recorded: readonly NumberedLine[],
): ReplayMismatch | undefined {
  const length = Math.max(outputs.length, recorded.length);
  for (let index = 0; index < length; index++) {
    const actual = outputs[index];
    const expected = recorded[index]?.record as OutputLine | undefined;
    if (JSON.stringify(actual) !== JSON.stringify(expected && normalize(expected))) {
      return { index, line: recorded[index]?.line, expected, actual };
    }
  }
  return undefined;
}

/** The JSON of `line` with `k` and `t` first, as the replay writes its outputs. */
function normalize(line: OutputLine): OutputLine {
  const { k, t, ...rest } = line;
  return { k, t, ...rest } as OutputLine;
}
