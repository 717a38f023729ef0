/**
 * Two rx-ice agents in one process, over real UDP on 127.0.0.1, whose signaling goes through a
 * real TCP connection as JSON lines, the way a WebSocket or any message channel would carry it.
 * Each side is wired with one call to `wireSignaling` from `rx-ice/operators`; the only code
 * about the channel is turning a socket into an Observable/Observer pair.
 *
 *   npx tsx examples/wire-signaling.ts
 */
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { IceAgent } from 'rx-ice';
import {
  addressScope,
  isSignalMessage,
  retransmitUntil,
  type SignalMessage,
  wireSignaling,
} from 'rx-ice/operators';
import { filter, firstValueFrom, fromEvent, map, type Observable, of, share, take } from 'rxjs';

/** A TCP socket as a signaling channel: JSON lines in, JSON lines out. */
function jsonLines(socket: Socket): {
  incoming$: Observable<SignalMessage>;
  outgoing: { next(m: SignalMessage): void };
} {
  const incoming$ = fromEvent(createInterface({ input: socket }), 'line', (line: string) => line).pipe(
    map((line) => JSON.parse(line) as unknown),
    filter(isSignalMessage), // the peer is untrusted: only well-formed messages reach the agent
    share(),
  );
  return { incoming$, outgoing: { next: (message) => socket.write(`${JSON.stringify(message)}\n`) } };
}

const onLoopback = (address: string) => address === '127.0.0.1';

// "alice" listens for the signaling connection, "bob" dials it.
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };
const [aliceSocket, bobSocket] = await Promise.all([
  firstValueFrom(fromEvent(server, 'connection', (socket: Socket) => socket).pipe(take(1))),
  new Promise<Socket>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
  }),
]);

const alice = new IceAgent({ role: 'controlling', ipFilter: onLoopback });
const bob = new IceAgent({ role: 'controlled', ipFilter: onLoopback });
for (const [name, agent] of [
  ['alice', alice],
  ['bob', bob],
] as const) {
  agent.connectionState$.subscribe((state) => console.log(`${name} state ${state}`));
}

// The whole signaling, one line per agent (alice only signals loopback candidates, as an example filter).
const a = jsonLines(aliceSocket);
const b = jsonLines(bobSocket);
wireSignaling(alice, a.incoming$, a.outgoing, { candidates: addressScope('loopback') });
wireSignaling(bob, b.incoming$, b.outgoing);

const connected = (agent: IceAgent) =>
  firstValueFrom(agent.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')));
await Promise.all([connected(alice), connected(bob)]);

// Bob answers every ping; alice sends hers on the ICE retransmission schedule until the first answer
// (UDP may drop a datagram): retransmitUntil from rx-ice/operators.
bob.data$.subscribe((bytes) => bob.send(new TextEncoder().encode(`pong ${new TextDecoder().decode(bytes)}`)));
const reply = firstValueFrom(alice.data$.pipe(map((bytes) => new TextDecoder().decode(bytes))));
of(new TextEncoder().encode('ping'))
  .pipe(retransmitUntil(alice.data$, { rto: 200 }))
  .subscribe({
    next: (bytes) => alice.send(bytes),
    error: () => {
      console.log('alice got no answer');
      process.exit(1);
    },
  });
console.log(`alice got: ${await reply}`);

alice.stop();
bob.stop();
aliceSocket.destroy();
bobSocket.destroy();
server.close();
