/**
 * Record a session relayed by a real coturn on 127.0.0.1 (real sockets, real
 * time: Allocate with its 401 round, permissions, channel bindings), over UDP,
 * TCP and TLS, then replay it in virtual time and compare. Skipped where
 * coturn is not installed (and the TLS case where openssl is not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IceAgent, type IceAgentOptions, type IceServer } from '../../lib/index.js';
import type { OutputLine } from '../../lib/record/record-lines.js';
import { replaySession } from '../../lib/testing/index.js';
import { type Coturn, coturnAvailable, startCoturn, startTlsFront, stopCoturn } from '../helpers/coturn.js';
import { connected, kinds, recorded, start } from './record-kit.js';

/** A hang guard, not an assertion: coturn and two agents on a loaded machine. */
const TIMEOUT = 90_000;

/** Records a relay-only controlling agent through `iceServers` while it connects and sends; returns its log. */
async function recordRelayed(
  iceServers: IceServer[],
  extra: Partial<IceAgentOptions> = {},
): Promise<string[]> {
  const options = {
    ...extra,
    iceServers,
    iceTransportPolicy: 'relay' as const,
    ipFilter: (a: string) => a === '127.0.0.1',
  };
  const a = recorded({ role: 'controlling', ...options });
  const b = new IceAgent({ role: 'controlled', ...options });
  try {
    start(a.agent, b);
    await Promise.all([connected(a.agent), connected(b)]);
    a.agent.send(new TextEncoder().encode('relayed'));
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    a.agent.stop();
    b.stop();
  }
  return a.lines;
}

/** Replays `lines` twice: both replays must match the recording and each other. */
function expectFaithfulReplay(lines: readonly string[]): readonly OutputLine[] {
  const replay = replaySession(lines.join('\n'));
  expect(replay.mismatch).toBeUndefined();
  expect(replay.outputs).toEqual(replay.recorded);
  expect(replaySession(lines.join('\n')).outputs).toEqual(replay.outputs);
  return replay.outputs;
}

/** The bytes of the first chunk the server sent on a recorded stream. */
function firstChunkFromServer(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const parsed = JSON.parse(line) as { k: string; hex?: string };
    if (parsed.k === 'tcp-data') return parsed.hex;
  }
  return undefined;
}

describe.skipIf(!coturnAvailable())('record and replay through a real coturn', () => {
  let turn: Coturn;
  beforeAll(() => {
    turn = startCoturn();
  }, TIMEOUT);
  afterAll(() => stopCoturn(turn));

  it(
    'replays a relay-only session over TURN/UDP byte for byte',
    async () => {
      const lines = await recordRelayed([
        { urls: `turn:127.0.0.1:${turn.port}`, username: turn.user, credential: turn.pass },
      ]);
      const outputs = expectFaithfulReplay(lines);
      const sent = outputs.filter((o) => o.k === 'sent');
      expect(sent.every((o) => o.k === 'sent' && o.port === turn.port)).toBe(true);
      expect(kinds(lines).packet).toBeGreaterThanOrEqual(3); // 401, Allocate success, permission...
    },
    TIMEOUT,
  );

  it(
    'replays a relay-only session over TURN/TCP byte for byte: the connection is a recorded TCP connection',
    async () => {
      const lines = await recordRelayed([
        { urls: `turn:127.0.0.1:${turn.port}?transport=tcp`, username: turn.user, credential: turn.pass },
      ]);
      const outputs = expectFaithfulReplay(lines);
      const start = JSON.parse(lines[0] as string) as { transport: { serverStreams: boolean } };
      expect(start.transport.serverStreams).toBe(true);
      const counts = kinds(lines);
      expect(counts['tcp-connected'] ?? 0).toBe(1); // the agent's one connection to the server
      expect(counts['tcp-data']).toBeGreaterThanOrEqual(3); // 401, Allocate success, permission...
      expect(outputs.filter((o) => o.k === 'sent')).toEqual([]); // nothing over UDP
      expect(outputs.some((o) => o.k === 'tcp-write')).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'replays a relay-only session over TURN/TLS byte for byte: the log holds the plain bytes, TLS stays in the transport',
    async () => {
      const front = await startTlsFront(turn.port);
      if (!front) {
        console.warn('turns: record test skipped: openssl is not installed');
        return;
      }
      let lines: string[];
      try {
        lines = await recordRelayed(
          [{ urls: `turns:localhost:${front.port}`, username: turn.user, credential: turn.pass }],
          { turnTls: { ca: front.ca } },
        );
      } finally {
        front.close();
      }
      expectFaithfulReplay(lines);
      // A STUN response (class bits of 0x01xx) with the magic cookie, not a TLS record (0x14–0x17).
      const first = firstChunkFromServer(lines) ?? '';
      expect(first.slice(0, 2)).toBe('01');
      expect(first.slice(8, 16)).toBe('2112a442');
    },
    TIMEOUT,
  );
});
