import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import { InvalidArgumentError } from '../lib/errors.js';
import { classifyPacket, type PacketKind } from '../lib/stun/raw.js';

const KINDS: readonly PacketKind[] = ['stun', 'zrtp', 'dtls', 'turn-channel', 'rtp', 'other'];

/**
 * Lets through only datagrams of the given kinds, classified by their first
 * byte per RFC 7983 (the agent's own demultiplexer, `classifyPacket`): `stun`
 * 0–3, `zrtp` 16–19, `dtls` 20–63, `turn-channel` 64–79, `rtp` (RTP and RTCP)
 * 128–191, `other` for the rest and for empty datagrams.
 *
 * ```
 * data$:               -d-r-x-|   d: [22, …] DTLS, r: [128, …] RTP, x: [100] other
 * packetKind('dtls')   -d-----|
 * ```
 *
 * @example
 * ```ts
 * import { packetKind } from 'rx-ice/operators';
 *
 * // Feed a DTLS stack only what is DTLS.
 * agent.data$.pipe(packetKind('dtls')).subscribe((record) => dtls.handle(record));
 * ```
 *
 * @param kinds one or more {@link PacketKind}s to keep
 * @throws InvalidArgumentError when no kind, or an unknown one, is given
 */
export function packetKind<T extends Uint8Array>(
  ...kinds: readonly PacketKind[]
): MonoTypeOperatorFunction<T> {
  if (kinds.length === 0) throw new InvalidArgumentError('packetKind() needs at least one kind');
  for (const kind of kinds) {
    if (!KINDS.includes(kind)) {
      throw new InvalidArgumentError(`packet kind "${String(kind)}" is not one of ${KINDS.join(', ')}`);
    }
  }
  const wanted = new Set<string>(kinds);
  return filter((data) => wanted.has(classifyPacket(data)));
}
