/**
 * A worker thread hosting plain peer agents for the UdpMux scale spec and
 * bench, so the peers' CPU is not the mux side's (a second core). Driven by
 * {@link PeerMessage}s; answers with {@link PeerReport}s.
 */
import { parentPort } from 'node:worker_threads';
import { filter } from 'rxjs';
import { IceAgent, type IceAgentOptions, serializeCandidate } from '../../lib/index.js';

/** From the main thread to the worker. */
export type PeerMessage =
  | { type: 'create'; id: number; options: Partial<IceAgentOptions> }
  | { type: 'credentials'; id: number; ufrag: string; pwd: string }
  | { type: 'candidate'; id: number; candidate: string }
  | { type: 'end-of-candidates'; id: number }
  | { type: 'send'; ids: number[] }
  | { type: 'stop' };

/** From the worker to the main thread. */
export type PeerReport =
  | { type: 'credentials'; id: number; ufrag: string; pwd: string }
  | { type: 'candidate'; id: number; candidate: string }
  | { type: 'end-of-candidates'; id: number }
  | { type: 'state'; id: number; state: string }
  | { type: 'data'; id: number; text: string }
  | { type: 'stopped' };

const port = parentPort as NonNullable<typeof parentPort>;
const peers = new Map<number, IceAgent>();
const post = (r: PeerReport): void => port.postMessage(r);

port.on('message', (m: PeerMessage) => {
  if (m.type === 'stop') {
    for (const peer of peers.values()) peer.stop();
    post({ type: 'stopped' });
    port.close();
    return;
  }
  if (m.type === 'send') {
    for (const id of m.ids) {
      try {
        peers.get(id)?.send(new TextEncoder().encode(`to ${id}`));
      } catch {
        // not connected (yet): the main thread resends
      }
    }
    return;
  }
  if (m.type === 'create') {
    const { id } = m;
    const peer = new IceAgent({ role: 'controlling', ipFilter: (a) => a === '127.0.0.1', ...m.options });
    peers.set(id, peer);
    const { ufrag, pwd } = peer.getLocalCredentials();
    post({ type: 'credentials', id, ufrag, pwd });
    peer.candidates$.subscribe((c) => post({ type: 'candidate', id, candidate: serializeCandidate(c) }));
    peer.gatheringState$
      .pipe(filter((s) => s === 'complete'))
      .subscribe(() => post({ type: 'end-of-candidates', id }));
    peer.connectionState$.subscribe((state) => post({ type: 'state', id, state }));
    peer.data$.subscribe((d) => post({ type: 'data', id, text: new TextDecoder().decode(d) }));
    peer.gatherCandidates();
    return;
  }
  const peer = peers.get(m.id);
  if (!peer) return;
  if (m.type === 'credentials') peer.setRemoteCredentials(m.ufrag, m.pwd);
  else if (m.type === 'candidate') peer.addRemoteCandidate(m.candidate);
  else peer.endOfCandidates();
});
