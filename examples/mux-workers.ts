/**
 * Beyond one core: one `UdpMux` per `worker_threads` worker, one UDP port
 * each, and sessions spread across them. The main thread plays signaling
 * server and clients: it routes each session to the worker that owns its
 * port, and that is all the coordination there is (ICE keeps no state shared
 * between workers). Processes or machines shard the same way.
 *
 *   npx tsx examples/mux-workers.ts
 */

import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { IceAgent, serializeCandidate, UdpMux } from 'rx-ice';
import { filter, firstValueFrom } from 'rxjs';

/** Signaling messages between the main thread and a worker, per session id. */
type Signal =
  | { type: 'credentials'; id: number; ufrag: string; pwd: string }
  | { type: 'candidate'; id: number; candidate: string }
  | { type: 'end-of-candidates'; id: number }
  | { type: 'ready'; port: number }
  | { type: 'close' };

/** Sends an agent's credentials, candidates and end-of-candidates through `post`. */
function signalOut(id: number, agent: IceAgent, post: (m: Signal) => void): void {
  const { ufrag, pwd } = agent.getLocalCredentials();
  post({ type: 'credentials', id, ufrag, pwd });
  agent.candidates$.subscribe((c) => post({ type: 'candidate', id, candidate: serializeCandidate(c) }));
  agent.gatheringState$
    .pipe(filter((s) => s === 'complete'))
    .subscribe(() => post({ type: 'end-of-candidates', id }));
}

/** Applies a signaling message to the agent it is for. */
function signalIn(agent: IceAgent | undefined, m: Signal): void {
  if (!agent) return;
  if (m.type === 'credentials') agent.setRemoteCredentials(m.ufrag, m.pwd);
  else if (m.type === 'candidate') agent.addRemoteCandidate(m.candidate);
  else if (m.type === 'end-of-candidates') agent.endOfCandidates();
}

/** A worker running this file; run as TypeScript (tsx), it loads the file through tsx's API too. */
function startWorker(file: string): Worker {
  if (!file.endsWith('.ts')) return new Worker(new URL(file));
  const tsx = import.meta.resolve('tsx/esm/api');
  const load = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}))`;
  return new Worker(load, { eval: true });
}

if (isMainThread) {
  const WORKERS = 2;
  const SESSIONS = 6;
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const worker = startWorker(import.meta.url);
      const ready = await new Promise<Signal>((resolve) => worker.once('message', resolve));
      if (ready.type !== 'ready') throw new Error('worker did not start');
      console.log(`worker ${w}: mux on udp 127.0.0.1:${ready.port}`);
      return { worker, port: ready.port };
    }),
  );
  const clients = new Map<number, IceAgent>();
  for (const { worker } of workers) {
    worker.on('message', (m: Signal) => 'id' in m && signalIn(clients.get(m.id), m));
  }

  await Promise.all(
    Array.from({ length: SESSIONS }, async (_, id) => {
      // Signaling routes the session to the worker that owns its port: here, round robin.
      const { worker, port } = workers[id % WORKERS] as (typeof workers)[number];
      const client = new IceAgent({ role: 'controlling', ipFilter: (a) => a === '127.0.0.1' });
      clients.set(id, client);
      signalOut(id, client, (m) => worker.postMessage(m));
      client.gatherCandidates();
      await firstValueFrom(
        client.connectionState$.pipe(filter((s) => s === 'connected' || s === 'completed')),
      );
      const reply = firstValueFrom(client.data$);
      client.send(new TextEncoder().encode(`hello from client ${id}`));
      console.log(`session ${id} -> port ${port}: ${new TextDecoder().decode(await reply)}`);
    }),
  );

  for (const client of clients.values()) client.stop();
  for (const { worker } of workers) worker.postMessage({ type: 'close' } satisfies Signal);
  await Promise.all(workers.map(({ worker }) => new Promise((r) => worker.once('exit', r))));
  console.log(`${SESSIONS} sessions over ${WORKERS} workers, one port each: done`);
} else {
  const port = parentPort as NonNullable<typeof parentPort>;
  const mux = await UdpMux.listen({ address: '127.0.0.1', port: 0 });
  const sessions = new Map<number, IceAgent>();
  port.on('message', (m: Signal) => {
    if (m.type === 'close') {
      mux.close(); // every session on it stops
      port.close();
      return;
    }
    if (m.type === 'credentials' && !sessions.has(m.id)) {
      // A new session: its agent lives on this worker's mux and echoes what it gets.
      const agent = new IceAgent({ role: 'controlled', transport: mux });
      sessions.set(m.id, agent);
      agent.data$.subscribe((d) =>
        agent.send(new TextEncoder().encode(`port ${mux.port} echoes "${new TextDecoder().decode(d)}"`)),
      );
      signalOut(m.id, agent, (out) => port.postMessage(out));
      agent.gatherCandidates();
    }
    if ('id' in m) signalIn(sessions.get(m.id), m);
  });
  port.postMessage({ type: 'ready', port: mux.port } satisfies Signal);
}
