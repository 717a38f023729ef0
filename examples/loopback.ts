/**
 * Two rx-ice agents in one process, over real UDP on 127.0.0.1: gathering,
 * trickled signaling as plain Observable wiring, connectivity checks, the
 * selected pair, and a data exchange.
 *
 *   npm start        (tsx examples/loopback.ts)
 */

import { IceAgent, serializeCandidate } from 'rx-ice';
import { filter, firstValueFrom, map, take, toArray } from 'rxjs';

const onLoopback = (address: string) => address === '127.0.0.1';
const alice = new IceAgent({ role: 'controlling', ipFilter: onLoopback });
const bob = new IceAgent({ role: 'controlled', ipFilter: onLoopback });

// Signaling is just subscriptions: each agent's outputs feed the other's inputs.
function signal(from: IceAgent, to: IceAgent): void {
  const { ufrag, pwd } = from.getLocalCredentials();
  to.setRemoteCredentials(ufrag, pwd);
  from.candidates$.subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
  from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => to.endOfCandidates());
}

for (const [name, agent] of [
  ['alice', alice],
  ['bob', bob],
] as const) {
  agent.candidates$.subscribe((c) => console.log(`${name} candidate  ${serializeCandidate(c)}`));
  agent.gatheringState$.subscribe((s) => console.log(`${name} gathering  ${s}`));
  agent.connectionState$.subscribe((s) => console.log(`${name} state      ${s}`));
  agent.selectedPair$.subscribe((p) =>
    console.log(
      `${name} selected   ${p.local.address}:${p.local.port} -> ${p.remote.address}:${p.remote.port}`,
    ),
  );
}
signal(alice, bob);
signal(bob, alice);

// Bob echoes everything back in upper case.
bob.data$.subscribe((bytes) =>
  bob.send(new TextEncoder().encode(new TextDecoder().decode(bytes).toUpperCase())),
);

const connected = (agent: IceAgent) =>
  firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));
const started = Date.now();
alice.gatherCandidates();
bob.gatherCandidates();
await Promise.all([connected(alice), connected(bob)]);
console.log(`both connected after ${Date.now() - started} ms`);

const replies = firstValueFrom(
  alice.data$.pipe(
    map((bytes) => new TextDecoder().decode(bytes)),
    take(3),
    toArray(),
  ),
);
for (const word of ['hello', 'ice', 'world']) alice.send(new TextEncoder().encode(word));
console.log(`alice got back: ${(await replies).join(' ')}`);

const stats = alice.getStats();
console.log(
  `alice stats: sent ${stats.packetsSent} packets / ${stats.bytesSent} bytes, received ${stats.packetsReceived}, ` +
    `checks sent ${stats.requestsSent}, rtt ${stats.selectedPair?.rtt ?? '?'} ms`,
);
alice.stop();
bob.stop();
