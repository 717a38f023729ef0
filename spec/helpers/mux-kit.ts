/**
 * Helpers for the UdpMux specs: agents wired with immediate in-process
 * signaling, raw STUN datagrams for floods, a forced GC for heap checks.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { IceAgent, type IceAgentOptions, serializeCandidate } from '../../lib/index.js';
import type { PeerMessage, PeerReport } from './mux-peer-worker.js';

/** A plain agent on its own UDP socket on 127.0.0.1. */
export function loopbackAgent(role: IceAgentOptions['role'], extra: Partial<IceAgentOptions> = {}): IceAgent {
  return new IceAgent({ role, ipFilter: (a) => a === '127.0.0.1', ...extra });
}

/**
 * Signals `from`'s credentials and candidates to `to`, now and after every
 * restart of `from` (new credentials are sent when its first new candidate
 * comes). Returns the subscription.
 */
export function wire(from: IceAgent, to: IceAgent): Subscription {
  let ufrag = '';
  const sendCredentials = (): void => {
    const local = from.getLocalCredentials();
    if (local.ufrag === ufrag) return;
    ufrag = local.ufrag;
    to.setRemoteCredentials(local.ufrag, local.pwd);
  };
  sendCredentials();
  const subscription = from.candidates$.subscribe((c) => {
    sendCredentials();
    try {
      to.addRemoteCandidate(serializeCandidate(c));
    } catch {
      // `to` stopped
    }
  });
  subscription.add(
    from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => {
      try {
        to.endOfCandidates();
      } catch {
        // `to` stopped
      }
    }),
  );
  return subscription;
}

/** Resolves on `connected`/`completed`; rejects on `failed`/`closed`. */
export async function connected(agent: IceAgent): Promise<void> {
  const state = await firstValueFrom(
    agent.connectionState$.pipe(filter((s) => s !== 'new' && s !== 'checking' && s !== 'disconnected')),
  );
  if (state === 'failed' || state === 'closed') throw new Error(`agent ended ${state}`);
}

/** A well-framed STUN Binding request whose USERNAME is `username` (no integrity). */
export function stunRequest(username: string): Buffer {
  const name = Buffer.from(username, 'latin1');
  const padded = (name.length + 3) & ~3;
  const out = Buffer.alloc(20 + 4 + padded);
  out.writeUInt16BE(0x0001, 0);
  out.writeUInt16BE(4 + padded, 2);
  out.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(out, 8);
  out.writeUInt16BE(0x0006, 20);
  out.writeUInt16BE(name.length, 22);
  name.copy(out, 24);
  return out;
}

/** A bare STUN Binding success response with a random transaction id. */
export function stunResponse(): Buffer {
  const out = Buffer.alloc(20);
  out.writeUInt16BE(0x0101, 0);
  out.writeUInt32BE(0x2112a442, 4);
  randomBytes(12).copy(out, 8);
  return out;
}

/** gc(), obtained at run time (vitest does not pass --expose-gc). */
export function getGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('no gc()');
  return gc as () => void;
}

/** heapUsed after a few GCs. */
export async function settledHeap(gc: () => void): Promise<number> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/** Waits until `check()` is true, polling every 20 ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Plain peer agents in a worker thread (spec/helpers/mux-peer-worker.ts),
 * each wired to an agent of this thread by {@link RemotePeers.connect}.
 */
export class RemotePeers {
  private readonly worker: Worker;
  private readonly agents = new Map<number, IceAgent>();
  /** Last connection state each peer reported. */
  readonly states = new Map<number, string>();
  /** Text each peer received last. */
  readonly received = new Map<number, string>();

  constructor() {
    // The worker runs TypeScript: load it through tsx's API (vitest's transform does not reach workers).
    const file = new URL('./mux-peer-worker.ts', import.meta.url).href;
    // The ESM build of tsx's API (vite has no import.meta.resolve; require resolves the CJS build).
    const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
    const tsx = pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href;
    const load = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}))`;
    this.worker = new Worker(load, { eval: true });
    this.worker.on('message', (r: PeerReport) => this.onReport(r));
  }

  /** Creates peer `id` in the worker and signals it with `agent` both ways. */
  connect(id: number, agent: IceAgent, options: Partial<IceAgentOptions> = {}): void {
    this.agents.set(id, agent);
    this.post({ type: 'create', id, options });
    const { ufrag, pwd } = agent.getLocalCredentials();
    this.post({ type: 'credentials', id, ufrag, pwd });
    agent.candidates$.subscribe((c) =>
      this.post({ type: 'candidate', id, candidate: serializeCandidate(c) }),
    );
    agent.gatheringState$
      .pipe(filter((s) => s === 'complete'))
      .subscribe(() => this.post({ type: 'end-of-candidates', id }));
  }

  /** Peers `ids` each send `to <id>` to their agent. */
  send(ids: number[]): void {
    this.post({ type: 'send', ids });
  }

  /** Stops every peer and the worker. */
  async stop(): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.worker.on('message', (r: PeerReport) => r.type === 'stopped' && resolve());
    });
    this.post({ type: 'stop' });
    await Promise.race([stopped, new Promise((r) => setTimeout(r, 5000))]);
    await this.worker.terminate();
  }

  private post(m: PeerMessage): void {
    this.worker.postMessage(m);
  }

  private onReport(r: PeerReport): void {
    if (r.type === 'stopped') return;
    if (r.type === 'state') {
      this.states.set(r.id, r.state);
      return;
    }
    if (r.type === 'data') {
      this.received.set(r.id, r.text);
      return;
    }
    const agent = this.agents.get(r.id);
    if (!agent) return;
    try {
      if (r.type === 'credentials') agent.setRemoteCredentials(r.ufrag, r.pwd);
      else if (r.type === 'candidate') agent.addRemoteCandidate(r.candidate);
      else agent.endOfCandidates();
    } catch {
      // the agent stopped
    }
  }
}
