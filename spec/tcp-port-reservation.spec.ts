/**
 * Real TCP ports reserved for simultaneous-open candidates (127.0.0.1 only):
 * held within the process (listeners and other reservations skip them),
 * given back on release, and shared by connections to different peers.
 */
import { firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BindError } from '../lib/errors.js';
import { connectTcp, listenTcp, reserveTcpPort } from '../lib/transport/tcp.js';

const LO = '127.0.0.1';

describe('reserveTcpPort (node:net)', () => {
  it('holds the port against listeners and other reservations until released', async () => {
    const reservation = await firstValueFrom(reserveTcpPort(LO));
    const only = { min: reservation.port, max: reservation.port };
    await expect(firstValueFrom(listenTcp(LO, only))).rejects.toBeInstanceOf(BindError);
    await expect(firstValueFrom(reserveTcpPort(LO, only))).rejects.toBeInstanceOf(BindError);
    reservation.release();
    const listener = await firstValueFrom(listenTcp(LO, only));
    expect(listener.port).toBe(reservation.port);
    listener.close();
  });

  it('connections to two peers share the reserved port (SO_REUSEADDR)', async () => {
    const reservation = await firstValueFrom(reserveTcpPort(LO));
    const peers = [await firstValueFrom(listenTcp(LO)), await firstValueFrom(listenTcp(LO))];
    try {
      const connections = await Promise.all(
        peers.map((p) => firstValueFrom(connectTcp(LO, LO, p.port, reservation.port))),
      );
      expect(connections.map((c) => c.localPort)).toEqual([reservation.port, reservation.port]);
      expect(connections.map((c) => c.remotePort)).toEqual(peers.map((p) => p.port));
      for (const c of connections) c.close();
    } finally {
      for (const p of peers) p.close();
      reservation.release();
    }
  });

  it('rejects a bad range with a typed error', async () => {
    await expect(firstValueFrom(reserveTcpPort(LO, { min: 10, max: 5 }))).rejects.toThrow(
      /invalid port range/,
    );
  });
});
