/**
 * Helpers for the UdpMux specs: agents wired with immediate in-process
 * signaling, raw STUN datagrams for floods, a forced GC for heap checks.
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { filter, firstValueFrom, type Subscription } from 'rxjs';
import { IceAgent, type IceAgentOptions, serializeCandidate } from '../../lib/index.js';

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
