/**
 * Small seeded pseudo-random number generator for deterministic tests.
 * Not cryptographically secure.
 */

/**
 * mulberry32: a fast 32-bit-state PRNG. The same seed always yields the same
 * sequence.
 *
 * @param seed - Any number; it is reduced to an unsigned 32-bit integer.
 * @returns A function returning uniform numbers in [0, 1).
 *
 * @example
 * ```ts
 * const random = mulberry32(42);
 * random(); // same value on every run
 * ```
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seeded `entropy` option for agents in tests and simulations: the same seed
 * gives the same credentials, transaction ids and mDNS names on every run, so
 * a replay of a failing seed shows the very ufrags of the failure. Bytes from
 * {@link mulberry32}: never for production (an attacker who guesses the seed
 * guesses the password).
 *
 * @param seed - Any number; it is reduced to an unsigned 32-bit integer.
 *
 * @example
 * ```ts
 * const agent = new IceAgent({ role: 'controlling', transport, scheduler, entropy: seededEntropy(7) });
 * ```
 */
export function seededEntropy(seed: number): (target: Uint8Array) => void {
  const random = mulberry32(seed);
  return (target) => {
    for (let i = 0; i < target.length; i++) target[i] = Math.floor(random() * 256);
  };
}
