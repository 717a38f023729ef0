/**
 * Interop suite runner: drives rx-ice against itself, aioice and libnice through the shared ICE
 * harness (`../shared/interop`, see its README.md and PROTOCOL.md), one `drive.mjs` run at a time.
 *
 *   npm run test:interop [-- options]
 *   tsx spec/interop/run.ts [--only SUBSTR]... [--repeat N] [--peers rx-ice|aioice]
 *                           [--count N] [--timeout S] [--no-netns] [--verbose] [--list]
 *
 * - `--only SUBSTR`: run the cases whose name contains SUBSTR (repeatable: any of them).
 * - `--repeat N` (env `INTEROP_REPEAT`, default 3): runs per case.
 * - `--peers aioice`: sanity mode, aioice against itself (checks the harness and this runner
 *   without rx-ice). Default `--peers rx-ice`: the real suite.
 * - TURN cases (`turn-relay-only`) run by default, against the harness's coturn (`--only turn`
 *   selects them alone).
 * - ICE-lite cases (`host+lite-b`, `--only lite`): the driver's `--lite-b` makes B a lite agent
 *   (`--lite`, announced with `"lite": true`) and A the full, controlling side: rx-ice (lite)
 *   against rx-ice, aioice and libnice (full), and libnice (lite) against rx-ice (full).
 * - ICE-TCP cases (`tcp`, `--only tcp`): the driver's `--tcp` gives both peers `--tcp` (RFC 6544
 *   TCP host candidates only, RFC 4571 framing): rx-ice against itself and libnice, in both
 *   roles (aioice has no ICE-TCP: it would exit 3).
 * - `--no-netns`: pass `--no-netns` to the driver (machines where `unshare -n` is not allowed).
 *
 * Every driver JSON line is printed as-is, then a summary table. Exit status 1 when any run
 * failed or no case was selected, 2 on a usage error. Env `INTEROP_HARNESS` overrides the harness
 * folder (default: `<repo>/../shared/interop`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HARNESS = resolve(process.env.INTEROP_HARNESS ?? resolve(REPO, '../shared/interop'));
const DRIVER = resolve(HARNESS, 'drive.mjs');

const sh = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** Peer commands. The driver runs them with the harness folder as cwd, so every path is absolute. */
const PEERS = {
  'rx-ice': [
    process.execPath,
    resolve(REPO, 'node_modules/.bin/tsx'),
    '--tsconfig',
    resolve(REPO, 'tsconfig.json'),
    resolve(REPO, 'examples/interop-peer.ts'),
  ]
    .map(sh)
    .join(' '),
  aioice: ['/usr/bin/python3', resolve(HARNESS, 'peers/aioice_peer.py')].map(sh).join(' '),
  // Compiles peers/libnice_peer.c on first use (into $INTEROP_BUILD_DIR, default under $TMPDIR).
  libnice: ['bash', resolve(HARNESS, 'peers/libnice.sh')].map(sh).join(' '),
} as const;
type PeerName = keyof typeof PEERS;

interface Case {
  /** `<A>/<B> <mode>`; A is controlling, B controlled. */
  readonly name: string;
  readonly a: PeerName;
  readonly b: PeerName;
  /** Extra driver flags (`--turn`, `--relay-only`, ...). */
  readonly flags?: readonly string[];
}

const TURN_RELAY_ONLY = ['--turn', '--relay-only'] as const;
/** B is an ICE-lite agent (RFC 8445 §2.5), A the full side that controls. */
const LITE_B = ['--lite-b'] as const;
/** ICE-TCP (RFC 6544): both peers gather and signal TCP host candidates only. */
const TCP = ['--tcp'] as const;

/** The suite. Add a row to add a case. */
const CASES: readonly Case[] = [
  { name: 'rx-ice/rx-ice host', a: 'rx-ice', b: 'rx-ice' },
  { name: 'rx-ice/aioice host', a: 'rx-ice', b: 'aioice' },
  { name: 'aioice/rx-ice host', a: 'aioice', b: 'rx-ice' },
  { name: 'rx-ice/aioice turn-relay-only', a: 'rx-ice', b: 'aioice', flags: TURN_RELAY_ONLY },
  { name: 'aioice/rx-ice turn-relay-only', a: 'aioice', b: 'rx-ice', flags: TURN_RELAY_ONLY },
  { name: 'rx-ice/rx-ice turn-relay-only', a: 'rx-ice', b: 'rx-ice', flags: TURN_RELAY_ONLY },
  // --stun: server-reflexive gathering through the driver's coturn (on loopback, mapped == host).
  { name: 'rx-ice/aioice stun', a: 'rx-ice', b: 'aioice', flags: ['--stun'] },
  { name: 'aioice/rx-ice stun', a: 'aioice', b: 'rx-ice', flags: ['--stun'] },
  // ICE-lite (issue #12): rx-ice as the lite side against three full agents, and as the full side
  // against libnice's lite agent (aioice has no lite mode: it would exit 3).
  { name: 'rx-ice/rx-ice host+lite-b', a: 'rx-ice', b: 'rx-ice', flags: LITE_B },
  { name: 'aioice/rx-ice host+lite-b', a: 'aioice', b: 'rx-ice', flags: LITE_B },
  { name: 'libnice/rx-ice host+lite-b', a: 'libnice', b: 'rx-ice', flags: LITE_B },
  { name: 'rx-ice/libnice host+lite-b', a: 'rx-ice', b: 'libnice', flags: LITE_B },
  // ICE-TCP (issue #15): active/passive TCP host candidates, RFC 4571 framing, both roles against
  // libnice (the reference ICE-TCP stack here) and against rx-ice itself.
  { name: 'rx-ice/rx-ice tcp', a: 'rx-ice', b: 'rx-ice', flags: TCP },
  { name: 'rx-ice/libnice tcp', a: 'rx-ice', b: 'libnice', flags: TCP },
  { name: 'libnice/rx-ice tcp', a: 'libnice', b: 'rx-ice', flags: TCP },
];

/** Sanity mode (`--peers aioice`): the harness and this runner, without rx-ice. */
const SANITY_CASES: readonly Case[] = [
  { name: 'aioice/aioice host', a: 'aioice', b: 'aioice' },
  { name: 'aioice/aioice turn-relay-only', a: 'aioice', b: 'aioice', flags: TURN_RELAY_ONLY },
];

interface DriverResult {
  ok?: boolean;
  ms_ice_a?: number | null;
  ms_ice_b?: number | null;
  ms_total?: number | null;
  error?: string | null;
  /** Present on failure: both peers' summaries, with their last stderr lines. */
  detail?: Partial<Record<'a' | 'b', { stderr_tail?: string[] }>>;
}
interface Row {
  readonly name: string;
  readonly run: string;
  readonly ok: 'ok' | 'FAIL';
  readonly result?: DriverResult;
}

function usage(message: string): never {
  process.stderr.write(`run.ts: ${message}\n`);
  process.exit(2);
}

function options() {
  try {
    const { values } = parseArgs({
      options: {
        only: { type: 'string', multiple: true },
        repeat: { type: 'string' },
        peers: { type: 'string', default: 'rx-ice' },
        count: { type: 'string', default: '20' },
        timeout: { type: 'string', default: '30' },
        'no-netns': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        list: { type: 'boolean', default: false },
      },
    });
    return values;
  } catch (err) {
    return usage(err instanceof Error ? err.message : String(err));
  }
}

/** Runs the driver once; resolves with its JSON line (printed as-is) or a synthetic failure. */
function drive(c: Case, args: readonly string[], timeoutS: number): Promise<DriverResult> {
  const argv = [DRIVER, '--a', PEERS[c.a], '--b', PEERS[c.b], ...(c.flags ?? []), ...args];
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    // The driver enforces --timeout itself; this only guards against a hung driver.
    const guard = setTimeout(() => child.kill('SIGTERM'), (timeoutS + 30) * 1000);
    child.on('error', (err) => done({ ok: false, error: `cannot spawn the driver: ${err.message}` }));
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      let result: DriverResult | undefined;
      for (const line of stdout.split('\n').filter((l) => l.trim())) {
        process.stdout.write(`${line}\n`);
        try {
          result = JSON.parse(line) as DriverResult;
        } catch {}
      }
      if (!result) result = { ok: false, error: `driver printed no JSON result (exit ${code ?? signal})` };
      // ok only when the driver both says so and exits 0
      if (code !== 0 && result.ok)
        result = { ...result, ok: false, error: `driver exited ${code ?? signal}` };
      done(result);
    });
  });
}

function table(rows: readonly Row[]): string {
  const head = ['case', 'run', 'ok', 'ms_ice_a', 'ms_ice_b', 'ms_total'];
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(v));
  const body = rows.map((r) => [
    r.name,
    r.run,
    r.ok,
    cell(r.result?.ms_ice_a),
    cell(r.result?.ms_ice_b),
    cell(r.result?.ms_total),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const fmt = (cols: readonly string[]) =>
    `| ${cols.map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i < 3 ? `${'-'.repeat(w + 1)}-` : `-${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [fmt(head), rule, ...body.map(fmt)].join('\n');
}

async function main(): Promise<number> {
  const opt = options();
  const repeat = Number(opt.repeat ?? process.env.INTEROP_REPEAT ?? 3);
  const timeoutS = Number(opt.timeout);
  if (!Number.isInteger(repeat) || repeat < 1) usage(`bad --repeat / INTEROP_REPEAT: ${opt.repeat}`);
  if (!(timeoutS > 0)) usage(`bad --timeout ${opt.timeout}`);
  if (opt.peers !== 'rx-ice' && opt.peers !== 'aioice') usage(`--peers must be rx-ice or aioice`);

  const all = opt.peers === 'aioice' ? SANITY_CASES : CASES;
  const only = opt.only ?? [];
  const cases = all.filter((c) => only.length === 0 || only.some((s) => c.name.includes(s)));
  if (opt.list) {
    for (const c of all) process.stdout.write(`${c.name}\n`);
    return 0;
  }
  if (cases.length === 0) {
    process.stderr.write(
      `run.ts: no case matches --only ${only.join(', ')}; cases: ${all.map((c) => c.name).join(', ')}\n`,
    );
    return 1;
  }
  if (!existsSync(DRIVER)) {
    process.stderr.write(`run.ts: interop harness not found: ${DRIVER} (set INTEROP_HARNESS)\n`);
    return 1;
  }
  const args = ['--count', String(opt.count), '--timeout', String(timeoutS)];
  if (opt['no-netns']) args.push('--no-netns');
  if (opt.verbose) args.push('--verbose');

  const log = (s: string) => process.stderr.write(`[interop ${new Date().toISOString()}] ${s}\n`);
  const rows: Row[] = [];
  for (const c of cases) {
    for (let run = 1; run <= repeat; run++) {
      log(
        `${c.name} run ${run}/${repeat}: node drive.mjs --a ${c.a} --b ${c.b} ${[...(c.flags ?? []), ...args].join(' ')}`,
      );
      const result = await drive(c, args, timeoutS);
      const ok = result.ok === true;
      rows.push({ name: c.name, run: `${run}/${repeat}`, ok: ok ? 'ok' : 'FAIL', result });
      if (!ok) log(`${c.name} run ${run}/${repeat} FAILED: ${result.error ?? 'unknown error'}`);
    }
  }

  const failed = rows.filter((r) => r.ok === 'FAIL');
  const runs = rows.length;
  process.stdout.write(`\n${table(rows)}\n\n`);
  for (const r of failed) {
    process.stdout.write(`FAIL ${r.name} run ${r.run}: ${r.result?.error ?? 'unknown error'}\n`);
    for (const side of ['a', 'b'] as const) {
      for (const line of r.result?.detail?.[side]?.stderr_tail?.slice(-5) ?? []) {
        process.stdout.write(`  ${side.toUpperCase()} stderr: ${line}\n`);
      }
    }
  }
  process.stdout.write(`interop: ${runs - failed.length}/${runs} runs passed, ${failed.length} failed\n`);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
