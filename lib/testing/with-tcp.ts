/**
 * A virtual host's transport with the virtual network's TCP added, and
 * optionally its UDP blocked.
 * @module
 */
import { Observable } from 'rxjs';
import type { PacketSocket, Transport } from '../transport/types.js';
import type { VirtualTcpNetwork } from './virtual-tcp.js';

/** Options of {@link withTcp}. */
export interface WithTcpOptions {
  /** Drop every UDP datagram the host sends (a network that blocks UDP). Default false. */
  readonly blockUdp?: boolean;
}

/**
 * A virtual host's transport with TCP from `tcp` added; with `blockUdp`, its
 * UDP sockets bind but every datagram they send is dropped (counted in the
 * socket's `sendErrors`), as on a network that only lets TCP out.
 */
export function withTcp(host: Transport, tcp: VirtualTcpNetwork, options: WithTcpOptions = {}): Transport {
  const blockUdp = options.blockUdp === true;
  return {
    hostAddresses: () => host.hostAddresses(),
    bind: (address, ports) =>
      blockUdp
        ? new Observable<PacketSocket>((subscriber) =>
            host.bind(address, ports).subscribe({
              next: (socket) => subscriber.next(blockedUdp(socket)),
              error: (e: unknown) => subscriber.error(e),
              complete: () => subscriber.complete(),
            }),
          )
        : host.bind(address, ports),
    listenTcp: (address, ports) => tcp.listen(address, ports),
    connectTcp: (local, address, port, localPort) => tcp.connect(local, address, port, localPort),
    reserveTcpPort: (address, ports) => tcp.reserve(address, ports),
  };
}

function blockedUdp(socket: PacketSocket): PacketSocket {
  let dropped = 0;
  return {
    address: socket.address,
    port: socket.port,
    family: socket.family,
    packets$: socket.packets$,
    send: () => {
      dropped++;
    },
    get sendErrors() {
      return socket.sendErrors + dropped;
    },
    close: () => socket.close(),
  };
}
