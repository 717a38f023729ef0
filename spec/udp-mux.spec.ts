/**
 * UdpMux: many agents on one real UDP port (127.0.0.1), routed by ufrag,
 * transaction id and learned address; restarts, stops and floods.
 */
import { createSocket, type Socket } from 'node:dgram';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent as Agent, BindError, type IceAgent, InvalidOptionError, UdpMux } from '../lib/index.js';
import {
  connected,
  getGc,
  loopbackAgent,
  settledHeap,
  stunRequest,
  stunResponse,
  until,
  wire,
} from './helpers/mux-kit.js';

/** Real sockets, real time: at least the PAC timer (39.5 s) plus margin for a loaded machine. A hang guard. */
const TIMEOUT = 90_000;

const cleanup: Array<{ stop(): void } | { close(): void }> = [];
afterEach(() => {
  for (const c of cleanup.splice(0).reverse()) 'stop' in c ? c.stop() : c.close();
});

async function newMux(): Promise<UdpMux> {
  const mux = await UdpMux.listen({ address: '127.0.0.1', port: 0 });
  cleanup.push(mux);
  return mux;
}

/** An agent on the mux (controlled, as a server's would be) wired to a plain loopback peer. */
function muxSession(mux: UdpMux): { agent: IceAgent; peer: IceAgent } {
  const agent = new Agent({ role: 'controlled', transport: mux });
  const peer = loopbackAgent('controlling');
  cleanup.push(agent, peer);
  wire(agent, peer);
  wire(peer, agent);
  agent.gatherCandidates();
  peer.gatherCandidates();
  return { agent, peer };
}

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (d: Uint8Array): string => new TextDecoder().decode(d);

/** Sends `tag n` from `from` every 10 ms while `running()`; returns what `to` received. */
function stream(from: IceAgent, to: IceAgent, tag: string): { received: string[]; stop(): void } {
  const received: string[] = [];
  to.data$.subscribe((d) => received.push(decode(d)));
  let n = 0;
  const timer = setInterval(() => {
    try {
      from.send(encode(`${tag} ${n++}`));
    } catch {
      // between states: counted by the receiver's list
    }
  }, 10);
  return { received, stop: () => clearInterval(timer) };
}

async function rawSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  cleanup.push(socket);
  return socket;
}

describe('UdpMux', () => {
  it(
    'carries two agents on one port, each to its own peer, with data both ways',
    async () => {
      const mux = await newMux();
      const one = muxSession(mux);
      const two = muxSession(mux);
      await Promise.all([one, two].flatMap((s) => [connected(s.agent), connected(s.peer)]));

      for (const { agent } of [one, two]) {
        const [host] = agent.getLocalCandidates();
        expect(host?.address).toBe('127.0.0.1');
        expect(host?.port).toBe(mux.port);
      }
      for (const [i, { agent, peer }] of [one, two].entries()) {
        const atAgent = firstValueFrom(agent.data$.pipe(take(20), toArray()));
        const atPeer = firstValueFrom(peer.data$.pipe(take(20), toArray()));
        for (let k = 0; k < 20; k++) {
          peer.send(encode(`to ${i} #${k}`));
          agent.send(encode(`from ${i} #${k}`));
        }
        expect((await atAgent).map(decode)).toEqual(Array.from({ length: 20 }, (_, k) => `to ${i} #${k}`));
        expect((await atPeer).map(decode)).toEqual(Array.from({ length: 20 }, (_, k) => `from ${i} #${k}`));
      }
      const stats = mux.getStats();
      expect(stats.sockets).toBe(2);
      expect(stats.ufrags).toBe(2);
      expect(stats.routedByUfrag).toBeGreaterThan(0);
      expect(stats.routedByTransaction).toBeGreaterThan(0);
      expect(stats.routedByAddress).toBeGreaterThanOrEqual(40);
      expect(stats.routed).toBe(stats.routedByUfrag + stats.routedByTransaction + stats.routedByAddress);
      expect(one.agent.getStats().droppedDataPackets).toBe(0);
      expect(two.agent.getStats().droppedDataPackets).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'restarts one agent under traffic: the other never notices, the old ufrag stops routing',
    async () => {
      const mux = await newMux();
      const one = muxSession(mux);
      const two = muxSession(mux);
      await Promise.all([one, two].flatMap((s) => [connected(s.agent), connected(s.peer)]));
      const twoIn = stream(two.peer, two.agent, 'two');
      const oneIn = stream(one.peer, one.agent, 'one');
      await until(() => twoIn.received.length >= 10 && oneIn.received.length >= 10, TIMEOUT, 'traffic');

      const oldUfrag = one.agent.getLocalCredentials().ufrag;
      one.agent.restart(); // wire() signals the new credentials: the peer restarts too
      await until(
        () =>
          one.agent.getStats().generation === 1 && one.agent.getStats().selectedPair?.local.generation === 1,
        TIMEOUT,
        'the new generation selected',
      );
      const afterRestart = oneIn.received.length;
      await until(() => oneIn.received.length >= afterRestart + 10, TIMEOUT, 'data after the restart');
      twoIn.stop();
      oneIn.stop();

      // Agent two saw every datagram in order; one's stream went on across its restart.
      const expected = twoIn.received.map((_, k) => `two ${k}`);
      expect(twoIn.received).toEqual(expected);
      expect(two.agent.getStats().generation).toBe(0);
      // The old generation's ufrag is released once the new one carries data.
      await until(() => mux.getStats().ufrags === 2, TIMEOUT, 'the old ufrag released');
      const before = mux.getStats().droppedUnknownUfrag;
      const raw = await rawSocket();
      raw.send(stunRequest(`${oldUfrag}:peer`), mux.port, '127.0.0.1');
      await until(() => mux.getStats().droppedUnknownUfrag === before + 1, TIMEOUT, 'the old ufrag dropped');
    },
    TIMEOUT,
  );

  it(
    'stops one agent under traffic: its routes go, the other carries on, its peer is dropped and counted',
    async () => {
      const mux = await newMux();
      const one = muxSession(mux);
      const two = muxSession(mux);
      await Promise.all([one, two].flatMap((s) => [connected(s.agent), connected(s.peer)]));
      const twoIn = stream(two.peer, two.agent, 'two');
      const oneIn = stream(one.peer, one.agent, 'one');
      await until(() => twoIn.received.length >= 10 && oneIn.received.length >= 10, TIMEOUT, 'traffic');

      const unroutable = mux.getStats().droppedUnroutable;
      one.agent.stop();
      const stats = mux.getStats();
      expect(stats.sockets).toBe(1);
      expect(stats.ufrags).toBe(1);
      const atStop = twoIn.received.length;
      await until(
        () => twoIn.received.length >= atStop + 20 && mux.getStats().droppedUnroutable > unroutable + 5,
        TIMEOUT,
        'two carrying on while one’s peer is dropped',
      );
      twoIn.stop();
      oneIn.stop();
      expect(twoIn.received).toEqual(twoIn.received.map((_, k) => `two ${k}`));
    },
    TIMEOUT,
  );

  it(
    'drops and counts a flood of random ufrags, stray responses and garbage, with tables and heap flat',
    async () => {
      const mux = await newMux();
      const { agent, peer } = muxSession(mux);
      await Promise.all([connected(agent), connected(peer)]);
      const raw = await rawSocket();
      const gc = getGc();
      const flood = async (n: number): Promise<void> => {
        for (let i = 0; i < n; i++) {
          const kind = i % 4;
          const data =
            kind === 0
              ? stunRequest(`${Math.random().toString(36).slice(2, 10)}:x`)
              : kind === 1
                ? stunResponse()
                : kind === 2
                  ? Buffer.from([0x00, 0x01, 0x00, 0x04, 0x21, 0x12, 0xa4, 0x42, ...new Array(16).fill(7)]) // length lies
                  : Buffer.from(`garbage ${i}`);
          raw.send(data, mux.port, '127.0.0.1');
          if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5)); // stay within socket buffers
        }
      };
      const counted = (): number => {
        const s = mux.getStats();
        return s.droppedUnknownUfrag + s.droppedUnroutable + s.droppedMalformed;
      };
      /** Waits until the drop counters stand still for 300 ms (loopback may lose a few datagrams). */
      const drained = async (): Promise<number> => {
        for (let last = -1; ; ) {
          const now = counted();
          if (now === last) return now;
          last = now;
          await new Promise((r) => setTimeout(r, 300));
        }
      };
      const base = counted();
      await flood(8000);
      expect((await drained()) - base).toBeGreaterThan(6000); // loopback may drop a few under load
      const tables = mux.getStats();
      const heapAfterFirst = await settledHeap(gc);
      await flood(40_000);
      expect((await drained()) - base).toBeGreaterThan(38_000);
      const heapAfterSecond = await settledHeap(gc);
      const stats = mux.getStats();

      expect(stats.droppedUnknownUfrag).toBeGreaterThan(9000);
      expect(stats.droppedUnroutable).toBeGreaterThan(18_000);
      expect(stats.droppedMalformed).toBeGreaterThan(9000);
      // Nothing from the network grows a table; the heap stays put (5x more datagrams, < 2 MiB more).
      expect({ ufrags: stats.ufrags, addresses: stats.addresses, sockets: stats.sockets }).toEqual({
        ufrags: tables.ufrags,
        addresses: tables.addresses,
        sockets: tables.sockets,
      });
      expect(stats.transactions).toBeLessThanOrEqual(tables.transactions + 10); // only the agent's own checks
      expect(heapAfterSecond - heapAfterFirst).toBeLessThan(2 * 1024 * 1024);
      // The session itself is unhurt.
      const echo = firstValueFrom(agent.data$);
      peer.send(encode('still here'));
      expect(decode(await echo)).toBe('still here');
    },
    TIMEOUT,
  );

  it(
    'closes: every agent on it goes closed, later binds fail',
    async () => {
      const mux = await newMux();
      const one = muxSession(mux);
      const idle = new Agent({ role: 'controlling', transport: mux });
      cleanup.push(idle);
      await Promise.all([connected(one.agent), connected(one.peer)]);
      const states: string[] = [];
      one.agent.connectionState$.subscribe((s) => states.push(s));
      mux.close();
      expect(states.at(-1)).toBe('closed');
      expect(idle.getStats().state).toBe('closed');
      expect(mux.getStats().sockets).toBe(0);
      expect(mux.getStats().ufrags).toBe(0);
      await expect(firstValueFrom(mux.bind('127.0.0.1'))).rejects.toBeInstanceOf(BindError);
      const late = new Agent({ role: 'controlled', transport: mux });
      expect(late.getStats().state).toBe('closed');
    },
    TIMEOUT,
  );

  it('grants each ufrag once and refuses bad options and binds', async () => {
    const mux = await newMux();
    expect(mux.claimUfrag('abcd')).toBe(true);
    expect(mux.claimUfrag('abcd')).toBe(false);
    mux.releaseUfrag('abcd');
    expect(mux.claimUfrag('abcd')).toBe(true);
    const agents = Array.from({ length: 50 }, () => new Agent({ role: 'controlled', transport: mux }));
    cleanup.push(...agents);
    const ufrags = new Set(agents.map((a) => a.getLocalCredentials().ufrag));
    expect(ufrags.size).toBe(50);
    expect(mux.getStats().ufrags).toBe(51);
    await expect(firstValueFrom(mux.bind('127.0.0.2'))).rejects.toBeInstanceOf(BindError);
    await expect(firstValueFrom(mux.bind('127.0.0.1', { min: 1, max: 2 }))).rejects.toBeInstanceOf(BindError);
    await expect(UdpMux.listen({ address: '0.0.0.0' })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(UdpMux.listen({ address: 'localhost' })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(UdpMux.listen({ address: '127.0.0.1', port: mux.port })).rejects.toBeInstanceOf(BindError);
    const small = await UdpMux.listen({ address: '127.0.0.1', maxUfrags: 2 });
    cleanup.push(small);
    cleanup.push(new Agent({ role: 'controlled', transport: small }));
    cleanup.push(new Agent({ role: 'controlled', transport: small }));
    expect(() => new Agent({ role: 'controlled', transport: small })).toThrow(/maxUfrags/);
  });
});
