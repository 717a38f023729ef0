/**
 * Where an agent's randomness comes from: one function filling bytes (option
 * `entropy`), from which the credentials, the tie-breaker, the transaction
 * ids, the mDNS names and the consent jitter are all drawn. The default is
 * the system's CSPRNG; `recordSession` wraps it to log every draw, and a
 * replay feeds the logged draws back.
 * @module
 */
import { randomFillSync } from 'node:crypto';
import { InvalidOptionError } from './errors.js';
import { newTransactionId } from './stun/build.js';

/** Fills `target` entirely with random bytes. Must be unpredictable in production (a CSPRNG). */
export type Entropy = (target: Uint8Array) => void;

/** The default {@link Entropy}: Node's CSPRNG (`crypto.randomFillSync`). */
export const cryptoEntropy: Entropy = (target) => {
  randomFillSync(target);
};

/** Draws `length` fresh bytes from `entropy`. */
export function drawBytes(entropy: Entropy, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  entropy(bytes);
  return bytes;
}

/** 64 random bits, big-endian, as an unsigned bigint (the ICE tie-breaker). */
export function drawUint64(entropy: Entropy): bigint {
  const bytes = drawBytes(entropy, 8);
  return new DataView(bytes.buffer).getBigUint64(0);
}

/** Uniform numbers in [0, 1) from 32 random bits each, like `Math.random`. */
export function randomNumbers(entropy: Entropy): () => number {
  return () => new DataView(drawBytes(entropy, 4).buffer).getUint32(0) / 2 ** 32;
}

/** Transaction ids drawn per refill: one draw per 256 ids instead of one each. */
const ID_POOL_SIZE = 12 * 256;

/**
 * A source of fresh 12-byte STUN transaction ids drawn from `entropy`, 256
 * ids per draw (each id is a copy, zeroed in the pool once handed out).
 */
export function transactionIds(entropy: Entropy): () => Uint8Array {
  let pool = Buffer.alloc(0);
  let at = 0;
  return () => {
    if (at + 12 > pool.length) {
      pool = Buffer.alloc(ID_POOL_SIZE);
      entropy(pool);
      at = 0;
    }
    const id = Buffer.from(pool.subarray(at, at + 12));
    pool.fill(0, at, at + 12);
    at += 12;
    return id;
  };
}

/** The randomness of one agent, resolved from its options. */
export interface ResolvedEntropy {
  /** Where every random byte of the agent comes from. */
  readonly entropy: Entropy;
  /** The agent's transaction ids. */
  readonly newTransactionId: () => Uint8Array;
  /** The consent jitter's numbers in [0, 1]. */
  readonly random: () => number;
}

/**
 * Resolves the options `entropy` and `random`: without `entropy`, the CSPRNG
 * (transaction ids from the process-wide pool) and `Math.random` for the
 * jitter, as before; with it, everything is drawn from it, the jitter too
 * unless `random` is given.
 * @throws InvalidOptionError when `entropy` is not a function
 */
export function resolveEntropy(entropy: unknown, random: (() => number) | undefined): ResolvedEntropy {
  if (entropy === undefined) {
    return { entropy: cryptoEntropy, newTransactionId: newTransactionId, random: random ?? Math.random };
  }
  if (typeof entropy !== 'function') {
    throw new InvalidOptionError('entropy must be a function filling a Uint8Array with random bytes');
  }
  const source = entropy as Entropy;
  return {
    entropy: source,
    newTransactionId: transactionIds(source),
    random: random ?? randomNumbers(source),
  };
}
