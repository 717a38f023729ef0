/**
 * The TURN client glue in virtual time: a TurnClient over a scripted server
 * that answers after 10 ms, driven by a TestScheduler. Marble tests pin when
 * Allocate, Refresh, CreatePermission and ChannelBind go out.
 */
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { decodeStun } from '../lib/stun/message.js';
import { StunMethod } from '../lib/stun/types.js';
import { decodeChannelData } from '../lib/turn/channel-data.js';
import { TurnClient, type TurnRelaySocket } from '../lib/turn/relay-socket.js';
import { DEFAULT_SERVER_RETRANSMISSION } from '../lib/turn/transactions.js';
import type { TurnEvent } from '../lib/turn/turn-types.js';
import { PASS, RELAYED, ScriptedTurnServer, USER } from './helpers/scripted-turn.js';
import { newTestScheduler } from './helpers/virtual-pair.js';

const LETTER: Record<number, string> = {
  [StunMethod.Allocate]: 'a',
  [StunMethod.Refresh]: 'r',
  [StunMethod.CreatePermission]: 'p',
  [StunMethod.ChannelBind]: 'c',
  [StunMethod.Send]: 's',
};

/** A client whose server answers every request 10 ms later (401 first, then successes). */
function scriptedClient(ts: ReturnType<typeof newTestScheduler>, options: { lifetime?: number } = {}) {
  const server = new ScriptedTurnServer();
  const wire = new Subject<string>();
  const errors: TurnEvent[] = [];
  let relay: TurnRelaySocket | undefined;
  let challenged = false;
  const client: TurnClient = new TurnClient(
    { username: USER, password: PASS, reliable: false, retransmission: DEFAULT_SERVER_RETRANSMISSION },
    ts,
    {
      send: (bytes) => {
        if (bytes[0] !== undefined && bytes[0] >= 0x40 && bytes[0] < 0x50) {
          wire.next('d'); // ChannelData
          return;
        }
        const message = server.read(bytes);
        wire.next(LETTER[message.method] ?? '?');
        if (message.cls !== 'request') return;
        const answer = !challenged
          ? server.challenge(message)
          : message.method === StunMethod.Allocate
            ? server.allocated(message, options.lifetime ?? 600)
            : server.success(
                message,
                message.method === StunMethod.Refresh ? [{ kind: 'lifetime', value: 600 }] : [],
              );
        challenged = true;
        ts.schedule(() => client.inbound(answer), 10);
      },
      close: () => wire.complete(),
    },
    {
      allocated: (socket) => {
        relay = socket;
      },
      error: (event) => errors.push(event),
    },
  );
  return { client, wire, errors, server, relay: () => relay };
}

describe('TurnClient in virtual time', () => {
  it('allocates after the 401 round trip and refreshes a 600 s allocation every 540 s', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { client, wire } = scriptedClient(ts);
      // Allocate at 0 (401 at 10), signed Allocate at 10 (success at 20), Refresh at 540 020 and 1 080 030.
      expectObservable(wire, '^ 1100s !').toBe('a 9ms a 540009ms r 540009ms r');
      ts.schedule(() => client.start(), 0);
      ts.schedule(() => client.close(), 1_200_000);
    });
  });

  it('exposes the relayed address as a socket; permission on first send, then Send indications, then a channel', () => {
    const ts = newTestScheduler();
    ts.run(({ expectObservable }) => {
      const { client, wire, relay } = scriptedClient(ts);
      // p at 100, its queued datagram as a Send indication at 110 (the success), s at 200, c at 300, d at 400;
      // the permission is refreshed at 110 + 240 s.
      expectObservable(wire, '^ 241s !').toBe('a 9ms a 89ms p 9ms s 89ms s 99ms c 99ms d 239709ms p', {
        a: 'a',
        p: 'p',
        s: 's',
        c: 'c',
        d: 'd',
      });
      ts.schedule(() => client.start(), 0);
      ts.schedule(() => {
        const socket = relay();
        expect(socket).toMatchObject({ address: RELAYED.address, port: RELAYED.port, family: 'IPv4' });
        socket?.send(new Uint8Array([1, 2, 3]), 6000, '192.0.2.50'); // waits for the permission
      }, 100);
      ts.schedule(() => relay()?.send(new Uint8Array([4]), 6000, '192.0.2.50'), 200);
      ts.schedule(() => relay()?.bindChannel('192.0.2.50', 6000), 300);
      ts.schedule(() => relay()?.send(new Uint8Array([5]), 6000, '192.0.2.50'), 400);
      ts.schedule(() => client.close(), 250_000);
    });
  });

  it('delivers relayed data on packets$ and completes it on close, sending the deallocation', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const { client, server, relay, wire } = scriptedClient(ts);
      const seen: string[] = [];
      wire.subscribe((letter) => seen.push(letter));
      ts.schedule(() => client.start(), 0);
      const received: string[] = [];
      let completed = false;
      ts.schedule(() => {
        relay()?.packets$.subscribe({
          next: (p) => received.push(`${p.address}:${p.port} ${[...p.data].join(',')}`),
          complete: () => {
            completed = true;
          },
        });
        relay()?.send(new Uint8Array([1]), 6000, '192.0.2.50');
      }, 50);
      ts.schedule(
        () =>
          client.inbound(server.dataIndication({ address: '192.0.2.50', port: 6001 }, new Uint8Array([9]))),
        100,
      );
      ts.schedule(() => relay()?.close(), 200);
      ts.flush();
      expect(received).toEqual(['192.0.2.50:6001 9']);
      expect(completed).toBe(true);
      expect(seen.at(-1)).toBe('r'); // Refresh LIFETIME 0
      expect(client.allocation.counters.deallocations).toBe(1);
    });
  });

  it('reports an unanswered Allocate as a fatal error after 4.7 s of virtual time', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const errors: TurnEvent[] = [];
      const times: number[] = [];
      const client = new TurnClient(
        { username: USER, password: PASS, reliable: false, retransmission: DEFAULT_SERVER_RETRANSMISSION },
        ts,
        { send: () => times.push(ts.now()), close: () => {} },
        { allocated: () => {}, error: (e) => errors.push(e) },
      );
      ts.schedule(() => client.start(), 0);
      ts.flush();
      expect(times).toEqual([0, 500, 1500, 3100]);
      expect(errors).toEqual([expect.objectContaining({ kind: 'turn-allocate', fatal: true })]);
      expect(ts.now()).toBe(4700);
    });
  });

  it('sends padded ChannelData over a stream path', () => {
    const ts = newTestScheduler();
    ts.run(() => {
      const server = new ScriptedTurnServer();
      const frames: Uint8Array[] = [];
      let challenged = false;
      const client: TurnClient = new TurnClient(
        { username: USER, password: PASS, reliable: true, retransmission: DEFAULT_SERVER_RETRANSMISSION },
        ts,
        {
          send: (bytes) => {
            const message = decodeStun(bytes);
            if (!message) {
              frames.push(bytes);
              return;
            }
            if (message.cls !== 'request') return;
            const answer = !challenged
              ? server.challenge(message)
              : message.method === StunMethod.Allocate
                ? server.allocated(message)
                : server.success(message);
            challenged = true;
            ts.schedule(() => client.inbound(answer), 1);
          },
          close: () => {},
        },
        {
          allocated: (relay) => {
            relay.bindChannel('192.0.2.50', 6000);
            ts.schedule(() => relay.send(new Uint8Array([7, 7, 7]), 6000, '192.0.2.50'), 10);
          },
          error: () => {},
        },
      );
      ts.schedule(() => client.start(), 0);
      ts.schedule(() => client.close(), 100);
      ts.flush();
      expect(frames).toHaveLength(1);
      expect(frames[0]).toHaveLength(8);
      expect([...(decodeChannelData(frames[0] as Uint8Array)?.data ?? [])]).toEqual([7, 7, 7]);
    });
  });
});
