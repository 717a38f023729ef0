/**
 * Benchmark helper: a pair of rx-ice agents on 127.0.0.1 with immediate,
 * in-process signaling (the wiring of examples/loopback.ts).
 */
import { performance } from 'node:perf_hooks';
import { filter, firstValueFrom } from 'rxjs';
import { IceAgent, type IceAgentOptions, serializeCandidate } from '../../lib/index.js';

/** Agent options the benchmark may vary (role and ipFilter are fixed). */
export type PairOptions = Omit<IceAgentOptions, 'role' | 'ipFilter'>;

export interface AgentPair {
  readonly controlling: IceAgent;
  readonly controlled: IceAgent;
  /** Wall time from before the first constructor to both agents connected, ms. */
  readonly connectMs: number;
  stop(): void;
}

const onLoopback = (address: string): boolean => address === '127.0.0.1';

function signal(from: IceAgent, to: IceAgent): void {
  const { ufrag, pwd } = from.getLocalCredentials();
  to.setRemoteCredentials(ufrag, pwd);
  from.candidates$.subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
  from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => to.endOfCandidates());
}

/** Resolves on `connected`/`completed`, rejects on `failed`/`closed`. */
function connected(agent: IceAgent): Promise<void> {
  return firstValueFrom(
    agent.connectionState$.pipe(
      filter((s) => s === 'connected' || s === 'completed' || s === 'failed' || s === 'closed'),
    ),
  ).then((s) => {
    if (s === 'failed' || s === 'closed') throw new Error(`agent ended in state ${s}`);
  });
}

/**
 * Creates, signals and connects two agents over real UDP on 127.0.0.1.
 * Rejects (after stopping both agents) on failure or after `timeoutMs`.
 */
export async function connectPair(options: PairOptions = {}, timeoutMs = 5000): Promise<AgentPair> {
  const started = performance.now();
  const controlling = new IceAgent({ ...options, role: 'controlling', ipFilter: onLoopback });
  const controlled = new IceAgent({ ...options, role: 'controlled', ipFilter: onLoopback });
  const stop = (): void => {
    controlling.stop();
    controlled.stop();
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    signal(controlling, controlled);
    signal(controlled, controlling);
    const both = Promise.all([connected(controlling), connected(controlled)]);
    controlling.gatherCandidates();
    controlled.gatherCandidates();
    await Promise.race([
      both,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not connected after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return { controlling, controlled, connectMs: performance.now() - started, stop };
}
