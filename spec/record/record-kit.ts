/** Shared pieces of the record-and-replay specs. */
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import { expect } from 'vitest';
import { IceAgent, type IceAgentOptions, recordSession, serializeCandidate } from '../../lib/index.js';
import { FastScheduler, type ReplayResult, replaySession, VirtualNetwork } from '../../lib/testing/index.js';

/** A recorded agent and its recording, line by line. */
export interface Recorded {
  readonly agent: IceAgent;
  readonly lines: string[];
}

/** An agent recorded into an array of lines. */
export function recorded(options: IceAgentOptions): Recorded {
  const lines: string[] = [];
  const agent = recordSession(options, (line) => lines.push(line));
  return { agent, lines };
}

/** Signalling both ways between a recorded agent and its peer ({@link wire}), then both gather. */
export function start(a: IceAgent, b: IceAgent): void {
  wire(a, b);
  wire(b, a);
  a.gatherCandidates();
  b.gatherCandidates();
}

/** Trickle signaling from `from` to `to`: credentials at once, candidates as they come, then end-of-candidates. */
export function wire(from: IceAgent, to: IceAgent): void {
  const { ufrag, pwd } = from.getLocalCredentials();
  to.setRemoteCredentials(ufrag, pwd);
  from.candidates$.subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
  from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => to.endOfCandidates());
}

/** Resolves at the first connected/completed state. */
export const connected = (agent: IceAgent) =>
  firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));

/** Resolves at the `failed` state. */
export const failed = (agent: IceAgent) =>
  firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'failed')));

/** The kinds of the lines of a recording, counted. */
export function kinds(lines: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of lines) {
    const k = (JSON.parse(line) as { k: string }).k;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

/**
 * Records a controlling agent (`options`) while it connects to a plain
 * controlled one and both send five datagrams, then replays the recording:
 * the replay must match it and a second replay must give the same outputs.
 * `stops` gets both agents' stop() for the spec's afterEach.
 */
export async function recordedExchange(
  options: Omit<IceAgentOptions, 'role'>,
  stops: (() => void)[],
): Promise<{ readonly lines: string[]; readonly replay: ReplayResult }> {
  const a = recorded({ role: 'controlling', ...options });
  const b = new IceAgent({ role: 'controlled', ...options });
  stops.push(
    () => a.agent.stop(),
    () => b.stop(),
  );
  start(a.agent, b);
  await Promise.all([connected(a.agent), connected(b)]);
  const atA = firstValueFrom(a.agent.data$.pipe(take(5), toArray()));
  for (let i = 0; i < 5; i++) {
    a.agent.send(new TextEncoder().encode(`a${i}`));
    b.send(new TextEncoder().encode(`b${i}`));
  }
  await atA;
  a.agent.stop();
  const replay = replaySession(a.lines);
  expect(replay.mismatch).toBeUndefined();
  expect(replay.outputs).toEqual(replay.recorded);
  expect(replaySession(a.lines.join('\n')).outputs).toEqual(replay.outputs); // deterministic
  const states = replay.outputs.filter((o) => o.k === 'emit' && o.stream === 'connectionState$');
  expect(states.map((s) => (s.k === 'emit' ? s.value : undefined))).toContain('connected');
  return { lines: a.lines, replay };
}

/**
 * A controlling agent on 10.0.0.1 made by `record` (with `extra` options) and
 * a plain controlled one on 10.0.0.2, on a virtual network with 10 ms links,
 * under one FastScheduler. Not wired: the spec signals (and breaks links) as it needs.
 */
export function virtualPairRecordedBy<A>(
  record: (options: IceAgentOptions) => A,
  extra: Partial<IceAgentOptions> = {},
): {
  readonly scheduler: FastScheduler;
  readonly net: VirtualNetwork;
  readonly a: A;
  readonly b: IceAgent;
} {
  const scheduler = new FastScheduler();
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const a = record({
    ...extra,
    role: 'controlling',
    scheduler,
    transport: net.createHost('a', { addresses: ['10.0.0.1'] }),
  });
  const b = new IceAgent({
    role: 'controlled',
    scheduler,
    transport: net.createHost('b', { addresses: ['10.0.0.2'] }),
  });
  return { scheduler, net, a, b };
}

/** {@link virtualPairRecordedBy} with `recordSession` into memory: `a` is the agent and its lines. */
export function recordedVirtualPair(extra: Partial<IceAgentOptions> = {}) {
  return virtualPairRecordedBy(recorded, extra);
}
