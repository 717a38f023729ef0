/**
 * Real TCP ports for simultaneous-open ICE-TCP candidates (RFC 6544 §4.5):
 * the `reserveTcpPort` of a {@link Transport}. Node cannot hold a TCP port
 * bound without listening (and a listener on the port would stop connects
 * from it), so a port is checked free by a brief listen, then held in a table
 * of this process: {@link listenTcp} and other reservations skip it, and the
 * candidate's connections are opened from it (`net.connect` binds with
 * SO_REUSEADDR, so several connections share it). Another process could
 * still take it between the check and the first connect; the connect then
 * fails and is counted like a refused one.
 * @module
 */
import { createServer } from 'node:net';
import { Observable } from 'rxjs';
import { BindError, InvalidArgumentError } from '../errors.js';
import type { PortRange, TcpPortReservation } from './types.js';

/** `address|port` of every port reserved in this process. */
const reserved = new Set<string>();

/** Whether `port` on `address` is held by a reservation of this process. */
export function isReservedTcpPort(address: string, port: number): boolean {
  return reserved.has(`${address}|${port}`);
}

/**
 * Reserves a free TCP port on `address`: the first free one of `ports` not
 * already reserved, an OS-chosen one when omitted.
 */
export function reserveTcpPort(address: string, ports?: PortRange): Observable<TcpPortReservation> {
  return new Observable<TcpPortReservation>((subscriber) => {
    const min = ports?.min ?? 0;
    const max = ports?.max ?? 0;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max > 65535 || min > max) {
      subscriber.error(new InvalidArgumentError(`invalid port range ${String(min)}-${String(max)}`));
      return;
    }
    let cancelled = false;
    // OS-chosen ports may land on a reserved one: a few draws, then give up.
    let draws = 8;
    const attempt = (port: number): void => {
      if (port !== 0 && isReservedTcpPort(address, port)) {
        if (port < max) attempt(port + 1);
        else subscriber.error(new BindError(`no free TCP port on ${address} in ${min}-${max}`));
        return;
      }
      const probe = createServer();
      probe.once('error', (err: NodeJS.ErrnoException) => {
        probe.close();
        if (err.code === 'EADDRINUSE' && port !== 0 && port < max) attempt(port + 1);
        else
          subscriber.error(
            new BindError(`cannot reserve TCP ${address}:${port}: ${err.code ?? err.message}`),
          );
      });
      probe.listen({ host: address, port, exclusive: true }, () => {
        const bound = probe.address();
        const got = bound !== null && typeof bound !== 'string' ? bound.port : 0;
        probe.close(() => {
          if (cancelled) return;
          if (got === 0 || isReservedTcpPort(address, got)) {
            if (port === 0 && --draws > 0) attempt(0);
            else if (port !== 0 && port < max) attempt(port + 1);
            else subscriber.error(new BindError(`no free TCP port on ${address}`));
            return;
          }
          subscriber.next(
            hold(address, got, bound !== null && typeof bound !== 'string' && bound.family === 'IPv6'),
          );
          subscriber.complete();
        });
      });
    };
    attempt(min);
    return () => {
      cancelled = true;
    };
  });
}

function hold(address: string, port: number, ipv6: boolean): TcpPortReservation {
  const key = `${address}|${port}`;
  reserved.add(key);
  return {
    address,
    port,
    family: ipv6 ? 'IPv6' : 'IPv4',
    release: () => void reserved.delete(key),
  };
}
