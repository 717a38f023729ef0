import { type GroupedObservable, groupBy, type OperatorFunction } from 'rxjs';
import { classifyPacket, type PacketKind } from '../lib/stun/raw.js';

/**
 * Splits a datagram stream per RFC 7983 into one `GroupedObservable` per
 * {@link PacketKind} (`key`), created when the first datagram of that kind
 * arrives: RxJS `groupBy` keyed by the agent's own first-byte classifier
 * (`classifyPacket`). Use it when the kinds are not known up front; for a
 * fixed set, {@link partitionPackets} or {@link packetKind} read better.
 *
 * ```
 * data$:     -d-r-d-|
 * demux()    -D-R---|    D: group 'dtls' (d--d), R: group 'rtp' (r)
 * ```
 *
 * @example
 * ```ts
 * import { mergeMap } from 'rxjs';
 * import { demux } from 'rx-ice/operators';
 *
 * agent.data$
 *   .pipe(demux(), mergeMap((group$) => group$.pipe(map((bytes) => [group$.key, bytes.length] as const))))
 *   .subscribe(([kind, size]) => console.log(kind, size));
 * ```
 */
export function demux<T extends Uint8Array>(): OperatorFunction<T, GroupedObservable<PacketKind, T>> {
  return groupBy((data: T) => classifyPacket(data));
}
