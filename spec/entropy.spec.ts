/** The `entropy` option: every random byte of an agent comes from it. */
import { describe, expect, it } from 'vitest';
import { drawUint64, type Entropy, randomNumbers, transactionIds } from '../lib/entropy.js';
import { IceAgent, InvalidOptionError } from '../lib/index.js';
import { randomMdnsHostname } from '../lib/mdns/names.js';
import { FastScheduler, seededEntropy as seeded, VirtualNetwork } from '../lib/testing/index.js';

function agentWith(entropy: Entropy | undefined): IceAgent {
  const scheduler = new FastScheduler();
  const host = new VirtualNetwork({ scheduler }).createHost('a', { addresses: ['10.0.0.1'] });
  return new IceAgent({ role: 'controlling', scheduler, transport: host, entropy });
}

describe('entropy option', () => {
  it('draws the credentials from the given source: same seed, same credentials', () => {
    const a = agentWith(seeded(7));
    const b = agentWith(seeded(7));
    const c = agentWith(seeded(8));
    expect(a.getLocalCredentials()).toEqual(b.getLocalCredentials());
    expect(c.getLocalCredentials()).not.toEqual(a.getLocalCredentials());
    for (const agent of [a, b, c]) agent.stop();
  });

  it('defaults to the CSPRNG: two agents differ', () => {
    const a = agentWith(undefined);
    const b = agentWith(undefined);
    expect(a.getLocalCredentials()).not.toEqual(b.getLocalCredentials());
    a.stop();
    b.stop();
  });

  it('rejects a source that is not a function', () => {
    expect(() => agentWith('bytes' as unknown as Entropy)).toThrow(InvalidOptionError);
  });

  it('derives tie-breakers, jitter, transaction ids and mDNS names from the bytes drawn', () => {
    const ones: Entropy = (target) => target.fill(0xff);
    expect(drawUint64(ones)).toBe(2n ** 64n - 1n);
    expect(randomNumbers(ones)()).toBeCloseTo(1 - 2 ** -32, 12);
    const ids = transactionIds(seeded(3));
    const first = ids();
    expect(first).toHaveLength(12);
    expect(ids()).not.toEqual(first);
    expect(transactionIds(seeded(3))()).toEqual(first);
    expect(randomMdnsHostname(ones)).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff.local');
  });
});
