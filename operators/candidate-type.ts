import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { Candidate, CandidateType } from '../lib/candidate-types.js';
import { InvalidArgumentError } from '../lib/errors.js';

const CANDIDATE_TYPES: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay'];

/**
 * Lets through only candidates of the given types (RFC 8445 §5.1.1): `host`,
 * `srflx` (server-reflexive), `prflx` (peer-reflexive) or `relay`.
 *
 * ```
 * candidates$:                   -h-s-r-p-|
 * candidateType('host', 'relay') -h---r---|
 * ```
 *
 * @example
 * ```ts
 * import { candidateType } from 'rx-ice/operators';
 *
 * // Signal host and relayed candidates, never the server-reflexive ones.
 * agent.candidates$.pipe(candidateType('host', 'relay')).subscribe(sendToPeer);
 * ```
 *
 * @param types one or more candidate types to keep
 * @throws InvalidArgumentError when no type, or an unknown one, is given
 */
export function candidateType<T extends Candidate>(
  ...types: readonly CandidateType[]
): MonoTypeOperatorFunction<T> {
  if (types.length === 0) throw new InvalidArgumentError('candidateType() needs at least one type');
  for (const type of types) {
    if (!CANDIDATE_TYPES.includes(type)) {
      throw new InvalidArgumentError(
        `candidate type "${String(type)}" is not one of ${CANDIDATE_TYPES.join(', ')}`,
      );
    }
  }
  const wanted = new Set<string>(types);
  return filter((candidate) => wanted.has(candidate.type));
}
