/**
 * Real TCP simultaneous open (ICE-TCP `so` candidates, RFC 6544) inside a
 * throw-away network namespace. On plain loopback the kernel answers a SYN
 * to a port nobody has opened with an RST within microseconds, so two SYNs
 * almost never cross; in the namespace an nftables rule drops outbound RSTs,
 * so a connect stays pending (SYN-SENT) as behind a NAT that drops
 * unsolicited SYNs, until the peer's SYN crosses it. Where the namespace or
 * nftables is missing (`.ci/run` installs nftables), the test is skipped and
 * says why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DROP_RST =
  'nft add table inet so && nft add chain inet so out "{ type filter hook output priority 0; }" && nft add rule inet so out tcp flags rst drop';

function namespaceRefusal(): string | undefined {
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && ${DROP_RST}`], {
    encoding: 'utf8',
  });
  if (probe.error) return `cannot run unshare: ${probe.error.message}`;
  if (probe.status !== 0) return `cannot make a namespace that drops RSTs: ${probe.stderr.trim()}`;
  return undefined;
}
const refusal = namespaceRefusal();
/** In CI (`.ci/run` installs nftables) a missing namespace fails the tests; elsewhere it skips them. */
const skip = refusal !== undefined && process.env.CI !== 'true';
if (skip) console.warn(`SKIPPED real TCP simultaneous open: ${refusal}`);

/** Runs spec/tcp-so/so-in-netns.ts in a fresh namespace (`setup` first) and parses its JSON line. */
function runInNamespace(setup: string, wait: number): Record<string, Record<string, unknown>> {
  const script = resolve(repo, 'spec/tcp-so/so-in-netns.ts');
  const tsx = resolve(repo, 'node_modules/.bin/tsx');
  const inner = `ip link set lo up && ${setup} && exec "$0" "$@"`;
  const output = execFileSync(
    'unshare',
    ['-n', 'sh', '-c', inner, process.execPath, tsx, script, String(wait)],
    { encoding: 'utf8', timeout: 110_000 }, // tsx compiles on start: tens of seconds on a loaded machine
  );
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
}

describe('real TCP simultaneous open, inside a throw-away network namespace', () => {
  it.skipIf(skip)(
    'with RSTs dropped, crossing SYNs make one connection, and two agents connect so↔so over it',
    () => {
      if (refusal !== undefined) throw new Error(`CI must run this test: ${refusal}`);
      const out = runInNamespace(DROP_RST, 20_000);
      expect(out.error).toBeUndefined();
      expect(out.transport).toEqual({ aLocal: true, aRemote: true, byte: 42 });
      expect(out.agents).toMatchObject({ local: 'so', remote: 'so', inOrder: true, connections: 1 });
      console.log(`real so↔so agents connected in ${String(out.agents?.ms)} ms`);
    },
    120_000,
  );

  it.skipIf(skip)(
    'on plain loopback the first of two connects between reserved ports is refused at once',
    () => {
      if (refusal !== undefined) throw new Error(`CI must run this test: ${refusal}`);
      const out = runInNamespace('true', 0);
      expect(out.error).toBeUndefined();
      // A's SYN meets no socket and is reset; B's SYN, 200 ms later, meets A's closed port.
      expect(out.transport).toEqual({ refused: ['ECONNREFUSED', 'ECONNREFUSED'] });
    },
    120_000,
  );
});
