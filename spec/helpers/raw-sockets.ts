/**
 * Raw virtual sockets for tests that drive the virtual network without an
 * agent: bind synchronously, record what arrives as `address:port text`.
 */
import { map, type Observable } from 'rxjs';
import type { VirtualHost } from '../../lib/testing/index.js';
import type { InboundPacket, PacketSocket, PortRange } from '../../lib/transport/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Binds synchronously (the virtual network's `bind` emits at once); throws otherwise. */
export function bindNow(host: VirtualHost, address?: string, ports?: PortRange): PacketSocket {
  let socket: PacketSocket | undefined;
  host.bind(address ?? (host.addresses[0] as string), ports).subscribe((s) => {
    socket = s;
  });
  if (socket === undefined) throw new Error(`bind on ${host.name} did not emit synchronously`);
  return socket;
}

/** Binds exactly `port` on the host's first address. */
export function bindPort(host: VirtualHost, port: number): PacketSocket {
  return bindNow(host, undefined, { min: port, max: port });
}

/** Sends a text datagram. */
export function sendText(from: PacketSocket, text: string, to: { address: string; port: number }): void {
  from.send(encoder.encode(text), to.port, to.address);
}

/** `address:port text` of each datagram. */
export function asText(packets$: Observable<InboundPacket>): Observable<string> {
  return packets$.pipe(map((p) => `${p.address}:${p.port} ${decoder.decode(p.data)}`));
}

/** Collects `address:port text` of every datagram the socket receives. */
export function record(socket: PacketSocket): string[] {
  const seen: string[] = [];
  asText(socket.packets$).subscribe((line) => seen.push(line));
  return seen;
}
