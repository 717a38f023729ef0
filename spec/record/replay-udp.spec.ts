/**
 * Record a session over real UDP on 127.0.0.1 (real sockets, real time), then
 * replay it in virtual time: the replayed agent sends the same datagrams byte
 * for byte and reaches the same states at the same times; replaying twice
 * gives the same result.
 */
import { filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent, UdpMux } from '../../lib/index.js';
import { replaySession } from '../../lib/testing/index.js';
import { connected, failed, kinds, recorded, recordedExchange, start, wire } from './record-kit.js';

/** Real sockets, real time: a hang guard, not an assertion (the agents connect in well under a second when idle). */
const REAL_UDP_TIMEOUT = 90_000;

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

const loopback = { ipFilter: (a: string) => a === '127.0.0.1' };

describe('record and replay over real UDP on 127.0.0.1', () => {
  it(
    'replays a connected session with data both ways',
    async () => {
      const { lines, replay } = await recordedExchange(loopback, stops);
      const sent = replay.outputs.filter((o) => o.k === 'sent');
      expect(sent.length).toBeGreaterThanOrEqual(7); // checks and answers, then five datagrams
      expect(kinds(lines)).toMatchObject({
        bound: 1,
        draw: expect.any(Number),
        packet: expect.any(Number),
      });
    },
    REAL_UDP_TIMEOUT,
  );

  it(
    'replays a failing session: the peer rejects our checks (wrong password)',
    async () => {
      // A short PAC timer (RFC 8863): the agent gives up 2 s after its last check failed.
      const a = recorded({ role: 'controlling', pacTimeout: 2000, ...loopback });
      const b = new IceAgent({ role: 'controlled', ...loopback });
      stops.push(
        () => a.agent.stop(),
        () => b.stop(),
      );
      const { ufrag } = b.getLocalCredentials();
      a.agent.setRemoteCredentials(ufrag, 'wrongpasswordwrongpassword');
      b.candidates$.subscribe((c) => a.agent.addRemoteCandidate(c.candidate));
      b.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => a.agent.endOfCandidates());
      wire(a.agent, b);
      a.agent.gatherCandidates();
      b.gatherCandidates();
      await failed(a.agent);
      const reason = a.agent.getStats().failureReason;
      a.agent.stop();

      const replay = replaySession(a.lines);
      expect(replay.mismatch).toBeUndefined();
      expect(replay.outputs).toEqual(replay.recorded);
      const reasons = replay.outputs.filter((o) => o.k === 'emit' && o.stream === 'failureReason');
      expect(reasons).toEqual([expect.objectContaining({ value: reason })]);
      expect(reason).toBe('credentials-rejected');
    },
    REAL_UDP_TIMEOUT,
  );

  it(
    'replays an agent on a shared UdpMux port (its ufrag claims logged and answered)',
    async () => {
      const mux = await UdpMux.listen({ address: '127.0.0.1', port: 0 });
      stops.push(() => mux.close());
      const a = recorded({ role: 'controlled', transport: mux });
      const b = new IceAgent({ role: 'controlling', ...loopback });
      stops.push(
        () => a.agent.stop(),
        () => b.stop(),
      );
      start(a.agent, b);
      await Promise.all([connected(a.agent), connected(b)]);
      a.agent.stop();

      expect(kinds(a.lines).claim).toBe(1);
      const replay = replaySession(a.lines);
      expect(replay.mismatch).toBeUndefined();
      expect(replay.outputs).toEqual(replay.recorded);
      const sent = replay.outputs.filter((o) => o.k === 'sent');
      expect(sent.length).toBeGreaterThan(0);
    },
    REAL_UDP_TIMEOUT,
  );
});
