/**
 * `getStatsReport()` shows the ICE-TCP counters: summed on the `transport`
 * entry, per candidate on the `local-candidate` entries of TCP candidates
 * (with their W3C `tcpType`), absent without the `tcp` option.
 */
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import type { IceCandidateStats, IceTransportStats } from '../lib/stats-report.js';
import { connectAgents } from '../lib/testing/connect.js';
import { VirtualNetwork } from '../lib/testing/virtual-network.js';
import { VirtualTcpNetwork, withTcp } from '../lib/testing/virtual-tcp.js';
import type { TcpSocketCounters } from '../lib/transport/tcp-socket-limits.js';

function pair(tcp: 'only' | false) {
  const scheduler = new VirtualTimeScheduler();
  const net = new VirtualNetwork({ scheduler, latency: 10 });
  const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10 });
  const host = (name: string, address: string) =>
    withTcp(net.createHost(name, { addresses: [address] }), tcpNet, { blockUdp: tcp === 'only' });
  const common = { scheduler, tcp, interfacePollInterval: 0 } as const;
  const a = new IceAgent({ role: 'controlling', transport: host('a', '10.0.0.1'), ...common });
  const b = new IceAgent({ role: 'controlled', transport: host('b', '10.0.0.2'), ...common });
  connectAgents(a, b, { scheduler });
  return { scheduler, a, b };
}

const entries = (agent: IceAgent) => [...agent.getStatsReport().values()];

describe('getStatsReport() and ICE-TCP', () => {
  it('the transport entry sums the TCP counters; each local TCP candidate has its own and its tcpType', () => {
    const { scheduler, a, b } = pair('only');
    let transport: IceTransportStats | undefined;
    let locals: IceCandidateStats[] = [];
    let stats: TcpSocketCounters | undefined;
    scheduler.schedule(() => {
      const all = entries(a);
      transport = all.find((e): e is IceTransportStats => e.type === 'transport');
      locals = all.filter((e): e is IceCandidateStats => e.type === 'local-candidate');
      stats = a.getStats().tcp;
      a.stop();
      b.stop();
    }, 5000);
    scheduler.flush();
    expect(transport?.tcp).toEqual(stats);
    expect(transport?.tcp?.connectionsOpened).toBeGreaterThanOrEqual(1);
    expect(transport?.tcp?.connectionsPruned).toBeGreaterThanOrEqual(1); // losing pairs' connections
    const hosts = locals.filter((e) => e.candidateType === 'host');
    expect(hosts.map((e) => e.tcpType).sort()).toEqual(['active', 'passive', 'so']);
    for (const e of hosts) expect(e.tcp).toBeDefined();
    const sum = (k: keyof TcpSocketCounters) => hosts.reduce((n, e) => n + (e.tcp?.[k] ?? 0), 0);
    expect(sum('connectionsOpened')).toBe(stats?.connectionsOpened);
    expect(sum('connectionsPruned')).toBe(stats?.connectionsPruned);
    // JSON-safe like the rest of the report.
    expect(JSON.parse(JSON.stringify(transport?.tcp))).toEqual(stats);
  });

  it('without the tcp option there are no TCP counters', () => {
    const { scheduler, a, b } = pair(false);
    let all: ReturnType<typeof entries> = [];
    scheduler.schedule(() => {
      all = entries(a);
      a.stop();
      b.stop();
    }, 3000);
    scheduler.flush();
    const transport = all.find((e): e is IceTransportStats => e.type === 'transport');
    expect(transport).toBeDefined();
    expect(transport?.tcp).toBeUndefined();
    const candidates = all.filter((e): e is IceCandidateStats => e.type.endsWith('-candidate'));
    expect(candidates.length).toBeGreaterThan(0);
    for (const e of candidates) {
      expect(e.tcp).toBeUndefined();
      expect(e.tcpType).toBeUndefined();
    }
  });
});
