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
