import type { TestScheduler } from 'rxjs/testing';
import { TestScheduler as Scheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { type AgentPair, type AgentPairOptions, createAgentPair } from '../../lib/testing/index.js';

/** A TestScheduler whose assertions go through vitest's deep equality. */
export function newTestScheduler(): TestScheduler {
  return new Scheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** The specs' name for the public kit's {@link createAgentPair} (one implementation). */
export function virtualPair(scheduler: TestScheduler, options: AgentPairOptions = {}): AgentPair {
  return createAgentPair(scheduler, options);
}
