/**
 * rx-ice peer for the ICE interop harness (`../shared/interop/PROTOCOL.md`).
 *
 * The whole peer is a handful of RxJS pipelines over the agent's public API:
 *
 * - **signaling in**: `stdinLines$` → parsed signals → `setRemoteCredentials`, then (held back
 *   until the credentials are set, order kept) `addRemoteCandidate` / `endOfCandidates`;
 * - **signaling out**: `candidates$` → `candidate` lines, `gatheringState$` 'complete' →
 *   `end-of-candidates`;
 * - **reports**: `connectionState$` → `state` lines, `selectedPair$` → `selected` lines;
 * - **data test** on `data$`: the controlling side pings 1..N once connected and re-sends the
 *   missing ones on an `interval(500)` until every pong is in; the controlled side answers
 *   every ping and counts the distinct ones. Anything else is reported as `rx-other` (≤ 5);
 * - **shutdown**: stdin EOF, SIGTERM or SIGINT → `agent.stop()` and exit.
 *
 * ICE-lite (RFC 8445 §2.5): `--lite` builds a lite agent (`lite: true`, controlled, host
 * candidates only) and announces `"lite": true` in the credentials line. A full peer whose
 * remote announces `"lite": true` passes `{ iceLite: true }` to `setRemoteCredentials`: it
 * controls (even if `--role` said controlled) and pings. A lite peer told that its remote is
 * lite too reports `error` (two lite agents cannot connect).
 *
 * ICE-TCP (RFC 6544): `--tcp` builds the agent with `tcp: 'only'`: one active (port 9), one
 * passive and one simultaneous-open (`so`) TCP host candidate on the host address, RFC 4571
 * framing on the connections; remote UDP
 * candidates are skipped (and logged), `--stun`/`--turn` are ignored (TCP host candidates only).
 *
 * Exit codes: 3 = mode unsupported (`--tcp` with `--lite`: rx-ice's lite agent has no ICE-TCP;
 * before the credentials line, the reason on stderr), 2 = usage error (`--lite` with
 * `--role controlling` or `--relay-only`, `--tcp` with `--relay-only`).
 *
 * stdout carries protocol lines only; logs go to stderr. Usage (see PROTOCOL.md):
 * `tsx examples/interop-peer.ts --role controlling|controlled [--stun H:P]
 *  [--turn H:P --turn-user U --turn-pass P] [--relay-only] [--lite] [--tcp] [--count N]
 *  [--host-ip ADDR]`
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { IceAgent, IceError, serializeCandidate } from 'rx-ice';
import {
  count,
  delayWhen,
  distinct,
  distinctUntilChanged,
  filter,
  fromEvent,
  ignoreElements,
  interval,
  map,
  merge,
  mergeMap,
  Observable,
  scan,
  share,
  shareReplay,
  startWith,
  switchMap,
  take,
  takeUntil,
  tap,
  withLatestFrom,
} from 'rxjs';

type Line = Record<string, unknown> & { type: string };
type Signal =
  | { type: 'credentials'; ufrag: string; pwd: string; lite?: unknown }
  | { type: 'candidate'; candidate: string }
  | { type: 'end-of-candidates' };

const out = (line: Line): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const log = (message: string): void => void process.stderr.write(`[rx-ice peer] ${message}\n`);
function fatal(message: string, code = 1): never {
  out({ type: 'error', message });
  process.exit(code);
}
/** PROTOCOL.md: a mode this peer cannot do exits 3 before the credentials line, the reason on stderr. */
function unsupported(reason: string): never {
  log(`unsupported: ${reason}`);
  process.exit(3);
}

// ---- command line -------------------------------------------------------------------------------
const { values: opt } = parseArgs({
  strict: false, // unknown flags are peer-specific (PROTOCOL.md): ignore them
  options: {
    role: { type: 'string' },
    stun: { type: 'string' },
    turn: { type: 'string' },
    'turn-user': { type: 'string' },
    'turn-pass': { type: 'string' },
    'relay-only': { type: 'boolean' },
    lite: { type: 'boolean' },
    tcp: { type: 'boolean' },
    count: { type: 'string' },
    'host-ip': { type: 'string' },
  },
});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const role = str(opt.role);
if (role !== 'controlling' && role !== 'controlled') fatal(`--role must be controlling|controlled`, 2);
const N = Number(str(opt.count) ?? 20);
if (!Number.isInteger(N) || N < 1) fatal(`bad --count ${String(opt.count)}`, 2);
const hostIp = str(opt['host-ip']) ?? process.env.ICE_HOST_IP ?? '127.0.0.1';
const relayOnly = opt['relay-only'] === true;
const lite = opt.lite === true;
const tcp = opt.tcp === true;
if (lite && role !== 'controlled')
  fatal('--lite needs --role controlled: an ICE-lite agent is always controlled (RFC 8445 §6.1.1)', 2);
if (lite && relayOnly)
  fatal('--lite cannot be combined with --relay-only: a lite agent has host candidates only', 2);
if (tcp && relayOnly)
  fatal('--tcp cannot be combined with --relay-only: ICE-TCP here is host candidates only', 2);
/** `HOST:PORT` → URI host:port, bracketing a bare IPv6 host. */
const uriHostPort = (hp: string): string => {
  const i = hp.lastIndexOf(':');
  const host = hp.slice(0, i);
  return host.includes(':') && !host.startsWith('[') ? `[${host}]${hp.slice(i)}` : hp;
};
const [stun, turn] = [str(opt.stun), str(opt.turn)];
const iceServers: { urls: string; username?: string; credential?: string }[] = [];
if (lite && (stun || turn)) log('--lite: ignoring --stun/--turn (a lite agent gathers host candidates only)');
if (tcp && (stun || turn)) log('--tcp: ignoring --stun/--turn (TCP host candidates only)');
const hostOnly = lite || tcp;
if (stun && !hostOnly) iceServers.push({ urls: `stun:${uriHostPort(stun)}` });
if (turn && !hostOnly) {
  const [username, credential] = [str(opt['turn-user']) ?? '', str(opt['turn-pass']) ?? ''];
  iceServers.push({ urls: `turn:${uriHostPort(turn)}?transport=udp`, username, credential });
}

// ---- the agent ----------------------------------------------------------------------------------
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
out({ type: 'hello', impl: 'rx-ice', version, data: true });
if (tcp && lite) unsupported('--tcp with --lite: the rx-ice ICE-lite agent has no ICE-TCP (RFC 6544)');

let agent: IceAgent;
try {
  agent = new IceAgent({
    role,
    lite,
    ipFilter: (address) => address === hostIp,
    iceServers,
    iceTransportPolicy: relayOnly ? 'relay' : 'all',
    mdns: 'off', // the harness forbids multicast; .local candidates are skipped (and logged) below
    tcp: tcp ? 'only' : false,
  });
} catch (err) {
  fatal(`cannot create the agent: ${String(err)}`);
}
const { ufrag, pwd } = agent.getLocalCredentials(); // PROTOCOL.md's credentials message has no `answers`
out({ type: 'credentials', ufrag, pwd, ...(lite ? { lite: true } : {}) });
/** The role the agent has now: a full peer facing a lite remote becomes controlling. It decides who pings. */
let currentRole: 'controlling' | 'controlled' = role;

const send = (text: string): void => {
  try {
    agent.send(new TextEncoder().encode(text));
  } catch (err) {
    log(`send '${text}' failed: ${String(err)}`);
  }
};

// ---- signaling in: stdin → agent ----------------------------------------------------------------
const stdinLines$ = new Observable<string>((subscriber) => {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => subscriber.next(line));
  rl.on('close', () => subscriber.complete());
  return () => rl.close();
});

const parseSignal = (line: string): Signal | undefined => {
  try {
    const m = JSON.parse(line);
    if (m?.type === 'credentials' && typeof m.ufrag === 'string' && typeof m.pwd === 'string') return m;
    if (m?.type === 'candidate' && typeof m.candidate === 'string') return m;
    if (m?.type === 'end-of-candidates') return m;
  } catch {}
  if (line.trim()) log(`ignoring input line: ${line}`);
  return undefined;
};

const signals$ = stdinLines$.pipe(
  map(parseSignal),
  filter((s): s is Signal => s !== undefined),
  share(),
);
const remoteCredentials$ = signals$.pipe(
  filter((s): s is Extract<Signal, { type: 'credentials' }> => s.type === 'credentials'),
  take(1),
  tap(({ ufrag, pwd, lite: remoteLite }) => {
    const iceLite = remoteLite === true;
    if (iceLite) {
      log(
        lite
          ? 'remote is ICE-lite too: two lite agents cannot connect'
          : currentRole === 'controlled'
            ? 'remote is ICE-lite: taking the controlling role (RFC 8445 §6.1.1), although --role said controlled'
            : 'remote is ICE-lite; we are the controlling full agent',
      );
    }
    try {
      agent.setRemoteCredentials(ufrag, pwd, iceLite ? { iceLite } : undefined);
    } catch (err) {
      if (!(err instanceof IceError)) throw err;
      fatal(`remote credentials refused (${err.code}): ${err.message}`);
    }
  }),
  shareReplay(1),
);
const addRemoteCandidate = (candidate: string): void => {
  const line = candidate.replace(/^a=/, '');
  const fields = line.split(/\s+/);
  if (fields[4]?.toLowerCase().endsWith('.local')) {
    log(`skipping mDNS candidate (not resolvable in the harness): ${line}`);
    return;
  }
  if (tcp && fields[2]?.toLowerCase() !== 'tcp') {
    log(`--tcp: skipping non-TCP candidate: ${line}`);
    return;
  }
  try {
    agent.addRemoteCandidate(line);
  } catch (err) {
    if (!(err instanceof IceError)) throw err;
    log(`remote candidate rejected (${err.code}): ${err.message}: ${line}`);
  }
};
const applyRemoteSignals$ = merge(
  remoteCredentials$,
  signals$.pipe(
    filter((s) => s.type !== 'credentials'),
    delayWhen(() => remoteCredentials$), // buffer until credentials are set, keeping the order
    tap((s) => (s.type === 'candidate' ? addRemoteCandidate(s.candidate) : agent.endOfCandidates())),
  ),
).pipe(ignoreElements());

// ---- signaling out and reports: agent → stdout ---------------------------------------------------
const toLine = serializeCandidate;
const candidateLines$ = agent.candidates$.pipe(
  filter((c) => {
    if (relayOnly && c.type !== 'relay') log(`relay-only: not signaling ${c.type} candidate`);
    return !relayOnly || c.type === 'relay';
  }),
  map((c): Line => ({ type: 'candidate', candidate: toLine(c) })),
);
const endOfCandidates$ = agent.gatheringState$.pipe(
  filter((s) => s === 'complete'),
  take(1),
  map((): Line => ({ type: 'end-of-candidates' })),
);
const connectionState$ = agent.connectionState$.pipe(
  distinctUntilChanged(),
  tap((state) => log(`connection state ${state}`)),
  share(),
);
const stateLines$ = connectionState$.pipe(
  filter((s) => s === 'checking' || s === 'connected' || s === 'completed' || s === 'failed'),
  map((state): Line => ({ type: 'state', state })),
);
const roleChanges$ = agent.role$.pipe(
  tap((r) => {
    if (r !== currentRole) log(`role ${currentRole} → ${r}`);
    currentRole = r;
  }),
  ignoreElements(),
);
const selectedLines$ = agent.selectedPair$.pipe(
  map(({ local, remote }): Line => ({ type: 'selected', local: toLine(local), remote: toLine(remote) })),
);

// ---- data test (the controlling side pings: the role the agent has, not only --role) ---------
const datagrams$ = agent.data$.pipe(
  map((bytes) => {
    const want = currentRole === 'controlling' ? 'pong' : 'ping';
    const m = /^(ping|pong) (\d+)$/.exec(Buffer.from(bytes).toString('latin1'));
    const n = Number(m?.[2]);
    return { bytes, n: m?.[1] === want && n >= 1 && n <= N ? n : undefined };
  }),
  share(),
);
const expected$ = datagrams$.pipe(
  map(({ n }) => n),
  filter((n): n is number => n !== undefined),
  share(),
);
const rxOtherLines$ = datagrams$.pipe(
  filter(({ n }) => n === undefined),
  take(5),
  map(
    ({ bytes }): Line => ({
      type: 'rx-other',
      len: bytes.length,
      head: Buffer.from(bytes.subarray(0, 16)).toString('hex'),
    }),
  ),
);
/** Distinct expected messages, each reported once as a `data` line; replays the set so far. */
const received$ = expected$.pipe(
  distinct(),
  tap((n) => out({ type: 'data', n })),
  scan((got, n) => new Set(got).add(n), new Set<number>()),
  startWith(new Set<number>()),
  shareReplay(1),
);
const doneLine$ = received$.pipe(
  filter((got) => got.size === N),
  take(1),
  map((got): Line => ({ type: 'done', sent: N, received: got.size })),
);

const connected$ = connectionState$.pipe(
  filter((s) => s === 'connected' || s === 'completed'),
  take(1),
);
const dataTest$ = merge(
  // controlling, once connected: ping 1..N now and every 500 ms whatever is still missing, until all pongs are in
  connected$.pipe(
    filter(() => currentRole === 'controlling'),
    switchMap(() => interval(500).pipe(startWith(-1))),
    withLatestFrom(received$),
    mergeMap(([, got]) => Array.from({ length: N }, (_, i) => i + 1).filter((i) => !got.has(i))),
    tap((i) => send(`ping ${i}`)),
    takeUntil(doneLine$),
  ),
  // controlled: answer every ping, duplicates and after `done` included
  expected$.pipe(
    filter(() => currentRole === 'controlled'),
    tap((i) => send(`pong ${i}`)),
  ),
).pipe(ignoreElements());

// ---- wiring -------------------------------------------------------------------------------------
const shutdown$ = merge(
  signals$.pipe(
    count(),
    map(() => 'stdin closed'),
  ),
  fromEvent(process, 'SIGTERM').pipe(map(() => 'SIGTERM')),
  fromEvent(process, 'SIGINT').pipe(map(() => 'SIGINT')),
).pipe(take(1));

const protocolLines$ = merge(
  roleChanges$,
  candidateLines$,
  endOfCandidates$,
  stateLines$,
  selectedLines$,
  rxOtherLines$,
  doneLine$,
  applyRemoteSignals$,
  dataTest$,
);

const session = protocolLines$.subscribe({
  next: out,
  error: (err: unknown) =>
    fatal(`agent pipeline failed: ${err instanceof Error ? err.message : String(err)}`),
});
shutdown$.subscribe((reason) => {
  log(`${reason}, exiting`);
  session.unsubscribe();
  try {
    agent.stop();
  } catch (err) {
    log(`agent.stop() threw: ${String(err)}`);
  }
  process.exit(0);
});
process.on('uncaughtException', (err) => fatal(`uncaught: ${err.stack ?? err.message}`));

agent.gatherCandidates();
