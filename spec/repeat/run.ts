/**
 * Real-UDP repetition test (issue #10): many fresh two-agent sessions on 127.0.0.1, each agent in
 * its own fresh process, all of which must connect and exchange data.
 *
 *   npm run test:repeat [-- options]
 *   tsx spec/repeat/run.ts [--sessions N] [--concurrency N] [--count N] [--timeout S] [--verbose]
 *
 * A session spawns two `examples/interop-peer.ts` processes (one controlling, one controlled, both
 * `--host-ip 127.0.0.1`, no STUN/TURN server, mDNS off) and relays the signalling lines
 * (`credentials`, `candidate`, `end-of-candidates`) from one's stdout to the other's stdin, as the
 * interop harness does. It passes when both report `connected`/`completed`, both report `done` (the
 * ping/pong data test over the selected pair), every candidate and selected address is 127.0.0.1,
 * and both exit 0 on stdin EOF. The processes are fresh each time: no state, warm cache or lucky
 * timing carries over from one session to the next.
 *
 * - `--sessions N` (env `REPEAT_SESSIONS`, default 50): sessions to run.
 * - `--concurrency N` (env `REPEAT_CONCURRENCY`, default 4): sessions running at once.
 * - `--count N` (default 10): datagrams each way in the data test.
 * - `--timeout S` (env `REPEAT_TIMEOUT`, default 180): give up on one session after S seconds of
 *   wall-clock time. Generous on purpose: a session may take up to the PAC timer (39.5 s) to
 *   conclude, and starting two tsx processes on a loaded machine takes seconds of its own.
 * - `--verbose`: print every protocol line.
 *
 * Prints one line per session (time from spawn to both connected, from the first `checking` to
 * both connected, and to data done), then a summary. Exit status 1 when any session failed, naming
 * each failed session with the last lines each of its peers printed (stdout and stderr); 2 on a
 * usage error.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LOOPBACK = '127.0.0.1';
const PEER = [
  resolve(REPO, 'node_modules/.bin/tsx'),
  '--tsconfig',
  resolve(REPO, 'tsconfig.json'),
  resolve(REPO, 'examples/interop-peer.ts'),
];

function usage(message: string): never {
  process.stderr.write(`test:repeat: ${message}\n`);
  process.exit(2);
}

const { values: opt } = (() => {
  try {
    return parseArgs({
      options: {
        sessions: { type: 'string' },
        concurrency: { type: 'string' },
        count: { type: 'string' },
        timeout: { type: 'string' },
        verbose: { type: 'boolean' },
      },
    });
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
})();

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) usage(`${name} must be a positive integer, got ${raw}`);
  return value;
}

const SESSIONS = positiveInt('--sessions', opt.sessions ?? process.env.REPEAT_SESSIONS, 50);
const CONCURRENCY = positiveInt('--concurrency', opt.concurrency ?? process.env.REPEAT_CONCURRENCY, 4);
const COUNT = positiveInt('--count', opt.count, 10);
const TIMEOUT_MS = positiveInt('--timeout', opt.timeout ?? process.env.REPEAT_TIMEOUT, 180) * 1000;
const VERBOSE = opt.verbose === true;

type Line = { type: string; [key: string]: unknown };
type Role = 'controlling' | 'controlled';
const SIGNALS = new Set(['credentials', 'candidate', 'end-of-candidates']);
const TAIL = 15;

interface Peer {
  readonly role: Role;
  readonly child: ChildProcessWithoutNullStreams;
  /** Last lines of stdout and stderr, interleaved, for the failure report. */
  readonly tail: string[];
  /** ms since the session started, per milestone. */
  checkingAt?: number;
  connectedAt?: number;
  doneAt?: number;
  exitCode?: number | null;
  exitSignal?: NodeJS.Signals | null;
}

interface Outcome {
  readonly id: number;
  readonly ok: boolean;
  readonly reason?: string;
  /** Spawn → both connected. */
  readonly connectedMs?: number;
  /** First `checking` (either side) → both connected: ICE alone, without process start-up. */
  readonly iceMs?: number;
  /** Spawn → both done with the data test. */
  readonly doneMs?: number;
  readonly tails: Record<Role, string[]>;
}

const remember = (tail: string[], text: string): void => {
  tail.push(text);
  if (tail.length > TAIL) tail.shift();
};

function startPeer(id: number, role: Role): Peer {
  const child = spawn(
    process.execPath,
    [...PEER, '--role', role, '--count', String(COUNT), '--host-ip', LOOPBACK],
    {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ICE_HOST_IP: LOOPBACK },
    },
  );
  const peer: Peer = { role, child, tail: [] };
  createInterface({ input: child.stderr }).on('line', (text) => remember(peer.tail, `[stderr] ${text}`));
  child.stdin.on('error', () => {}); // EPIPE once the peer is gone: its exit is what gets reported
  if (VERBOSE) child.stdout.on('data', (d: Buffer) => process.stdout.write(`  #${id} ${role}: ${d}`));
  return peer;
}

function runSession(id: number): Promise<Outcome> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const peers: Record<Role, Peer> = {
    controlling: startPeer(id, 'controlling'),
    controlled: startPeer(id, 'controlled'),
  };
  const both = [peers.controlling, peers.controlled];
  const other = (p: Peer) => (p === peers.controlling ? peers.controlled : peers.controlling);

  return new Promise<Outcome>((settle) => {
    let settled = false;
    const tails = () => ({ controlling: peers.controlling.tail, controlled: peers.controlled.tail });
    const finish = (reason?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      for (const p of both) if (p.exitCode === undefined) p.child.kill('SIGKILL');
      const [a, b] = both as [Peer, Peer];
      const connected = a.connectedAt !== undefined && b.connectedAt !== undefined;
      const connectedMs = connected ? Math.max(a.connectedAt ?? 0, b.connectedAt ?? 0) : undefined;
      const checking = [a.checkingAt, b.checkingAt].filter((t): t is number => t !== undefined);
      settle({
        id,
        ok: reason === undefined,
        ...(reason === undefined ? {} : { reason }),
        ...(connectedMs === undefined ? {} : { connectedMs }),
        ...(connectedMs === undefined || checking.length === 0
          ? {}
          : { iceMs: connectedMs - Math.min(...checking) }),
        ...(a.doneAt !== undefined && b.doneAt !== undefined ? { doneMs: Math.max(a.doneAt, b.doneAt) } : {}),
        tails: tails(),
      });
    };
    const deadline = setTimeout(() => {
      const missing = both
        .map(
          (p) =>
            `${p.role}: ${p.connectedAt === undefined ? 'not connected' : p.doneAt === undefined ? 'data not done' : 'not exited'}`,
        )
        .join(', ');
      finish(`timed out after ${TIMEOUT_MS / 1000} s (${missing})`);
    }, TIMEOUT_MS);

    const maybeClose = () => {
      // Both connected and done: end the session the way the protocol says, by closing stdin.
      if (both.every((p) => p.doneAt !== undefined)) for (const p of both) p.child.stdin.end();
    };

    for (const peer of both) {
      createInterface({ input: peer.child.stdout }).on('line', (text) => {
        remember(peer.tail, text);
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          return finish(`${peer.role} printed a line that is not protocol JSON: ${text}`);
        }
        if (SIGNALS.has(line.type)) {
          if (line.type === 'candidate' && String(line.candidate).split(/\s+/)[4] !== LOOPBACK)
            return finish(`${peer.role} signalled a candidate not on ${LOOPBACK}: ${line.candidate}`);
          const to = other(peer).child.stdin;
          if (to.writable) to.write(`${text}\n`);
        } else if (line.type === 'state') {
          if (line.state === 'checking') peer.checkingAt ??= since();
          if (line.state === 'connected' || line.state === 'completed') peer.connectedAt ??= since();
          if (line.state === 'failed') return finish(`${peer.role} reached failed`);
        } else if (line.type === 'selected') {
          const addresses = [line.local, line.remote].map((c) => String(c).split(/\s+/)[4]);
          if (addresses.some((a) => a !== LOOPBACK))
            return finish(`${peer.role} selected a pair not on ${LOOPBACK}: ${text}`);
        } else if (line.type === 'done') {
          if (line.received !== COUNT) return finish(`${peer.role} done with ${line.received}/${COUNT}`);
          peer.doneAt ??= since();
          maybeClose();
        } else if (line.type === 'error') {
          return finish(`${peer.role} reported an error: ${String(line.message)}`);
        }
      });
      peer.child.once('exit', (code, signal) => {
        peer.exitCode = code;
        peer.exitSignal = signal;
        if (peer.doneAt === undefined || code !== 0)
          return finish(
            `${peer.role} exited (${signal ?? `status ${code}`}) ${peer.doneAt === undefined ? 'before the data test was done' : ''}`.trim(),
          );
        if (both.every((p) => p.exitCode !== undefined)) finish();
      });
      peer.child.once('error', (err) => finish(`${peer.role} could not be started: ${err.message}`));
    }
  });
}

// ---- the run ------------------------------------------------------------------------------------
const fmt = (ms: number | undefined): string => (ms === undefined ? '-' : `${ms} ms`);
const pct = (sorted: number[], p: number): number | undefined =>
  sorted.length === 0
    ? undefined
    : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const started = performance.now();
process.stdout.write(
  `test:repeat: ${SESSIONS} sessions, ${CONCURRENCY} at a time, 2 fresh processes each, on ${LOOPBACK} (timeout ${TIMEOUT_MS / 1000} s per session)\n`,
);
const outcomes: Outcome[] = [];
let next = 1;
async function worker(): Promise<void> {
  while (next <= SESSIONS) {
    const id = next++;
    const outcome = await runSession(id);
    outcomes.push(outcome);
    const label = `session ${String(id).padStart(String(SESSIONS).length)}`;
    process.stdout.write(
      outcome.ok
        ? `${label} ok    connected ${fmt(outcome.connectedMs)} after spawn (ICE ${fmt(outcome.iceMs)} after checking), data done ${fmt(outcome.doneMs)}\n`
        : `${label} FAIL  ${outcome.reason}\n`,
    );
  }
}
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, SESSIONS) }, worker));

const wall = Math.round(performance.now() - started);
const failed = outcomes.filter((o) => !o.ok).sort((x, y) => x.id - y.id);
const summarize = (name: string, values: number[]) => {
  const s = [...values].sort((x, y) => x - y);
  return `${name}: min ${fmt(s[0])}, median ${fmt(pct(s, 50))}, p95 ${fmt(pct(s, 95))}, max ${fmt(s.at(-1))}`;
};
const ok = outcomes.filter((o) => o.ok);
process.stdout.write(
  [
    '',
    `test:repeat summary: ${ok.length}/${SESSIONS} sessions connected and exchanged ${COUNT} datagrams each way, in ${(wall / 1000).toFixed(1)} s`,
    `  ${summarize(
      'spawn → both connected',
      ok.flatMap((o) => (o.connectedMs === undefined ? [] : [o.connectedMs])),
    )}`,
    `  ${summarize(
      'checking → both connected (ICE)',
      ok.flatMap((o) => (o.iceMs === undefined ? [] : [o.iceMs])),
    )}`,
    `  ${summarize(
      'spawn → data done',
      ok.flatMap((o) => (o.doneMs === undefined ? [] : [o.doneMs])),
    )}`,
    '',
  ].join('\n'),
);
if (failed.length > 0) {
  for (const o of failed) {
    process.stderr.write(`\nFAILED session ${o.id}: ${o.reason}\n`);
    for (const role of ['controlling', 'controlled'] as const) {
      process.stderr.write(`  last output of the ${role} peer:\n`);
      for (const line of o.tails[role]) process.stderr.write(`    ${line}\n`);
    }
  }
  process.stderr.write(
    `\ntest:repeat: ${failed.length} of ${SESSIONS} sessions FAILED: ${failed.map((o) => o.id).join(', ')}\n`,
  );
  process.exit(1);
}
process.exit(0);
