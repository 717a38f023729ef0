/**
 * Connections to TURN servers over TCP (`node:net`) or TLS (`node:tls`), for
 * `turn:…?transport=tcp` and `turns:` URLs: the `connectServerStream` of the
 * real transports. TLS is done here, so the agent (and a recording of it)
 * sees the plain bytes. No Node timers: how long to wait for the server is
 * the TURN transactions' business, timed on the agent's scheduler.
 * @module
 */
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { Observable } from 'rxjs';
import { settleConnection } from './tcp.js';
import type { ServerStreamTarget, TcpConnection } from './types.js';

/**
 * Opens the connection; emits it once established (after the TLS handshake
 * for `tls`) and completes. Errors with an `Error` whose message is the OS or
 * TLS error code (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`), or its
 * message when it has none. Unsubscribing before then aborts it.
 */
export function connectServerStream(target: ServerStreamTarget): Observable<TcpConnection> {
  return new Observable<TcpConnection>((subscriber) => {
    const base = { host: target.address, port: target.port, localAddress: target.localAddress };
    let socket: Socket;
    let ready: 'connect' | 'secureConnect';
    if (target.tls) {
      const { servername, ca, rejectUnauthorized } = target.tls;
      const options: ConnectionOptions = { ...base, rejectUnauthorized: rejectUnauthorized ?? true };
      if (ca !== undefined) options.ca = ca as ConnectionOptions['ca'];
      if (servername !== undefined) options.servername = servername;
      socket = tlsConnect(options);
      ready = 'secureConnect';
    } else {
      socket = netConnect(base);
      ready = 'connect';
    }
    socket.setNoDelay(true);
    return settleConnection(socket, ready, subscriber, (why) => new Error(why));
  });
}
