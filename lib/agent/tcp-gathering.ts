/**
 * ICE-TCP host candidates (RFC 6544): per host address, an active candidate
 * (connects on its first check, signals port 9), a passive one (listens on a
 * port of the `ports` range) and a simultaneous-open one (connects from a
 * port of the range it reserves, to the peer's `so` port), each as a
 * {@link TcpPacketSocket} the agent reads and sends through like a UDP socket.
 * @internal
 * @module
 */
import { catchError, EMPTY, from, map, merge, mergeMap, type Observable, of } from 'rxjs';
import { computeFoundation, localPreference } from '../candidate.js';
import type { Candidate } from '../candidate-types.js';
import { type CandidatePair, checkedPairOf } from '../core/pair.js';
import { tcpCandidatePriority, tcpOtherPreference } from '../core/tcp-pairing.js';
import { TcpPacketSocket, type TcpSocketOptions } from '../transport/tcp-packet-socket.js';
import { createTcpSocketCounters, type TcpSocketCounters } from '../transport/tcp-socket-limits.js';
import type { HostAddress, PacketSocket, PortRange, Transport } from '../transport/types.js';

/** A TCP candidate's socket and the index of its interface (for the local preference). */
export interface TcpHostSocket {
  readonly socket: TcpPacketSocket;
  readonly index: number;
}

/**
 * The TCP sockets of `addresses`: the active ones at once, the passive ones
 * once listening, the simultaneous-open ones once their port is reserved
 * (none when the transport cannot reserve ports or `options` has no
 * `simultaneousOpen` pacing), each bounded by `options`. A listen or
 * reservation that fails calls `failed` and is skipped.
 */
export function openTcpSockets(
  transport: Transport,
  addresses: readonly HostAddress[],
  ports: PortRange | undefined,
  options: TcpSocketOptions,
  failed: () => void,
): Observable<TcpHostSocket> {
  const { listenTcp, connectTcp, reserveTcpPort } = transport;
  if (listenTcp === undefined || connectTcp === undefined) return EMPTY;
  const pacing = options.simultaneousOpen;
  const skip = (): Observable<never> => {
    failed();
    return EMPTY;
  };
  return from(addresses).pipe(
    mergeMap((host, index) => {
      const active = TcpPacketSocket.active(
        host.address,
        (address, port) => connectTcp.call(transport, host.address, address, port),
        options,
      );
      const passive = listenTcp.call(transport, host.address, ports).pipe(
        map((listener) => ({ socket: TcpPacketSocket.passive(listener, options), index })),
        catchError(skip),
      );
      const so =
        reserveTcpPort === undefined || pacing === undefined
          ? EMPTY
          : reserveTcpPort.call(transport, host.address, ports).pipe(
              map((reservation) => {
                const connect = (address: string, port: number) =>
                  connectTcp.call(transport, host.address, address, port, reservation.port);
                const socket = TcpPacketSocket.simultaneousOpen(reservation, connect, {
                  ...options,
                  simultaneousOpen: pacing,
                });
                return { socket, index };
              }),
              catchError(skip),
            );
      return merge(of({ socket: active, index }), passive, so);
    }),
  );
}

/** The host candidate of a TCP socket (RFC 6544 §4.5 tcptype, §4.2 priority). */
export function tcpHostCandidate(socket: TcpPacketSocket, interfaceIndex: number): Candidate {
  const other = tcpOtherPreference(localPreference(socket.address, Math.min(interfaceIndex, 16383)));
  return {
    foundation: computeFoundation('host', socket.address, 'tcp'),
    component: 1,
    transport: 'tcp',
    priority: tcpCandidatePriority('host', socket.tcpType, other, 1),
    address: socket.address,
    port: socket.port,
    type: 'host',
    tcpType: socket.tcpType,
    extensions: [],
  };
}

/** A restart checks afresh: active TCP candidates may open connections again where one was lost. */
export function forgetLostTcpPaths(sockets: Iterable<{ readonly socket: PacketSocket }>): void {
  for (const { socket } of sockets) if (socket instanceof TcpPacketSocket) socket.forgetLostPaths();
}

/** TCP counters summed over the TCP candidates among `sockets` (all zero without any). */
export function sumTcpCounters(sockets: Iterable<{ readonly socket: PacketSocket }>): TcpSocketCounters {
  const sum = createTcpSocketCounters();
  for (const { socket } of sockets) {
    if (!(socket instanceof TcpPacketSocket)) continue;
    for (const k of Object.keys(sum) as (keyof TcpSocketCounters)[]) sum[k] += socket.counters[k];
  }
  return sum;
}

/**
 * Checking concluded on `selected`: closes the TCP connections of the pairs
 * that lost (RFC 6544 §7.1), keeping those of `keep` (the selected pair and
 * any pair that may yet carry data) and of the pairs whose checks produced them.
 */
export function closeLosingTcpPaths(
  sockets: Iterable<{ readonly id: number; readonly socket: PacketSocket }>,
  keep: readonly CandidatePair[],
): void {
  const kept = new Set<string>();
  for (const pair of keep) {
    for (const p of [pair, checkedPairOf(pair)])
      kept.add(`${p.local.socketId}|${p.remote.address}|${p.remote.port}`);
  }
  for (const { id, socket } of sockets) {
    if (socket instanceof TcpPacketSocket)
      socket.pruneConnections((address, port) => kept.has(`${id}|${address}|${port}`));
  }
}

/** The TCP counters of the socket `socketId` among `sockets`, when it is a TCP candidate's. */
export function tcpCountersOf(
  sockets: ReadonlyMap<number, { readonly socket: PacketSocket }>,
  socketId: number,
): TcpSocketCounters | undefined {
  const socket = sockets.get(socketId)?.socket;
  return socket instanceof TcpPacketSocket ? socket.counters : undefined;
}
