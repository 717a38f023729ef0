/**
 * UdpMux at scale: 1,000 agents on one UDP port of 127.0.0.1 connect to
 * 1,000 peers on sockets of their own, and every pair exchanges data (each
 * side gets exactly its own partner's datagram: nothing crosses sessions).
 *
 * The peers run in a worker thread (a second core, like remote clients);
 * sessions start in batches so a busy 2-core machine is not asked for 2,000
 * agents' first checks at once; checks retransmit for about 40 s; every wait
 * is a hang guard far above the protocol timers, not a speed assertion (the
 * speed figure is in `npm run bench`, section mux). MUX_SCALE_N overrides the size.
 */
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { IceAgent, UdpMux } from '../lib/index.js';
import { RemotePeers } from './helpers/mux-kit.js';

const N = Number(process.env.MUX_SCALE_N ?? 1000);
const BATCH = 100;
/** Per batch: the checks' 40 s and a lot of margin for a loaded machine. */
const BATCH_TIMEOUT = 180_000;
/**
 * Checks keep trying for about 40 s instead of about 9 s: on a machine busy with other work the
 * event loop, not the network, is what is slow, and a check given up on fails its session.
 */
const PATIENT = { retransmission: { retransmissions: 14, maxRto: 3000 } };

const agents: IceAgent[] = [];
let mux: UdpMux | undefined;
let peers: RemotePeers | undefined;
afterAll(async () => {
  mux?.close(); // stops every agent on it
  await peers?.stop();
});

const live = (s: string | undefined): boolean => s === 'connected' || s === 'completed';

/** Polls `check` every 50 ms until it returns true; it throws to fail. Rejects after `ms`. */
async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > ms) throw new Error(`${what}: not done after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('UdpMux at scale', () => {
  it(
    `connects ${N} agents on one port to ${N} peers, and every pair exchanges data`,
    async () => {
      mux = await UdpMux.listen({ address: '127.0.0.1', port: 0 });
      const remote = new RemotePeers();
      peers = remote;
      const states: string[] = [];
      const started = performance.now();
      for (let first = 0; first < N; first += BATCH) {
        const ids: number[] = [];
        for (let id = first; id < Math.min(N, first + BATCH); id++) {
          const agent = new IceAgent({ role: 'controlled', transport: mux, ...PATIENT });
          agents.push(agent);
          states.push('new');
          agent.connectionState$.subscribe((s) => {
            states[id] = s;
          });
          remote.connect(id, agent, { ...PATIENT, interfacePollInterval: 0 });
          agent.gatherCandidates();
          ids.push(id);
        }
        await waitFor(
          () => {
            for (const id of ids) {
              for (const s of [states[id], remote.states.get(id)]) {
                if (s === 'failed' || s === 'closed') throw new Error(`session ${id} ended ${s}`);
              }
            }
            return ids.every((id) => live(states[id]) && live(remote.states.get(id)));
          },
          BATCH_TIMEOUT,
          `batch ${first / BATCH + 1}`,
        );
      }
      const connectMs = performance.now() - started;
      expect(mux.getStats().sockets).toBe(N);
      expect(mux.getStats().ufrags).toBe(N);

      // Every pair exchanges one datagram each way; each side must get exactly its partner's.
      const exchangeStarted = performance.now();
      const atAgent: (string | undefined)[] = agents.map(() => undefined);
      for (const [id, agent] of agents.entries()) {
        agent.data$.subscribe((d) => {
          atAgent[id] ??= new TextDecoder().decode(d);
        });
      }
      const exchange = (): void => {
        // Resent until answered: loopback under load may drop a datagram; a resend is the same text.
        remote.send(agents.flatMap((_, id) => (atAgent[id] === undefined ? [id] : [])));
        for (const [id, agent] of agents.entries()) {
          if (!remote.received.has(id)) agent.send(new TextEncoder().encode(`from ${id}`));
        }
      };
      exchange();
      const resend = setInterval(exchange, 1000);
      try {
        await waitFor(
          () => atAgent.every((t) => t !== undefined) && remote.received.size === N,
          BATCH_TIMEOUT,
          'data exchange',
        );
      } finally {
        clearInterval(resend);
      }
      const exchangeMs = performance.now() - exchangeStarted;
      for (let id = 0; id < N; id++) {
        expect(atAgent[id]).toBe(`to ${id}`);
        expect(remote.received.get(id)).toBe(`from ${id}`);
      }
      const stats = mux.getStats();
      console.log(
        `UdpMux scale: ${N} sessions on one port connected in ${(connectMs / 1000).toFixed(1)} s ` +
          `(batches of ${BATCH}, peers in a worker thread); one datagram each way per pair in ` +
          `${(exchangeMs / 1000).toFixed(1)} s; mux routed ${stats.routed} (ufrag ${stats.routedByUfrag}, ` +
          `transaction ${stats.routedByTransaction}, address ${stats.routedByAddress}), dropped: unknown ufrag ` +
          `${stats.droppedUnknownUfrag}, unroutable ${stats.droppedUnroutable}, malformed ${stats.droppedMalformed}`,
      );
      expect(stats.droppedMalformed).toBe(0);
      for (const agent of agents) expect(agent.getStats().droppedDataPackets).toBe(0);
    },
    (Math.ceil(N / BATCH) + 2) * BATCH_TIMEOUT,
  );
});
