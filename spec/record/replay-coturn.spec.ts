/**
 * Record a session relayed by a real coturn on 127.0.0.1 (real sockets, real
 * time: Allocate with its 401 round, permissions, channel bindings), over UDP,
 * TCP and TLS, then replay it in virtual time and compare. Skipped where
 * coturn is not installed (and the TLS case where openssl is not).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IceAgentOptions, IceServer } from '../../lib/index.js';
import { type Coturn, coturnAvailable, startCoturn, startTlsFront, stopCoturn } from '../helpers/coturn.js';
import { kinds, recordedExchange } from './record-kit.js';

/** A hang guard, not an assertion: coturn and two agents on a loaded machine. */
const TIMEOUT = 90_000;

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Relay-only agents on 127.0.0.1 through `iceServers`, for {@link recordedExchange}. */
function relayOnly(iceServers: IceServer[], extra: Partial<IceAgentOptions> = {}) {
  return {
    ...extra,
    iceServers,
    iceTransportPolicy: 'relay' as const,
    ipFilter: (a: string) => a === '127.0.0.1',
  };
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
      const { lines, replay } = await recordedExchange(
        relayOnly([{ urls: `turn:127.0.0.1:${turn.port}`, username: turn.user, credential: turn.pass }]),
        stops,
      );
      const sent = replay.outputs.filter((o) => o.k === 'sent');
      expect(sent.every((o) => o.k === 'sent' && o.port === turn.port)).toBe(true);
      expect(kinds(lines).packet).toBeGreaterThanOrEqual(3); // 401, Allocate success, permission...
    },
    TIMEOUT,
  );

  it(
    'replays a relay-only session over TURN/TCP byte for byte: the connection is a recorded TCP connection',
    async () => {
      const { lines, replay } = await recordedExchange(
        relayOnly([
          { urls: `turn:127.0.0.1:${turn.port}?transport=tcp`, username: turn.user, credential: turn.pass },
        ]),
        stops,
      );
      const { outputs } = replay;
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
        ({ lines } = await recordedExchange(
          relayOnly([{ urls: `turns:localhost:${front.port}`, username: turn.user, credential: turn.pass }], {
            turnTls: { ca: front.ca },
          }),
          stops,
        ));
      } finally {
        for (const stop of stops.splice(0)) stop(); // both agents, before the TLS front goes
        front.close();
      }
      // A STUN response (class bits of 0x01xx) with the magic cookie, not a TLS record (0x14–0x17).
      const first = firstChunkFromServer(lines) ?? '';
      expect(first.slice(0, 2)).toBe('01');
      expect(first.slice(8, 16)).toBe('2112a442');
    },
    TIMEOUT,
  );
});
