/**
 * One UDP port for many agents: a "server" runs every session on one
 * `UdpMux` (one socket, one firewall hole), and three "clients" (plain
 * agents, each on a socket of its own) connect to it over 127.0.0.1.
 *
 *   npx tsx examples/mux-server.ts
 */

import { IceAgent, serializeCandidate, UdpMux } from 'rx-ice';
import { filter, firstValueFrom } from 'rxjs';

const mux = await UdpMux.listen({ address: '127.0.0.1', port: 0 });
console.log(`server listening on udp 127.0.0.1:${mux.port}`);

// Signaling is in-process here; a real server gets this over its own channel (WebSocket, HTTP...).
function signal(from: IceAgent, to: IceAgent): void {
  const { ufrag, pwd } = from.getLocalCredentials();
  to.setRemoteCredentials(ufrag, pwd);
  from.candidates$.subscribe((c) => to.addRemoteCandidate(serializeCandidate(c)));
  from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => to.endOfCandidates());
}

const connected = (agent: IceAgent) =>
  firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));

const clients: IceAgent[] = [];
for (const name of ['ann', 'ben', 'cat']) {
  // Server side: one agent per session, all on the mux. It echoes what it gets, tagged with the session.
  const session = new IceAgent({ role: 'controlled', transport: mux });
  session.data$.subscribe((bytes) =>
    session.send(new TextEncoder().encode(`${name}'s session echoes ${new TextDecoder().decode(bytes)}`)),
  );
  // Client side: an ordinary agent (a browser, in real life).
  const client = new IceAgent({ role: 'controlling', ipFilter: (a) => a === '127.0.0.1' });
  signal(session, client);
  signal(client, session);
  session.gatherCandidates();
  client.gatherCandidates();
  await Promise.all([connected(session), connected(client)]);
  const host = session.getLocalCandidates()[0];
  console.log(`${name} connected; server candidate ${host?.address}:${host?.port}`);
  clients.push(client);
}

for (const [i, client] of clients.entries()) {
  const reply = firstValueFrom(client.data$);
  client.send(new TextEncoder().encode(`hello ${i}`));
  console.log(new TextDecoder().decode(await reply));
}

const s = mux.getStats();
console.log(
  `mux: ${s.sockets} sessions on one port; routed ${s.routed} (by ufrag ${s.routedByUfrag}, by transaction ` +
    `${s.routedByTransaction}, by address ${s.routedByAddress}); dropped ${s.droppedUnknownUfrag + s.droppedUnroutable + s.droppedMalformed}`,
);
mux.close(); // every session on it goes closed
for (const client of clients) client.stop();
console.log('server closed');
