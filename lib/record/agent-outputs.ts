/**
 * What an agent tells its application, as recording lines: the values of its
 * streams. The recorder and the replay observe an agent the same way, so
 * their output lines compare equal when the agent behaved the same.
 * @module
 */
import { Subscription } from 'rxjs';
import type { IceAgent } from '../agent.js';
import { serializeCandidate } from '../candidate.js';

/**
 * Subscribes to the streams of `agent` and calls `emit` with each value as
 * JSON: `connectionState$`, `failureReason` (on `failed`), `gatheringState$`,
 * `candidates$` (the `candidate:` string), `selectedPair$` (both candidate
 * strings), `role$`, `errors$` and `data$` (its size only: the bytes are in
 * the datagrams received).
 */
export function observeOutputs(
  agent: IceAgent,
  emit: (stream: string, value: unknown) => void,
): Subscription {
  const subscription = new Subscription();
  subscription.add(
    agent.connectionState$.subscribe((state) => {
      emit('connectionState$', state);
      if (state === 'failed') emit('failureReason', agent.getStats().failureReason ?? null);
    }),
  );
  subscription.add(agent.gatheringState$.subscribe((state) => emit('gatheringState$', state)));
  subscription.add(agent.candidates$.subscribe((c) => emit('candidates$', c.candidate)));
  subscription.add(
    agent.selectedPair$.subscribe((p) =>
      emit('selectedPair$', { local: serializeCandidate(p.local), remote: serializeCandidate(p.remote) }),
    ),
  );
  subscription.add(agent.role$.subscribe((role) => emit('role$', role)));
  subscription.add(agent.errors$.subscribe((error) => emit('errors$', { ...error })));
  subscription.add(agent.data$.subscribe((data) => emit('data$', data.byteLength)));
  return subscription;
}
