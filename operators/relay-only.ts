import type { MonoTypeOperatorFunction } from 'rxjs';
import type { Candidate } from '../lib/candidate-types.js';
import { candidateType } from './candidate-type.js';

/**
 * Lets through only relayed (`relay`, TURN) candidates: the operator form of
 * `iceTransportPolicy: 'relay'`, for apps that must never reveal a host or
 * server-reflexive address to the peer. Same as `candidateType('relay')`.
 *
 * ```
 * candidates$:  -h-s-r-|
 * relayOnly()   -----r-|
 * ```
 *
 * @example
 * ```ts
 * import { relayOnly } from 'rx-ice/operators';
 *
 * agent.candidates$.pipe(relayOnly()).subscribe(sendToPeer);
 * ```
 */
export function relayOnly<T extends Candidate>(): MonoTypeOperatorFunction<T> {
  return candidateType<T>('relay');
}
