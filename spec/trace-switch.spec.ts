/**
 * The on/off switch of tracing across sessions: the sessions record only
 * while `trace$` has a subscriber, a restart's new session follows the
 * switch, and events after a restart carry the new generation.
 */
import { describe, expect, it } from 'vitest';
import type { IceSession } from '../lib/core/session.js';
import type { IceAgent, TraceEvent } from '../lib/index.js';
import { connectAgents, createAgentPair, FastScheduler } from '../lib/testing/index.js';

/** The agent's current and previous sessions (internal: the switch is not observable from outside). */
function sessions(agent: IceAgent): { session: IceSession; previous: IceSession | undefined } {
  return (agent as unknown as { driver: { session: IceSession; previous: IceSession | undefined } }).driver;
}

describe('tracing switch', () => {
  it('is off without subscribers, on from the first, off after the last leaves; a new session follows it', () => {
    const fs = new FastScheduler();
    const { a, b } = createAgentPair(fs, { latency: 10 });
    connectAgents(a, b, { scheduler: fs });
    fs.advanceTo(1000);
    expect(sessions(a).session.trace.enabled).toBe(false);
    const first = a.trace$.subscribe();
    const second = a.trace$.subscribe();
    expect(sessions(a).session.trace.enabled).toBe(true);
    first.unsubscribe();
    expect(sessions(a).session.trace.enabled).toBe(true);
    a.restart();
    expect(sessions(a).session.trace.enabled).toBe(true);
    expect(sessions(a).previous?.trace.enabled).toBe(true);
    second.unsubscribe();
    expect(sessions(a).session.trace.enabled).toBe(false);
    expect(sessions(a).previous?.trace.enabled).toBe(false);
    a.restart();
    expect(sessions(a).session.trace.enabled).toBe(false);
    a.stop();
    b.stop();
  });

  it('stamps events after a restart with the new generation; pair ids start again', () => {
    const fs = new FastScheduler();
    const { a, b } = createAgentPair(fs, { latency: 10 });
    const events: TraceEvent[] = [];
    a.trace$.subscribe((e) => events.push(e));
    connectAgents(a, b, { scheduler: fs });
    fs.advanceTo(1000);
    const restartAt = fs.now();
    a.restart();
    const { ufrag, pwd } = a.getLocalCredentials();
    b.setRemoteCredentials(ufrag, pwd); // the peer restarts too, and signals its new credentials
    const nb = b.getLocalCredentials();
    a.setRemoteCredentials(nb.ufrag, nb.pwd);
    for (const c of b.getLocalCandidates()) a.addRemoteCandidate(c);
    for (const c of a.getLocalCandidates()) b.addRemoteCandidate(c);
    fs.advanceTo(3000);
    const after = events.filter((e) => e.at >= restartAt);
    expect(after.filter((e) => e.type === 'gathering-state').map((e) => [e.state, e.generation])).toEqual([
      ['new', 1],
      ['gathering', 1],
      ['complete', 1],
    ]);
    const selected = after.filter((e) => e.type === 'pair-selected');
    expect(selected).toEqual([expect.objectContaining({ generation: 1, pairId: 1 })]);
    expect(after.filter((e) => e.type === 'check-sent').every((e) => e.generation === 1)).toBe(true);
    expect(events.filter((e) => e.at < restartAt).every((e) => e.generation === 0)).toBe(true);
    a.stop();
    b.stop();
  });
});
