/**
 * A TURN fixture: a virtual TURN server, a client host (public or behind a
 * NAT) driving a {@link RawTurnClient}, and a peer, 10 ms a hop.
 */
import type { TestScheduler } from 'rxjs/testing';
import {
  NAT_PRESETS,
  type TurnServerEvent,
  type TurnServerOptions,
  VirtualNetwork,
} from '../../lib/testing/index.js';
import { bindNow, bindPort } from './raw-sockets.js';
import { RawTurnClient } from './raw-turn-client.js';

export const CREDENTIALS = { username: 'alice', password: 'secret', realm: 'rx-ice.test' };
export const SERVER = '198.51.100.2';
export const PEER = { address: '198.51.100.20', port: 5000 };

export interface WorldOptions {
  readonly server?: Partial<TurnServerOptions>;
  /** Put the client behind a port-restricted cone NAT (203.0.113.1). */
  readonly behindNat?: boolean;
  readonly clientPassword?: string;
}

/** A TURN server, a client host (198.51.100.10, or 192.168.1.10 behind a NAT) and a peer (198.51.100.20:5000); 10 ms a hop. */
export function turnWorld(ts: TestScheduler, options: WorldOptions = {}) {
  const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
  const server = net.createTurnServer('turn', { address: SERVER, ...CREDENTIALS, ...options.server });
  if (options.behindNat)
    net.createNat('nat', { publicAddress: '203.0.113.1', ...NAT_PRESETS.portRestrictedCone });
  const clientHost = options.behindNat
    ? net.createHost('client', { addresses: ['192.168.1.10'], behind: 'nat' })
    : net.createHost('client', { addresses: ['198.51.100.10'] });
  const password = options.clientPassword ?? CREDENTIALS.password;
  const client = new RawTurnClient(ts, bindNow(clientHost), server, CREDENTIALS.username, password);
  const peer = bindPort(net.createHost('peer', { addresses: [PEER.address] }), PEER.port);
  const events: TurnServerEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  const at = (time: number, step: () => void) => ts.schedule(step, time);
  return { net, server, clientHost, client, peer, events, at };
}

/** Allocates at 0 (401) and 100 (success): the allocation exists from 110 ms on (120 ms behind the NAT). */
export function allocated(ts: TestScheduler, options: WorldOptions = {}) {
  const w = turnWorld(ts, options);
  w.client.allocate([], { authenticate: false });
  w.at(100, () => w.client.allocate());
  return w;
}
