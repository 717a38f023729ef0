import { delay, filter, type SchedulerLike, Subscription, take } from 'rxjs';
import type { IceAgent } from '../agent.js';
import { serializeCandidate } from '../candidate.js';

/** How {@link connectAgents} carries signaling between two agents. */
export interface SignalingOptions {
  /** Scheduler timing the signaling delay (the agents' scheduler, usually). */
  readonly scheduler: SchedulerLike;
  /** One-way signaling delay in ms for candidates and end-of-candidates; default 0. */
  readonly candidateDelay?: number;
  /** One-way signaling delay in ms for credentials; default 0 (set it above `candidateDelay` to trickle candidates first). */
  readonly credentialsDelay?: number;
  /** Start gathering on both agents; default true. */
  readonly gather?: boolean;
}

/**
 * Wires two agents' signaling to each other (credentials, trickled
 * candidates, end-of-candidates), with configurable delays so tests can make
 * candidates and credentials arrive in any order, then starts gathering.
 * Returns the subscription carrying the signaling; unsubscribe to cut it.
 *
 * @example
 * ```ts
 * testScheduler.run(() => {
 *   const net = new VirtualNetwork({ scheduler: testScheduler });
 *   const a = new IceAgent({ role: 'controlling', transport: net.createHost('a', { addresses: ['10.0.0.1'] }), scheduler: testScheduler });
 *   const b = new IceAgent({ role: 'controlled', transport: net.createHost('b', { addresses: ['10.0.0.2'] }), scheduler: testScheduler });
 *   connectAgents(a, b, { scheduler: testScheduler });
 * });
 * ```
 */
export function connectAgents(a: IceAgent, b: IceAgent, options: SignalingOptions): Subscription {
  const subscription = new Subscription();
  subscription.add(signal(a, b, options));
  subscription.add(signal(b, a, options));
  if (options.gather ?? true) {
    a.gatherCandidates();
    b.gatherCandidates();
  }
  return subscription;
}

function signal(from: IceAgent, to: IceAgent, options: SignalingOptions): Subscription {
  const { scheduler, candidateDelay = 0, credentialsDelay = 0 } = options;
  const subscription = new Subscription();
  const credentials = from.getLocalCredentials();
  subscription.add(
    scheduler.schedule(() => to.setRemoteCredentials(credentials.ufrag, credentials.pwd), credentialsDelay),
  );
  subscription.add(
    from.candidates$
      .pipe(delay(candidateDelay, scheduler))
      .subscribe((candidate) => to.addRemoteCandidate(serializeCandidate(candidate))),
  );
  subscription.add(
    from.gatheringState$
      .pipe(
        filter((state) => state === 'complete'),
        take(1),
        delay(candidateDelay, scheduler),
      )
      .subscribe(() => to.endOfCandidates()),
  );
  return subscription;
}
