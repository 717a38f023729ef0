import type { Observable } from 'rxjs';
import type { PacketKind } from '../lib/stun/raw.js';
import { packetKind } from './packet-kind.js';

/** The streams of {@link partitionPackets}, one per RFC 7983 range. */
export interface PartitionedPackets<T extends Uint8Array = Uint8Array> {
  /** First byte 0–3: STUN (a consent check or a STUN message the app multiplexes). */
  readonly stun$: Observable<T>;
  /** First byte 16–19: ZRTP. */
  readonly zrtp$: Observable<T>;
  /** First byte 20–63: DTLS records (DTLS-SRTP handshakes, data channels). */
  readonly dtls$: Observable<T>;
  /** First byte 64–79: TURN ChannelData. */
  readonly turnChannel$: Observable<T>;
  /** First byte 128–191: RTP and RTCP (SRTP/SRTCP). */
  readonly rtp$: Observable<T>;
  /** Anything else, and empty datagrams. */
  readonly other$: Observable<T>;
}

const STREAMS: ReadonlyArray<readonly [keyof PartitionedPackets, PacketKind]> = [
  ['stun$', 'stun'],
  ['zrtp$', 'zrtp'],
  ['dtls$', 'dtls'],
  ['turnChannel$', 'turn-channel'],
  ['rtp$', 'rtp'],
  ['other$', 'other'],
];

/**
 * Splits a datagram stream into one Observable per RFC 7983 range, like
 * RxJS `partition` with six outcomes: each stream is `data$` filtered with
 * {@link packetKind}, so each subscribes to `data$` on its own (share `data$`
 * first if it is cold; the agent's `data$` is hot). Every datagram lands in
 * exactly one stream.
 *
 * ```
 * data$:     -d-r-x-|
 * dtls$:     -d-----|
 * rtp$:      ---r---|
 * other$:    -----x-|
 * ```
 *
 * @example
 * ```ts
 * import { partitionPackets } from 'rx-ice/operators';
 *
 * const { dtls$, rtp$ } = partitionPackets(agent.data$);
 * dtls$.subscribe((record) => dtls.handle(record));
 * rtp$.subscribe((packet) => srtp.unprotect(packet));
 * ```
 *
 * @param data$ datagrams, typically `agent.data$`
 */
export function partitionPackets<T extends Uint8Array>(data$: Observable<T>): PartitionedPackets<T> {
  const streams: Partial<Record<keyof PartitionedPackets, Observable<T>>> = {};
  for (const [name, kind] of STREAMS) streams[name] = data$.pipe(packetKind<T>(kind));
  return streams as PartitionedPackets<T>;
}
