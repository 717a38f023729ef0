/**
 * The `tcpLimits` agent option: validated (typed InvalidOptionError naming
 * the field), defaults unchanged, and the values reach the TCP candidates
 * (virtual time, a stranger connecting to an agent's passive candidate).
 */
import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { IceAgent } from '../lib/agent.js';
import { InvalidOptionError } from '../lib/errors.js';
import { resolveTcpLimits } from '../lib/tcp-options.js';
import { VirtualNetwork } from '../lib/testing/virtual-network.js';
import { VirtualTcpNetwork, withTcp } from '../lib/testing/virtual-tcp.js';
import type { TcpConnection } from '../lib/transport/types.js';

describe('tcpLimits validation', () => {
  it('defaults to 10 s / 16 KiB before authentication, 100 connections, 256 KiB buffered', () => {
    expect(resolveTcpLimits(undefined)).toEqual({
      socket: { maxBufferedBytes: 262_144, maxPendingFrames: 16, maxConnections: 100 },
      preAuthTimeout: 10_000,
      preAuthMaxBytes: 16_384,
    });
    expect(resolveTcpLimits({ maxConnections: 7 }).socket.maxConnections).toBe(7);
  });

  it.each([
    ['a number', 5, /tcpLimits must be an object/],
    ['an array', [], /tcpLimits must be an object/],
    ['an unknown key', { maxConnection: 5 }, /tcpLimits.maxConnection is not a TCP limit/],
    [
      'a fraction',
      { preAuthTimeout: 1500.5 },
      /tcpLimits.preAuthTimeout must be an integer from 1000 to 600000/,
    ],
    ['too short a timeout', { preAuthTimeout: 999 }, /preAuthTimeout/],
    [
      'zero connections',
      { maxConnections: 0 },
      /tcpLimits.maxConnections must be an integer from 1 to 10000/,
    ],
    ['a buffer below one framed datagram', { maxBufferedBytes: 65_535 }, /maxBufferedBytes/],
    ['a string', { preAuthMaxBytes: '4096' }, /preAuthMaxBytes .* got 4096/],
  ])('rejects %s', (_name, value, message) => {
    expect(() => resolveTcpLimits(value)).toThrow(InvalidOptionError);
    expect(() => resolveTcpLimits(value)).toThrow(message);
    expect(() => new IceAgent({ role: 'controlled', tcp: true, tcpLimits: value as never })).toThrow(message);
  });
});

describe('tcpLimits reach the TCP candidates', () => {
  it('maxConnections, preAuthTimeout and preAuthMaxBytes bound a stranger’s connections to the passive candidate', () => {
    const scheduler = new VirtualTimeScheduler();
    const net = new VirtualNetwork({ scheduler, latency: 10 });
    const tcpNet = new VirtualTcpNetwork({ scheduler, latency: 10 });
    const host = withTcp(net.createHost('b', { addresses: ['10.0.0.2'] }), tcpNet, { blockUdp: true });
    const b = new IceAgent({
      role: 'controlled',
      transport: host,
      scheduler,
      tcp: 'only',
      interfacePollInterval: 0,
      tcpLimits: { maxConnections: 5, preAuthTimeout: 2000, preAuthMaxBytes: 512 },
    });
    b.gatherCandidates();
    scheduler.flush();
    const passive = b.getStats().localCandidates.find((c) => c.tcpType === 'passive');
    const opened: TcpConnection[] = [];
    for (let i = 0; i < 8; i++) {
      tcpNet.connect('10.0.0.9', '10.0.0.2', passive?.port ?? 0).subscribe((c) => {
        c.data$.subscribe();
        opened.push(c);
      });
    }
    let at1900: ReturnType<IceAgent['getStats']>['tcp'] | undefined;
    scheduler.schedule(() => {
      // One of the five held connections sends 600 bytes of garbage: over the 512-byte budget.
      opened[0]?.write(new Uint8Array(600).fill(0xaa));
    }, 100);
    scheduler.schedule(() => {
      at1900 = b.getStats().tcp;
    }, 1900);
    let at2100: ReturnType<IceAgent['getStats']>['tcp'] | undefined;
    scheduler.schedule(() => {
      at2100 = b.getStats().tcp;
      b.stop();
    }, 2100);
    scheduler.flush();
    expect(at1900).toMatchObject({ connectionsRefused: 3, preAuthOverflows: 1, preAuthTimeouts: 0 });
    expect(at2100).toMatchObject({ connectionsRefused: 3, preAuthOverflows: 1, preAuthTimeouts: 4 });
  });
});
