/**
 * A failure seen once, turned into a regression test. In production the agent was built with
 * `recordSession(options, createWriteStream('session.jsonl'))`; this session failed (the peer
 * answered 401: we had a stale password). Replayed in virtual time, it takes no time at all.
 *
 *   npx vitest run examples/recorded-failure.test.ts
 */
import { readFileSync } from 'node:fs';
import { replaySession } from 'rx-ice/testing';
import { expect, it } from 'vitest';

it('the session of fixtures/failed-session.jsonl fails the same way, the peer rejecting our credentials', () => {
  const { outputs, recorded, agent } = replaySession(
    readFileSync(new URL('fixtures/failed-session.jsonl', import.meta.url), 'utf8'),
  );
  expect(outputs).toEqual(recorded); // the same datagrams, byte for byte, and the same states at the same times
  expect(agent.getStats().failureReason).toBe('credentials-rejected');
  agent.stop();
});
