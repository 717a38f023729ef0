/** Two agents over real UDP sockets on loopback (127.0.0.1, and ::1 where the machine has it). */
import { createSocket } from 'node:dgram';
import { filter, firstValueFrom, map, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { IceAgent, serializeCandidate } from '../lib/index.js';

/**
 * Real sockets, real time: allow at least the PAC timer (39.5 s) for the agents to conclude, and
 * margin for a loaded machine. A hang guard, not an assertion (issue #10: this test once failed
 * under CPU load on vitest's 5 s default).
 */
const REAL_UDP_TIMEOUT = 90_000;

const agents: IceAgent[] = [];
afterEach(() => {
  for (const agent of agents.splice(0)) agent.stop();
});

function loopbackAgent(role: 'controlling' | 'controlled', address: string): IceAgent {
  const agent = new IceAgent({ role, ipFilter: (a) => a === address });
  agents.push(agent);
  return agent;
}

function wire(from: IceAgent, to: IceAgent): void {
  const { ufrag, pwd } = from.getLocalCredentials();
  to.setRemoteCredentials(ufrag, pwd);
  from.candidates$.subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
  from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => to.endOfCandidates());
}

const connected = (agent: IceAgent) =>
  firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));

async function canBind(address: string): Promise<boolean> {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve) => {
    socket.once('error', () => resolve(false));
    socket.bind(0, address, () => {
      socket.close();
      resolve(true);
    });
  });
}

const hasIpv6Loopback = await canBind('::1');

describe.each([
  { address: '127.0.0.1', available: true },
  { address: '::1', available: hasIpv6Loopback },
])('real UDP on $address', ({ address, available }) => {
  it.skipIf(!available)(
    'connects and exchanges 100 datagrams each way',
    async () => {
      const a = loopbackAgent('controlling', address);
      const b = loopbackAgent('controlled', address);
      wire(a, b);
      wire(b, a);
      a.gatherCandidates();
      b.gatherCandidates();
      await Promise.all([connected(a), connected(b)]);

      const selected = await firstValueFrom(a.selectedPair$);
      expect(selected.local.address).toBe(address);
      expect(selected.remote.address).toBe(address);

      const atB = firstValueFrom(b.data$.pipe(take(100), toArray()));
      const atA = firstValueFrom(
        a.data$.pipe(
          map((d) => new TextDecoder().decode(d)),
          take(100),
          toArray(),
        ),
      );
      b.data$.subscribe((d) => b.send(new TextEncoder().encode(`echo ${new TextDecoder().decode(d)}`)));
      for (let i = 0; i < 100; i++) a.send(new TextEncoder().encode(`m${i}`));
      expect((await atB).length).toBe(100);
      const echoes = await atA;
      expect(new Set(echoes).size).toBe(100);
      expect(echoes).toContain('echo m99');
      expect(a.getStats()).toMatchObject({ packetsSent: 100, packetsReceived: 100 });
    },
    REAL_UDP_TIMEOUT,
  );
});
