/**
 * Benchmark helper: time to connected on 127.0.0.1 (real UDP), measured from
 * the moment both sides have the remote credentials and a first remote
 * candidate to the moment both report connected (the later of the two), for
 * rx-ice (defaults and the fast profile), werift-ice and aioice in the same
 * run. The clock starts only when both sides can check, so gathering and
 * process start-up are not counted for anyone.
 *
 * - rx-ice: two agents in this process, trickled in-process signalling; the
 *   RTT of the same path is measured right after (ping-pong of 16 datagrams
 *   over the selected pair, median), for the `Ta + 3 RTT` target.
 * - werift-ice: two `Connection`s in this process; both gather, then each gets
 *   the other's parameters and candidates, then both `connect()`.
 * - aioice: two `aioice_peer.py` processes of the interop harness
 *   (`/work/shared/interop`, or `INTEROP_DIR`), whose JSON-line signalling this
 *   process relays; the clock starts when the second peer has been written its
 *   first remote candidate and stops at the second `connected` line.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { filter, firstValueFrom, map, take, timeout } from 'rxjs';
import * as werift from 'werift-ice';
import { IceAgent, type IceAgentOptions, serializeCandidate } from '../../lib/index.js';
import { FastScheduler, VirtualNetwork } from '../../lib/testing/index.js';
import { median } from './report.js';

/** One measured setup. */
export interface SetupSample {
  /** Both sides able to check -> both connected, ms. */
  readonly ms: number;
  /** Median RTT over the selected pair right after, ms (rx-ice only). */
  readonly rttMs?: number;
}

/** Agent options a setup variant may vary. */
export type SetupOptions = Omit<IceAgentOptions, 'role' | 'ipFilter'>;

const onLoopback = (address: string): boolean => address === '127.0.0.1';

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// ---- rx-ice ------------------------------------------------------------------------------

/** Median RTT of `count` sequential ping-pongs over the selected pair, ms. */
async function pingPong(a: IceAgent, b: IceAgent, count: number): Promise<number> {
  const echo = b.data$.subscribe((data) => b.send(data));
  const payload = Buffer.alloc(32, 0x80); // first byte >= 4: never taken for STUN (RFC 7983)
  const rtts: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const back = firstValueFrom(a.data$.pipe(take(1), timeout(1000)));
      const sent = performance.now();
      a.send(payload);
      await back;
      rtts.push(performance.now() - sent);
    }
  } finally {
    echo.unsubscribe();
  }
  return median(rtts);
}

/**
 * Wires two agents' signalling in-process (credentials at once, candidates as
 * they come) and resolves with `now()` when the second side has been given its
 * first remote candidate and when the later of the two is connected.
 */
function wirePair(
  a: IceAgent,
  b: IceAgent,
  now: () => number,
): { start(): number; connected: Promise<number> } {
  let ready = 0;
  let startedAt = Number.NaN;
  const wire = (from: IceAgent, to: IceAgent): void => {
    const { ufrag, pwd } = from.getLocalCredentials();
    to.setRemoteCredentials(ufrag, pwd);
    let first = true;
    from.candidates$.subscribe((c) => {
      to.addRemoteCandidate(serializeCandidate(c));
      if (first) {
        first = false;
        if (++ready === 2) startedAt = now();
      }
    });
    from.gatheringState$.pipe(filter((s) => s === 'complete')).subscribe(() => to.endOfCandidates());
  };
  const connectedAt = (agent: IceAgent): Promise<number> =>
    firstValueFrom(
      agent.connectionState$.pipe(
        filter((s) => s === 'connected' || s === 'completed' || s === 'failed' || s === 'closed'),
        map((s) => [s, now()] as const), // the time of the change itself, not of the promise callback
      ),
    ).then(([s, at]) => {
      if (s === 'failed' || s === 'closed') throw new Error(`rx-ice agent ended in state ${s}`);
      return at;
    });
  wire(a, b);
  wire(b, a);
  const connected = Promise.all([connectedAt(a), connectedAt(b)]).then(([x, y]) => Math.max(x, y));
  return { start: () => startedAt, connected };
}

/** One rx-ice pair: both able to check -> both connected, then the path's RTT. */
export async function rxIceSetup(options: SetupOptions = {}): Promise<SetupSample> {
  const a = new IceAgent({ ...options, role: 'controlling', ipFilter: onLoopback });
  const b = new IceAgent({ ...options, role: 'controlled', ipFilter: onLoopback });
  try {
    const pair = wirePair(a, b, () => performance.now());
    a.gatherCandidates();
    b.gatherCandidates();
    const end = await within(pair.connected, 5000, 'rx-ice');
    return { ms: end - pair.start(), rttMs: await pingPong(a, b, 16) };
  } finally {
    a.stop();
    b.stop();
  }
}

/**
 * The same measurement in virtual time (no event loop, no timer lateness): two
 * agents on a virtual network `latency` ms apart under a FastScheduler.
 * Returns virtual ms from both able to check to both connected.
 */
export async function virtualSetup(latency: number, options: SetupOptions = {}): Promise<number> {
  const scheduler = new FastScheduler();
  const net = new VirtualNetwork({ scheduler, latency });
  const host = (name: string, address: string) => net.createHost(name, { addresses: [address] });
  const common = { ...options, scheduler, interfacePollInterval: 0 } as const;
  const a = new IceAgent({ ...common, role: 'controlling', transport: host('a', '10.0.0.1') });
  const b = new IceAgent({ ...common, role: 'controlled', transport: host('b', '10.0.0.2') });
  try {
    const pair = wirePair(a, b, () => scheduler.now());
    let end: number | undefined;
    pair.connected.then((t) => {
      end = t;
    });
    a.gatherCandidates();
    b.gatherCandidates();
    for (let i = 0; i < 100 && end === undefined; i++) {
      scheduler.advanceBy(1);
      await Promise.resolve(); // the promise callbacks above run between virtual milliseconds
    }
    if (end === undefined) throw new Error('virtual pair not connected within 100 virtual ms');
    return end - pair.start();
  } finally {
    a.stop();
    b.stop();
  }
}

// ---- werift-ice --------------------------------------------------------------------------

const WERIFT_OPTIONS = {
  useIpv4: true,
  useIpv6: false,
  interfaceAddresses: { udp4: '127.0.0.1' },
  additionalHostAddresses: ['127.0.0.1'],
};

/** Two werift-ice `Connection`s (controlling, controlled) on 127.0.0.1 only, not yet gathered. */
export function weriftConnections(): [werift.Connection, werift.Connection] {
  const pair: [werift.Connection, werift.Connection] = [
    new werift.Connection(true, WERIFT_OPTIONS),
    new werift.Connection(false, WERIFT_OPTIONS),
  ];
  // Without a STUN server werift-ice gathers against stun.l.google.com: off loopback, and slow when unreachable.
  for (const c of pair) c.stunServer = undefined;
  return pair;
}

/**
 * Gathers both, gives each the other's parameters and candidates, then
 * connects both. Resolves with ms from the `connect()` calls to both connected.
 */
export async function connectWerift(a: werift.Connection, b: werift.Connection): Promise<number> {
  await within(Promise.all([a.gatherCandidates(), b.gatherCandidates()]), 5000, 'werift-ice gathering');
  await exchangeWeriftParams(a, b);
  await exchangeWeriftParams(b, a);
  const startedAt = performance.now();
  const at = (c: werift.Connection): Promise<number> => c.connect().then(() => performance.now());
  const [ta, tb] = await within(Promise.all([at(a), at(b)]), 5000, 'werift-ice connecting');
  return Math.max(ta, tb) - startedAt;
}

/** One werift-ice pair: gathered, then parameters and candidates exchanged, then both connect. */
export async function weriftSetup(): Promise<SetupSample> {
  const [a, b] = weriftConnections();
  try {
    return { ms: await connectWerift(a, b) };
  } finally {
    await Promise.allSettled([a.close(), b.close()]);
  }
}

// ---- aioice (through the interop harness's peer) ------------------------------------------

/** The interop harness's aioice peer script, or undefined when it or Debian's python3-aioice is missing. */
export function aioicePeerScript(): string | undefined {
  const dir = process.env.INTEROP_DIR ?? '/work/shared/interop';
  const script = join(dir, 'peers', 'aioice_peer.py');
  return existsSync(script) && existsSync('/usr/bin/python3') ? script : undefined;
}

interface Peer {
  readonly child: ChildProcessWithoutNullStreams;
  /** When this peer was written its first remote candidate. */
  firstCandidateAt: number | undefined;
  connectedAt: number | undefined;
}

/** One aioice pair: two peer processes, signalling relayed line by line. */
export async function aioiceSetup(script: string): Promise<SetupSample> {
  const start = (role: string): Peer => ({
    child: spawn('/usr/bin/python3', [script, '--role', role, '--count', '1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
    firstCandidateAt: undefined,
    connectedAt: undefined,
  });
  const peers = [start('controlling'), start('controlled')] as const;
  let startedAt = 0;
  try {
    const done = new Promise<void>((resolve, reject) => {
      peers.forEach((self, i) => {
        const other = peers[1 - i] as Peer;
        self.child.stderr.resume();
        self.child.on('exit', (code) => reject(new Error(`aioice peer exited with ${code}`)));
        createInterface({ input: self.child.stdout }).on('line', (line) => {
          let msg: { type?: string; state?: string; message?: string };
          try {
            msg = JSON.parse(line);
          } catch {
            return;
          }
          if (msg.type === 'credentials' || msg.type === 'candidate' || msg.type === 'end-of-candidates') {
            other.child.stdin.write(`${line}\n`);
            if (msg.type === 'candidate' && other.firstCandidateAt === undefined) {
              other.firstCandidateAt = performance.now();
              if (self.firstCandidateAt !== undefined) startedAt = other.firstCandidateAt;
            }
          } else if (msg.type === 'state' && (msg.state === 'connected' || msg.state === 'completed')) {
            self.connectedAt ??= performance.now();
            if (peers.every((p) => p.connectedAt !== undefined)) resolve();
          } else if (msg.type === 'error' || (msg.type === 'state' && msg.state === 'failed')) {
            reject(new Error(`aioice peer: ${msg.message ?? msg.state}`));
          }
        });
      });
    });
    await within(done, 10_000, 'aioice');
    const end = Math.max(...peers.map((p) => p.connectedAt as number));
    return { ms: end - startedAt };
  } finally {
    for (const p of peers) {
      p.child.stdin.end();
      p.child.kill('SIGTERM');
    }
  }
}

// ---- the section ---------------------------------------------------------------------------

/** The fast profile the README documents: Ta at RFC 8445 §14.2's floor. */
export const FAST_PROFILE: SetupOptions = { ta: 5 };

/** What the setup section measured (medians, ms). */
export interface SetupResult {
  readonly rounds: number;
  /** Median ms per side, by name. */
  readonly medians: Record<string, number>;
  /** Successful samples per side. */
  readonly ok: Record<string, number>;
  /** Median RTT over the selected pair of the rx-ice default pairs, ms. */
  readonly rttMs: number;
  /** Median lateness of a 50 ms timer (setTimeout) in the same rounds, ms. */
  readonly timerLatenessMs: number;
  /** Ta + 3 RTT with the default Ta (50 ms). */
  readonly defaultTargetMs: number;
  /** The default setup in virtual time (no event loop): one-way latency, virtual ms, Ta + 3 RTT. */
  readonly virtual: readonly { readonly latency: number; readonly ms: number; readonly targetMs: number }[];
  readonly failures: readonly string[];
}

type Side = { readonly name: string; readonly run: () => Promise<SetupSample> };

/** Lateness of one `setTimeout(50)`, ms. */
async function timerLateness(): Promise<number> {
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 50));
  return performance.now() - started - 50;
}

/** Runs every side `rounds` times, interleaved (order rotating per round). */
export async function measureSetup(rounds: number): Promise<SetupResult> {
  const script = aioicePeerScript();
  const sides: Side[] = [
    { name: 'rx-ice default', run: () => rxIceSetup() },
    { name: 'rx-ice ta: 5', run: () => rxIceSetup(FAST_PROFILE) },
    { name: 'werift-ice', run: weriftSetup },
  ];
  if (script) sides.push({ name: 'aioice', run: () => aioiceSetup(script) });
  const samples = new Map<string, SetupSample[]>(sides.map((s) => [s.name, []]));
  const failures: string[] = [];
  const lateness: number[] = [];
  if (!script) failures.push('aioice: /work/shared/interop/peers/aioice_peer.py or /usr/bin/python3 missing');
  for (const side of sides) await side.run().catch(() => undefined); // warm-up, not counted
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(round + k) % sides.length] as Side;
      try {
        samples.get(side.name)?.push(await side.run());
      } catch (err) {
        failures.push(`${side.name}: ${(err as Error).message}`);
      }
    }
    lateness.push(await timerLateness());
  }
  const medians: Record<string, number> = {};
  const ok: Record<string, number> = {};
  for (const [name, s] of samples) {
    medians[name] = median(s.map((x) => x.ms));
    ok[name] = s.length;
  }
  const rttMs = median(
    (samples.get('rx-ice default') ?? []).flatMap((x) => (x.rttMs === undefined ? [] : [x.rttMs])),
  );
  return {
    rounds,
    medians,
    ok,
    rttMs,
    timerLatenessMs: median(lateness),
    defaultTargetMs: 50 + 3 * rttMs,
    virtual: await Promise.all(
      [0.1, 5].map(async (latency) => ({
        latency,
        ms: await virtualSetup(latency),
        targetMs: 50 + 6 * latency,
      })),
    ),
    failures,
  };
}

/** Gives `to` the parameters and 127.0.0.1 candidates of `from` (gathered), then end-of-candidates. */
export async function exchangeWeriftParams(from: werift.Connection, to: werift.Connection): Promise<void> {
  to.setRemoteParams({
    iceLite: false,
    usernameFragment: from.localUsername,
    password: from.localPassword,
  });
  for (const c of from.localCandidates.filter((c) => c.host === '127.0.0.1')) await to.addRemoteCandidate(c);
  await to.addRemoteCandidate(undefined);
}
