import { createSocket } from 'node:dgram';
import type { NetworkInterfaceInfo } from 'node:os';
import { networkInterfaces } from 'node:os';
import { filter, firstValueFrom, lastValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BindError, InvalidArgumentError, InvalidOptionError } from '../lib/errors.js';
import type { PacketSocket } from '../lib/transport/types.js';
import { UdpTransport } from '../lib/transport/udp.js';

/** Whether this machine can bind a UDP socket on `address` (no traffic sent). */
async function canBind(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(0, address, () => {
      socket.close();
      resolve(true);
    });
  });
}

const hasIPv6Loopback = await canBind('::1');

/** Link-local IPv6 address of a real interface, if any (bound only, never sent to). */
const linkLocal = Object.entries(networkInterfaces())
  .flatMap(([iface, infos]) => (infos ?? []).map((info) => ({ iface, info })))
  .find(({ info }) => info.family === 'IPv6' && !info.internal && /^fe80:/i.test(info.address));

/** A TEST-NET address that is not configured on this machine, so bind() fails with EADDRNOTAVAIL. */
const localAddresses = new Set(
  Object.values(networkInterfaces()).flatMap((infos) => (infos ?? []).map((i) => i.address)),
);
const foreignAddress = ['192.0.2.1', '198.51.100.1', '203.0.113.1'].find((a) => !localAddresses.has(a));

const transport = new UdpTransport();
const opened: PacketSocket[] = [];

async function bind(address: string, ports?: { min: number; max: number }, t = transport) {
  const socket = await firstValueFrom(t.bind(address, ports));
  opened.push(socket);
  return socket;
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b)) === 0;
}

afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

describe('UdpTransport.hostAddresses', () => {
  it('lists every IPv4 and IPv6 address of the injected interfaces', () => {
    const info = (address: string, family: 'IPv4' | 'IPv6', internal: boolean, scopeid?: number) =>
      ({ address, family, internal, netmask: '', mac: '', cidr: null, scopeid }) as NetworkInterfaceInfo;
    const t = new UdpTransport({
      networkInterfaces: () => ({
        lo: [info('127.0.0.1', 'IPv4', true), info('::1', 'IPv6', true, 0)],
        eth0: [info('10.1.2.3', 'IPv4', false), info('fe80::1', 'IPv6', false, 2)],
        empty: undefined,
      }),
    });
    expect(t.hostAddresses()).toEqual([
      { address: '127.0.0.1', family: 'IPv4', iface: 'lo', internal: true },
      { address: '::1', family: 'IPv6', iface: 'lo', internal: true },
      { address: '10.1.2.3', family: 'IPv4', iface: 'eth0', internal: false },
      { address: 'fe80::1', family: 'IPv6', iface: 'eth0', internal: false },
    ]);
  });

  it('defaults to os.networkInterfaces()', () => {
    expect(new UdpTransport().hostAddresses()).toContainEqual({
      address: '127.0.0.1',
      family: 'IPv4',
      iface: expect.any(String),
      internal: true,
    });
  });

  it('rejects bad options', () => {
    expect(() => new UdpTransport({ socketBufferSize: -1 })).toThrow(InvalidOptionError);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong type
    expect(() => new UdpTransport({ random: 3 as any })).toThrow(InvalidOptionError);
  });
});

describe('UdpTransport.bind', () => {
  it('binds 127.0.0.1 on an OS-chosen port', async () => {
    const s = await bind('127.0.0.1');
    expect(s.address).toBe('127.0.0.1');
    expect(s.family).toBe('IPv4');
    expect(s.port).toBeGreaterThan(0);
    expect(s.sendErrors).toBe(0);
  });

  it('binds within a port range, walking past ports in use', async () => {
    const busy = await bind('127.0.0.1');
    const up = busy.port < 65535;
    const ports = up ? { min: busy.port, max: busy.port + 1 } : { min: busy.port - 1, max: busy.port };
    // Start the walk on the busy port: EADDRINUSE moves on to the other one.
    const t = new UdpTransport({ random: () => (up ? 0 : 0.99) });
    const s = await bind('127.0.0.1', ports, t);
    expect(s.port).toBe(up ? busy.port + 1 : busy.port - 1);
  });

  it('starts the walk at a random offset of the range', async () => {
    const probe = await bind('127.0.0.1');
    const min = probe.port > 65000 ? probe.port - 500 : probe.port;
    probe.close();
    const s = await bind('127.0.0.1', { min, max: min + 499 }, new UdpTransport({ random: () => 0.5 }));
    expect(s.port).toBeGreaterThanOrEqual(min);
    expect(s.port).toBeLessThanOrEqual(min + 499);
  });

  it('errors with BindError when a one-port range is occupied', async () => {
    const busy = await bind('127.0.0.1');
    const err = await firstValueFrom(transport.bind('127.0.0.1', { min: busy.port, max: busy.port })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(BindError);
    expect(err).toMatchObject({ code: 'BIND_FAILED', cause: { code: 'EADDRINUSE' } });
    expect((err as Error).message).toContain(`127.0.0.1 (ports ${busy.port}-${busy.port})`);
    expect((err as Error).message).toContain('EADDRINUSE');
  });

  it.skipIf(foreignAddress === undefined)(
    'errors with BindError for an address that is not on this machine (no traffic sent)',
    async () => {
      const address = foreignAddress as string;
      const err = await firstValueFrom(transport.bind(address)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BindError);
      expect(err).toMatchObject({ code: 'BIND_FAILED', cause: { code: 'EADDRNOTAVAIL' } });
      expect((err as Error).message).toContain(address);
      expect((err as Error).message).toContain('EADDRNOTAVAIL');
    },
  );

  it('errors with InvalidArgumentError for a malformed address or range', async () => {
    await expect(firstValueFrom(transport.bind('not-an-ip'))).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(firstValueFrom(transport.bind('127.0.0.1%lo'))).rejects.toBeInstanceOf(InvalidArgumentError);
    for (const ports of [
      { min: 0, max: 10 },
      { min: 20, max: 10 },
      { min: 1, max: 70000 },
      { min: 1.5, max: 2 },
    ]) {
      await expect(firstValueFrom(transport.bind('127.0.0.1', ports))).rejects.toBeInstanceOf(
        InvalidArgumentError,
      );
    }
  });

  it('closes the socket when unsubscribed before the bind completes', async () => {
    const probe = await bind('127.0.0.1');
    const port = probe.port;
    probe.close();
    let emitted = false;
    const sub = transport.bind('127.0.0.1', { min: port, max: port }).subscribe(() => {
      emitted = true;
    });
    sub.unsubscribe();
    // The abandoned socket never holds the port: binding it again works.
    const s = await bind('127.0.0.1', { min: port, max: port });
    expect(s.port).toBe(port);
    expect(emitted).toBe(false);
  });

  it('adds the zone of the interface holding a link-local IPv6 address', async () => {
    const t = new UdpTransport({
      networkInterfaces: () => ({
        nosuch0: [
          {
            address: 'fe80::dead:beef',
            family: 'IPv6',
            internal: false,
            netmask: '',
            mac: '',
            cidr: null,
            scopeid: 99,
          },
        ],
      }),
    });
    // nosuch0 does not exist, so the OS refuses; the message shows the zone was passed through.
    const err = await firstValueFrom(t.bind('fe80::dead:beef')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BindError);
    expect((err as Error).message).toContain('fe80::dead:beef%nosuch0');
  });

  it.skipIf(linkLocal === undefined)(
    'binds a real link-local IPv6 address (bind only, no traffic)',
    async () => {
      const { info } = linkLocal as { info: NetworkInterfaceInfo };
      const s = await bind(info.address);
      expect(s.family).toBe('IPv6');
      expect(s.port).toBeGreaterThan(0);
    },
  );
});

describe('UdpPacketSocket', () => {
  it('exchanges datagrams both ways over 127.0.0.1 with the same bytes', async () => {
    const a = await bind('127.0.0.1');
    const b = await bind('127.0.0.1', { min: 1024, max: 65535 });
    const atB = firstValueFrom(b.packets$);
    const atA = firstValueFrom(a.packets$);
    const ping = bytes(0, 1, 2, 3, 255, 128);
    a.send(ping, b.port, '127.0.0.1');
    const got = await atB;
    expect(got.address).toBe('127.0.0.1');
    expect(got.port).toBe(a.port);
    expect(sameBytes(got.data, ping)).toBe(true);

    const pong = new Uint8Array(1200).map((_, i) => i * 7);
    b.send(pong, got.port, got.address);
    const back = await atA;
    expect(back).toMatchObject({ address: '127.0.0.1', port: b.port });
    expect(sameBytes(back.data, pong)).toBe(true);
    expect(a.sendErrors + b.sendErrors).toBe(0);
  });

  it('sends a subarray view without its neighbours', async () => {
    const a = await bind('127.0.0.1');
    const b = await bind('127.0.0.1');
    const atB = firstValueFrom(b.packets$);
    const backing = bytes(9, 9, 1, 2, 3, 9);
    a.send(backing.subarray(2, 5), b.port, b.address);
    expect(sameBytes((await atB).data, bytes(1, 2, 3))).toBe(true);
  });

  it('delivers many datagrams through one shared packets$ stream', async () => {
    const a = await bind('127.0.0.1');
    const b = await bind('127.0.0.1');
    const all = firstValueFrom(b.packets$.pipe(take(50), toArray()));
    for (let i = 0; i < 50; i++) a.send(bytes(i), b.port, b.address);
    const got = await all;
    expect(got.map((p) => p.data[0]).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });

  it('close completes packets$, is idempotent, and later sends are counted', async () => {
    const s = await bind('127.0.0.1');
    const done = lastValueFrom(s.packets$, { defaultValue: 'completed' });
    s.close();
    expect(await done).toBe('completed');
    expect(() => s.close()).not.toThrow();
    s.send(bytes(1), 9, '127.0.0.1');
    s.send(bytes(1), 9, '127.0.0.1');
    expect(s.sendErrors).toBe(2);
  });

  it('counts send errors instead of throwing', async () => {
    const a = await bind('127.0.0.1');
    const b = await bind('127.0.0.1');
    expect(() => a.send(bytes(1), 0, '127.0.0.1')).not.toThrow(); // bad port: synchronous
    expect(a.sendErrors).toBe(1);
    a.send(new Uint8Array(70_000), b.port, '127.0.0.1'); // EMSGSIZE, reported asynchronously
    a.send(bytes(1), b.port, '::1'); // wrong family for a udp4 socket
    // The EMSGSIZE callback comes on a later turn of the event loop: wait for it (however loaded the
    // machine is), then check that nothing else was counted.
    while (a.sendErrors < 3) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    expect(a.sendErrors).toBe(3);
    // The socket still works.
    const atB = firstValueFrom(b.packets$.pipe(filter((p) => p.data.byteLength === 2)));
    a.send(bytes(4, 2), b.port, '127.0.0.1');
    expect(sameBytes((await atB).data, bytes(4, 2))).toBe(true);
  });

  it.skipIf(!hasIPv6Loopback)(
    'exchanges datagrams over ::1 (skipped when the machine has no IPv6 loopback)',
    async () => {
      const a = await bind('::1');
      const b = await bind('::1');
      expect(a.family).toBe('IPv6');
      const atB = firstValueFrom(b.packets$);
      const atA = firstValueFrom(a.packets$);
      a.send(bytes(6, 6), b.port, '::1');
      const got = await atB;
      expect(got).toMatchObject({ address: '::1', port: a.port });
      expect(sameBytes(got.data, bytes(6, 6))).toBe(true);
      b.send(bytes(7), a.port, '::1');
      expect(sameBytes((await atA).data, bytes(7))).toBe(true);
    },
  );
});
