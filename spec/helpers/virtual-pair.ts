import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { IceAgent, type IceAgentOptions } from '../../lib/index.js';
import { type VirtualHost, VirtualNetwork } from '../../lib/testing/index.js';

/** A TestScheduler whose assertions go through vitest's deep equality. */
export function newTestScheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** Two agents on a virtual network: `a` (controlling) on 10.0.0.1, `b` (controlled) on 10.0.0.2, `latency` ms apart. */
export function virtualPair(
  scheduler: TestScheduler,
  options: { latency?: number; a?: Partial<IceAgentOptions>; b?: Partial<IceAgentOptions> } = {},
): { net: VirtualNetwork; hostA: VirtualHost; hostB: VirtualHost; a: IceAgent; b: IceAgent } {
  const net = new VirtualNetwork({ scheduler, latency: options.latency ?? 10 });
  const hostA = net.createHost('a', { addresses: ['10.0.0.1'] });
  const hostB = net.createHost('b', { addresses: ['10.0.0.2'] });
  const a = new IceAgent({ role: 'controlling', transport: hostA, scheduler, ...options.a });
  const b = new IceAgent({ role: 'controlled', transport: hostB, scheduler, ...options.b });
  return { net, hostA, hostB, a, b };
}
