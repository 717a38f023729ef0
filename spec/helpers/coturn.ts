/**
 * A throw-away coturn for tests, through the interop harness's turn.sh
 * (loopback only), plus a TLS front for `turns:` tests and a clock that runs
 * faster than real time for TURN's minutes-long timers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { asyncScheduler, type SchedulerAction, type SchedulerLike } from 'rxjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The harness script that starts and stops coturn. */
export const TURN_SH = resolve(process.env.INTEROP_HARNESS ?? resolve(REPO, '../shared/interop'), 'turn.sh'); // INTEROP_HARNESS: the same override .ci/run and the interop runner honour

/** Whether `turnserver` (coturn) is installed and the harness script is present. */
export function coturnAvailable(): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v turnserver'], { stdio: 'ignore' }).status === 0 && existsSync(TURN_SH)
  );
}

/** What `turn.sh start` printed. */
export interface Coturn {
  readonly port: number;
  readonly pid: string;
  readonly user: string;
  readonly pass: string;
  readonly realm: string;
  readonly log: string;
}

/**
 * Starts coturn on 127.0.0.1 with verbose session logging. turn.sh (shared harness, not ours) gives
 * turnserver about 5 s to open its UDP listener and otherwise kills it and fails; on a loaded
 * machine a start can take longer (seen under two busy loops), so a failed start is tried again,
 * on a fresh port, up to three times in all.
 */
export function startCoturn(): Coturn {
  let out = '';
  for (let attempt = 1; ; attempt++) {
    try {
      out = execFileSync(TURN_SH, ['start'], {
        encoding: 'utf8',
        env: { ...process.env, TURN_VERBOSE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      const why = String((err as { stderr?: unknown }).stderr ?? err).trim();
      console.warn(`coturn start ${attempt} of 3 failed, trying again: ${why}`);
    }
  }
  const env = Object.fromEntries(
    out
      .split('\n')
      .map((line) => /^(TURN_[A-Z]+)=(.*)$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  return {
    port: Number(env.TURN_PORT),
    pid: String(env.TURN_PID),
    user: String(env.TURN_USER),
    pass: String(env.TURN_PASS),
    realm: String(env.TURN_REALM),
    log: String(env.TURN_LOG),
  };
}

export function stopCoturn(turn: Coturn | undefined): void {
  if (turn) execFileSync(TURN_SH, ['stop', turn.pid], { stdio: 'ignore' });
}

/** coturn's log so far. */
export function coturnLog(turn: Coturn): string {
  return existsSync(turn.log) ? readFileSync(turn.log, 'utf8') : '';
}

/**
 * A TLS server on 127.0.0.1 (certificate for `localhost`, made with openssl)
 * that forwards every connection to coturn's TCP listener: `turns:` without
 * reconfiguring coturn. Undefined when openssl is missing.
 */
export async function startTlsFront(
  turnPort: number,
): Promise<{ port: number; ca: string; close: () => void } | undefined> {
  if (spawnSync('sh', ['-c', 'command -v openssl'], { stdio: 'ignore' }).status !== 0) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'rx-ice-tls-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', key, '-out', cert],
      ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
    ],
    { stdio: 'ignore', timeout: 20_000 },
  );
  const pem = { key: readFileSync(key), cert: readFileSync(cert) };
  rmSync(dir, { recursive: true, force: true });
  const server: Server = createTlsServer(pem, (client) => {
    const upstream = connect(turnPort, '127.0.0.1');
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { port, ca: pem.cert.toString(), close: () => server.close() };
}

/**
 * A scheduler whose clock runs `factor` times faster than real time, so a
 * 600 s TURN allocation lifetime passes in seconds. Only for code that
 * schedules plain (non-recursive) actions, as lib/turn does.
 */
export function warpScheduler(factor: number): SchedulerLike {
  const start = performance.now();
  const epoch = Date.now();
  return {
    now: () => epoch + (performance.now() - start) * factor,
    schedule<T>(work: (this: SchedulerAction<T>, state?: T) => void, delay = 0, state?: T) {
      return asyncScheduler.schedule(work, delay / factor, state);
    },
  };
}
