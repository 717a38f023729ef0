/**
 * A NAT fixture for tests with raw sockets: alice behind one NAT, two public
 * servers with two ports each.
 */
import type { TestScheduler } from 'rxjs/testing';
import { type NatOptions, VirtualNetwork } from '../../lib/testing/index.js';
import { bindNow, bindPort } from './raw-sockets.js';

/** The NAT's public address. */
export const PUBLIC = '203.0.113.1';

/** alice (192.168.1.10) behind `nat`; servers s1 (198.51.100.1) and s2 (198.51.100.2), ports 3478 and 3479; 10 ms a hop. */
export function natWorld(ts: TestScheduler, nat: Omit<NatOptions, 'publicAddress'>) {
  const net = new VirtualNetwork({ scheduler: ts, latency: 10 });
  const box = net.createNat('nat', { publicAddress: PUBLIC, ...nat });
  const alice = net.createHost('alice', { addresses: ['192.168.1.10'], behind: 'nat' });
  const s1 = net.createHost('s1', { addresses: ['198.51.100.1'] });
  const s2 = net.createHost('s2', { addresses: ['198.51.100.2'] });
  return {
    net,
    nat: box,
    alice,
    a: bindNow(alice),
    s1a: bindPort(s1, 3478),
    s1b: bindPort(s1, 3479),
    s2a: bindPort(s2, 3478),
  };
}
