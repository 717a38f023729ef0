/** Shared pieces of the record-and-replay specs. */
import { filter, firstValueFrom } from 'rxjs';
import { type IceAgent, type IceAgentOptions, recordSession, serializeCandidate } from '../../lib/index.js';

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
