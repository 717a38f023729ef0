import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { canonicalMdnsHostname, isMdnsHostname, randomMdnsHostname } from '../lib/mdns/names.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('mDNS names', () => {
  it('recognises single-label .local names as browsers write them', () => {
    expect(isMdnsHostname('1f4712db-ea17-4bcf-a596-105139dfd8bf.local')).toBe(true);
    expect(isMdnsHostname('Host-1.LOCAL.')).toBe(true);
    expect(isMdnsHostname('10.0.0.1')).toBe(false);
    expect(isMdnsHostname('a.b.local')).toBe(false);
    expect(isMdnsHostname('-bad.local')).toBe(false);
    expect(isMdnsHostname(`${'x'.repeat(64)}.local`)).toBe(false);
  });

  it('makes fresh UUID names and compares names case- and dot-insensitively', () => {
    const name = randomMdnsHostname();
    expect(isMdnsHostname(name)).toBe(true);
    expect(randomMdnsHostname()).not.toBe(name);
    expect(canonicalMdnsHostname('ABC.Local.')).toBe('abc.local');
  });
});

/**
 * A real multicast resolution needs a network where multicast stays inside:
 * a fresh network namespace with only a multicast-enabled loopback. Where the
 * kernel or our privileges refuse it, the test is skipped and says why.
 */
function namespaceRefusal(): string | undefined {
  const probe = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && ip link set lo multicast on'], {
    encoding: 'utf8',
  });
  if (probe.error) return `cannot run unshare: ${probe.error.message}`;
  if (probe.status !== 0)
    return `cannot create a network namespace with multicast loopback: ${probe.stderr.trim()}`;
  return undefined;
}
const refusal = namespaceRefusal();
if (refusal) console.warn(`SKIPPED real mDNS resolution: ${refusal}`);

describe('mDNS over real multicast, inside a throw-away network namespace', () => {
  it.skipIf(refusal !== undefined)(
    'publishes a name and resolves it with a one-shot query; a datagram that is no DNS is dropped and counted',
    () => {
      const name = randomMdnsHostname();
      const script = resolve(repo, 'spec/mdns/resolve-in-netns.ts');
      const tsx = resolve(repo, 'node_modules/.bin/tsx');
      const inner = `ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$0" "$@"`;
      const output = execFileSync('unshare', ['-n', 'sh', '-c', inner, process.execPath, tsx, script, name], {
        encoding: 'utf8',
        timeout: 110_000, // tsx compiles on start: tens of seconds on a loaded machine
      });
      expect(output.trim().split('\n')).toEqual(['127.0.0.1', 'dropped 1 1']);
    },
    120_000,
  );
});
