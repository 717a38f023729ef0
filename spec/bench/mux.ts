/**
 * Benchmark section "mux": many sessions on one UdpMux port.
 *
 * 1. CPU per routed datagram: a plain agent streams data to an agent on a
 *    mux (whose ufrag table holds `sessions` claimed ufrags), against a plain
 *    agent pair streaming the same way (the direct-socket path), rounds
 *    interleaved ABBA; CPU = process.cpuUsage() of the whole process (sender
 *    and receiver) per datagram received. The ratio is what the mux adds.
 * 2. Scale: `sessions` mux agents (controlled) on one port connect to as many
 *    plain agents in a worker thread, started in batches; wall time until all
 *    are connected, then heap per mux session (agent, virtual socket, routes;
 *    this thread only) after forced GC. All real UDP on 127.0.0.1: the mux
 *    binds one port, each peer its own socket; the selected pairs are checked
 *    to run from that port to 127.0.0.1 (reported as loopbackPairs).
 */
import { performance } from 'node:perf_hooks';
import { IceAgent, UdpMux } from '../../lib/index.js';
import { connected, loopbackAgent, RemotePeers, wire } from '../helpers/mux-kit.js';
import { connectPair } from './agents.js';
import { getGc } from './memory.js';
import { type Link, type PumpOptions, pump } from './throughput.js';

export interface MuxOptions {
  readonly sessions: number;
  readonly batch: number;
  readonly rounds: number;
  readonly pump: PumpOptions;
  readonly median: (values: readonly number[]) => number;
}

export interface MuxResult {
  /** Median CPU µs per datagram received, through the mux and direct. */
  readonly cpuMux: number;
  readonly cpuDirect: number;
  /** cpuMux / cpuDirect, median of per-round ratios. */
  readonly cpuRatio: number;
  readonly perRoundRatios: number[];
  readonly sessions: number;
  /** Sessions started together; the next batch starts when these have settled. */
  readonly batch: number;
  readonly connected: number;
  /** Wall time from the first constructor to every session connected, ms. */
  readonly connectMs: number | undefined;
  readonly heapPerSessionKiB: number | undefined;
  /** The mux's bound address and port (real UDP). */
  readonly muxAddress: string;
  readonly muxPort: number;
  /**
   * Sessions whose selected pair runs from the mux's own 127.0.0.1 port to a
   * peer socket on 127.0.0.1 (real loopback, not the virtual network), and how
   * many distinct peer ports those pairs reach.
   */
  readonly loopbackPairs: number;
  readonly distinctPeerPorts: number;
  readonly failures: string[];
}

/** Checks keep trying for about 40 s (the event loop, not the network, is slow under load). */
const PATIENT = { retransmission: { retransmissions: 14, maxRto: 3000 } };

function linkOf(from: IceAgent, to: IceAgent): Link {
  return {
    send: (payload) => from.send(payload),
    listen: (counter) => {
      const subscription = to.data$.subscribe((data) => {
        counter.packets++;
        counter.bytes += data.byteLength;
      });
      return () => subscription.unsubscribe();
    },
  };
}

async function cpuPerDatagram(link: Link, o: PumpOptions): Promise<number> {
  const before = process.cpuUsage();
  const r = await pump(link, o);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / Math.max(r.received, 1);
}

async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

export async function muxSection(o: MuxOptions): Promise<MuxResult> {
  const failures: string[] = [];
  // ---- 1. CPU per routed datagram, mux vs direct ----
  const cpuMux: number[] = [];
  const cpuDirect: number[] = [];
  const perRoundRatios: number[] = [];
  {
    const mux = await UdpMux.listen({ address: '127.0.0.1', port: 0, maxUfrags: o.sessions + 10 });
    for (let i = 0; i < o.sessions; i++) mux.claimUfrag(`bench${i.toString(36).padStart(4, '0')}`);
    const agent = new IceAgent({ role: 'controlled', transport: mux });
    const peer = loopbackAgent('controlling');
    wire(agent, peer);
    wire(peer, agent);
    agent.gatherCandidates();
    peer.gatherCandidates();
    const direct = await connectPair();
    try {
      await Promise.all([connected(agent), connected(peer)]);
      const viaMux = linkOf(peer, agent);
      const viaSocket = linkOf(direct.controlling, direct.controlled);
      const warm = { ...o.pump, total: Math.min(o.pump.total, 20_000) };
      await pump(viaMux, warm);
      await pump(viaSocket, warm);
      for (let round = 0; round < o.rounds; round++) {
        const muxFirst = round % 2 === 0;
        const a = muxFirst ? await cpuPerDatagram(viaMux, o.pump) : 0;
        const d = await cpuPerDatagram(viaSocket, o.pump);
        const m = muxFirst ? a : await cpuPerDatagram(viaMux, o.pump);
        cpuMux.push(m);
        cpuDirect.push(d);
        perRoundRatios.push(m / d);
      }
    } catch (err) {
      failures.push(`cpu: ${(err as Error).message}`);
    } finally {
      mux.close();
      peer.stop();
      direct.stop();
    }
  }

  // ---- 2. scale: sessions on one port, time to all connected, heap per session ----
  const gc = getGc();
  const mux = await UdpMux.listen({ address: '127.0.0.1', port: 0 });
  const peers = new RemotePeers(); // plain agents in a worker thread: remote clients, on a core of their own
  let connectedCount = 0;
  let connectMs: number | undefined;
  let heapPerSessionKiB: number | undefined;
  let loopbackPairs = 0;
  const peerPorts = new Set<number>();
  try {
    const base = gc ? await settledHeap(gc) : 0;
    const states: string[] = [];
    /** Per session: its selected pair is mux 127.0.0.1:port <-> 127.0.0.1:peer port; the peer port, or -1. */
    const selected: number[] = [];
    const started = performance.now();
    for (let first = 0; first < o.sessions; first += o.batch) {
      const ids: number[] = [];
      for (let id = first; id < Math.min(o.sessions, first + o.batch); id++) {
        const agent = new IceAgent({ role: 'controlled', transport: mux, ...PATIENT });
        states.push('new');
        agent.connectionState$.subscribe((s) => {
          states[id] = s;
        });
        selected.push(-1);
        agent.selectedPair$.subscribe(({ local, remote }) => {
          const real =
            local.transport === 'udp' &&
            local.address === mux.address &&
            local.port === mux.port &&
            remote.address === '127.0.0.1' &&
            remote.port !== mux.port;
          selected[id] = real ? remote.port : -1;
        });
        peers.connect(id, agent, { ...PATIENT, interfacePollInterval: 0 });
        agent.gatherCandidates();
        ids.push(id);
      }
      const settled = (s: string | undefined): boolean => s !== undefined && !/^(new|checking)$/.test(s);
      const deadline = performance.now() + 180_000;
      while (!ids.every((id) => settled(states[id]) && settled(peers.states.get(id)))) {
        if (performance.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const id of ids) {
        const ok = (s: string | undefined) => s === 'connected' || s === 'completed';
        if (ok(states[id]) && ok(peers.states.get(id))) connectedCount++;
        else failures.push(`session ${id}: ${states[id]} / peer ${peers.states.get(id) ?? 'unknown'}`);
      }
    }
    connectMs = performance.now() - started;
    for (const port of selected) {
      if (port < 0) continue;
      loopbackPairs++;
      peerPorts.add(port);
    }
    // The mux side only: the peers' heap is the worker's.
    if (gc) heapPerSessionKiB = ((await settledHeap(gc)) - base) / Math.max(connectedCount, 1) / 1024;
  } finally {
    mux.close();
    await peers.stop();
  }
  return {
    cpuMux: o.median(cpuMux),
    cpuDirect: o.median(cpuDirect),
    cpuRatio: o.median(perRoundRatios),
    perRoundRatios,
    sessions: o.sessions,
    batch: Math.min(o.batch, o.sessions),
    connected: connectedCount,
    connectMs,
    heapPerSessionKiB,
    muxAddress: mux.address,
    muxPort: mux.port,
    loopbackPairs,
    distinctPeerPorts: peerPorts.size,
    failures: [...new Set(failures)],
  };
}
