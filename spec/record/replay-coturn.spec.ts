/**
 * Record a session relayed by a real coturn on 127.0.0.1 (real sockets, real
 * time: Allocate with its 401 round, permissions, channel bindings), then
 * replay it in virtual time and compare. Skipped where coturn is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IceAgent } from '../../lib/index.js';
import { replaySession } from '../../lib/testing/index.js';
import { type Coturn, coturnAvailable, startCoturn, stopCoturn } from '../helpers/coturn.js';
import { connected, kinds, recorded, wire } from './record-kit.js';

/** A hang guard, not an assertion: coturn and two agents on a loaded machine. */
const TIMEOUT = 90_000;

describe.skipIf(!coturnAvailable())('record and replay through a real coturn', () => {
  let turn: Coturn;
  beforeAll(() => {
    turn = startCoturn();
  }, TIMEOUT);
  afterAll(() => stopCoturn(turn));

  it(
    'replays a relay-only session byte for byte',
    async () => {
      const iceServers = [
        { urls: `turn:127.0.0.1:${turn.port}`, username: turn.user, credential: turn.pass },
      ];
      const options = {
        iceServers,
        iceTransportPolicy: 'relay' as const,
        ipFilter: (a: string) => a === '127.0.0.1',
      };
      const a = recorded({ role: 'controlling', ...options });
      const b = new IceAgent({ role: 'controlled', ...options });
      try {
        wire(a.agent, b);
        wire(b, a.agent);
        a.agent.gatherCandidates();
        b.gatherCandidates();
        await Promise.all([connected(a.agent), connected(b)]);
        a.agent.send(new TextEncoder().encode('relayed'));
        await new Promise((resolve) => setTimeout(resolve, 200));
      } finally {
        a.agent.stop();
        b.stop();
      }

      const replay = replaySession(a.lines);
      expect(replay.mismatch).toBeUndefined();
      expect(replay.outputs).toEqual(replay.recorded);
      const sent = replay.outputs.filter((o) => o.k === 'sent');
      expect(sent.every((o) => o.k === 'sent' && o.port === turn.port)).toBe(true);
      expect(kinds(a.lines).packet).toBeGreaterThanOrEqual(3); // 401, Allocate success, permission...
      expect(replaySession(a.lines).outputs).toEqual(replay.outputs);
    },
    TIMEOUT,
  );
});
